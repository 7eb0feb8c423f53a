import Foundation
import GRDB
import Logging
import PostgresNIO
import ScenicNumbering
import ScenicStore

/// Scenic's state in a PostgreSQL database that several daemons share.
///
/// Nothing that keeps money or seats exact lives in one daemon's memory: a write locks the
/// rows it decides on (`SELECT … FOR UPDATE`, the distributor's row first) before it reads
/// them, so two daemons selling against one balance take turns on that row, and the
/// schema's checks refuse what a bug would let through. A sign-in is read from the
/// database at every call, so a logout or a disabling on one daemon holds on the others
/// at once.
///
/// It carries the accounts, sessions, catalog, bindings, recharges, adjustments, the
/// ledger and sales of products without calendar or real-name rules so far; the rest of
/// ``Store`` follows.
public final class PostgresStore: Sendable {
    let database: PostgresDatabase
    let logger: Logger
    /// The store's own random key for the numbers rows are shown under (16 bytes).
    public let publicNumberKey: [UInt8]
    /// Codes of vouchers from their ids, under the store's own key.
    let voucherCodes: VoucherCodes

    /// The number of migrations applied, shown in server info.
    public var schemaVersion: Int { database.schemaVersion }

    private init(database: PostgresDatabase, logger: Logger, publicNumberKey: [UInt8], voucherCodeKey: [UInt8]) {
        self.database = database
        self.logger = logger
        self.publicNumberKey = publicNumberKey
        voucherCodes = VoucherCodes(key: voucherCodeKey)
    }

    /// Opens the database `url` names, migrating it, and makes its keys the first time.
    public static func open(_ url: PostgresURL, logger: Logger = Logger(label: "scenic.store")) async throws -> PostgresStore {
        let database = try await PostgresDatabase.open(url, logger: logger)
        do {
            let keys = try await database.client.withConnection { connection in
                let transaction = PostgresTransaction(connection: connection, logger: logger)
                // Two daemons opening a new database at once: the first row stays.
                try await transaction.run(
                    """
                    INSERT INTO store_info (id, public_number_key, voucher_code_key)
                    VALUES (1, \(randomKey()), \(randomKey())) ON CONFLICT (id) DO NOTHING
                    """)
                return try await transaction.rows("SELECT public_number_key, voucher_code_key FROM store_info").first
            }
            guard let keys else { throw PostgresStoreIncomplete(what: "store_info has no row") }
            let publicNumberKey: Data = keys["public_number_key"]
            let voucherCodeKey: Data = keys["voucher_code_key"]
            return PostgresStore(
                database: database, logger: logger, publicNumberKey: Array(publicNumberKey), voucherCodeKey: Array(voucherCodeKey))
        } catch {
            database.close()
            throw error
        }
    }

    /// Closes the pool; the store cannot be used afterwards.
    public func close() {
        database.close()
    }

    /// Runs `body` in a read-committed transaction, and again from the start when
    /// PostgreSQL ends it for a deadlock or a serialization failure (another transaction
    /// won the rows): nothing of a failed attempt stays.
    func write<T: Sendable>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await database.client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let value = try await body(PostgresTransaction(connection: connection, logger: logger))
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < 5 {
                attempt += 1
                logger.debug("transaction retried", metadata: ["attempt": "\(attempt)", "sqlstate": "\(error.serverInfo?[.sqlState] ?? "")"])
            }
        }
    }

    /// Runs `body` on a connection of the pool, outside a transaction: each query sees
    /// what was committed when it started.
    func read<T: Sendable>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
        try await database.client.withConnection { connection in
            try await body(PostgresTransaction(connection: connection, logger: logger))
        }
    }

    /// Deadlock (40P01), serialization failure (40001), or a request id that another
    /// transaction recorded meanwhile (its answer is found on the next attempt).
    private static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
            || (state == "23505" && error.serverInfo?[.constraintName] == "request_log_pkey")
    }

    private static func randomKey() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// A part of ``Store`` the PostgreSQL store does not carry yet.
public struct PostgresStoreIncomplete: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "not on PostgreSQL yet: \(what)" }
}

/// One connection, in or out of a transaction, and the queries the store makes on it.
struct PostgresTransaction {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs `query` for its effect.
    func run(_ query: PostgresQuery) async throws {
        let rows = try await connection.query(query, logger: logger)
        for try await _ in rows {}
    }

    /// Every row `query` returns, as the records read them.
    func rows(_ query: PostgresQuery) async throws -> [GRDB.Row] {
        let sequence = try await connection.query(query, logger: logger)
        var rows: [GRDB.Row] = []
        for try await row in sequence { rows.append(try GRDB.Row(postgres: row)) }
        return rows
    }

    /// The first row `query` returns, as a record.
    func one<Record: FetchableRecord>(_ type: Record.Type, _ query: PostgresQuery) async throws -> Record? {
        try await rows(query).first.map { try Record(row: $0) }
    }

    /// Every row `query` returns, as records.
    func all<Record: FetchableRecord>(_ type: Record.Type, _ query: PostgresQuery) async throws -> [Record] {
        try await rows(query).map { try Record(row: $0) }
    }

    /// The first column of the first row `query` returns.
    func value<Value: PostgresDecodable>(_ type: Value.Type, _ query: PostgresQuery) async throws -> Value? {
        let sequence = try await connection.query(query, logger: logger)
        var value: Value?
        for try await row in sequence where value == nil {
            guard let cell = row.first, cell.bytes != nil else { continue }
            value = try cell.decode(Value.self)
        }
        return value
    }
}
