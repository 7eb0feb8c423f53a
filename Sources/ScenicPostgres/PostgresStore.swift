import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import ScenicNumbering
import ScenicStore

/// Scenic's state in a PostgreSQL database that several daemons share.
///
/// Nothing that keeps money or seats exact lives in one daemon's memory: a write locks the
/// rows it decides on (`SELECT … FOR NO KEY UPDATE`, the distributor's row first) before it reads
/// them, so two daemons selling against one balance take turns on that row, and the
/// schema's checks refuse what a bug would let through. A sign-in is read from the
/// database at every call, so a logout or a disabling on one daemon holds on the others
/// at once.
///
/// Each file of this module carries one part of ``Store`` and says how it stays exact
/// across daemons.
public final class PostgresStore: Store, Sendable {
    let database: PostgresDatabase
    let logger: Logger
    /// The store's own random key for the numbers rows are shown under (16 bytes).
    public let publicNumberKey: [UInt8]
    /// Codes of vouchers from their ids, under the store's own key.
    let voucherCodes: VoucherCodes
    /// Rings when events commit, on this daemon or another, for the feed's long polls.
    public let eventBell = EventBell()
    private let listening: Task<Void, Never>

    /// The number of migrations applied, shown in server info.
    public var schemaVersion: Int { database.schemaVersion }

    private init(database: PostgresDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
        publicNumberKey = Array(database.keys.publicNumberKey)
        voucherCodes = VoucherCodes(key: Array(database.keys.voucherCodeKey))
        listening = Self.ringOnEvents(eventBell, database: database, logger: logger)
    }

    /// Opens the database `url` names, migrating it, and makes its keys the first time;
    /// the pool keeps at most `maximumConnections` connections, one of them listening for
    /// events.
    public static func open(
        _ url: PostgresURL, maximumConnections: Int = 16, logger: Logger = Logger(label: "scenic.store")
    ) async throws -> PostgresStore {
        PostgresStore(database: try await PostgresDatabase.open(url, maximumConnections: maximumConnections, logger: logger), logger: logger)
    }

    /// Closes the pool; the store cannot be used afterwards.
    public func close() {
        listening.cancel()
        database.close()
    }

    /// Reads one row, proving the database answers; for the health check.
    public func ping() async throws {
        _ = try await read { try await $0.value(Int64.self, "SELECT 1") }
    }

    /// Runs `body` in a read-committed transaction, and again from the start when
    /// PostgreSQL ends it for a deadlock or a serialization failure (another transaction
    /// won the rows): nothing of a failed attempt stays.
    func write<T: Sendable>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await translatingFailures { try await inTransaction("BEGIN", body) }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < 5 {
                attempt += 1
                logger.debug("transaction retried", metadata: ["attempt": "\(attempt)", "sqlstate": "\(error.serverInfo?[.sqlState] ?? "")"])
            }
        }
    }

    /// Runs `body` in a read-only transaction on one snapshot, as a read of the SQLite
    /// store sees one: a statement's balances and sums, a page of events and the oldest
    /// kept, agree with each other.
    func read<T: Sendable>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
        try await translatingFailures { try await inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body) }
    }

    /// Runs `body` on a connection of the pool between `begin` and its commit, rolling
    /// back when it throws.
    private func inTransaction<T: Sendable>(_ begin: PostgresQuery, _ body: (PostgresTransaction) async throws -> T) async throws -> T {
        try await database.withConnection { connection in
            let transaction = PostgresTransaction(connection: connection, logger: logger)
            try await transaction.run(begin)
            do {
                let value = try await body(transaction)
                try await transaction.run("COMMIT")
                return value
            } catch {
                try? await transaction.run("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body`, answering a lost, closing or read-only server, or a full disk, as a
    /// ``StorageFailure`` (the services' retryable statuses); whether a commit whose
    /// answer was lost took effect, the caller's request id tells on its retry.
    private func translatingFailures<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            guard let failure = Self.storageFailure(error) else { throw error }
            // A call refused while no server takes writes is one of many the loss already
            // logged (PostgresDatabase): not an error line each.
            if let lost = error as? PostgresServerLost, lost.underlying == nil {
                logger.debug("storage failure", metadata: ["kind": "\(failure.kind.rawValue)", "detail": "\(failure.detail)"])
            } else {
                if failure.kind == .unavailable { database.suspectServer() }
                logger.error("storage failure", metadata: ["kind": "\(failure.kind.rawValue)", "detail": "\(failure.detail)"])
            }
            throw failure
        }
    }

    /// The outage `error` stands for, or nil when it is not one (a constraint, a bug).
    static func storageFailure(_ error: any Error) -> StorageFailure? {
        if error is PostgresConnectionClosed || error is PostgresServerLost {
            return StorageFailure(kind: .unavailable, detail: String(reflecting: error))
        }
        guard let error = error as? PSQLError else { return nil }
        let detail = String(reflecting: error)
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return StorageFailure(kind: .unavailable, detail: detail)
        default:
            break
        }
        guard let state = error.serverInfo?[.sqlState] else { return nil }
        switch state {
        case "53100": return StorageFailure(kind: .full, detail: detail)
        // Out of memory or connections, a read-only transaction (a standby after a
        // failover), an administrator's shutdown, a server starting up, or a connection
        // failure the server reports.
        case "53200", "53300", "25006", "57P01", "57P02", "57P03": return StorageFailure(kind: .unavailable, detail: detail)
        default: return state.hasPrefix("08") ? StorageFailure(kind: .unavailable, detail: detail) : nil
        }
    }

    /// Deadlock (40P01), serialization failure (40001), or a unique row another daemon
    /// wrote meanwhile (a phone, a product code, a request id): the next attempt finds it
    /// and answers as the SQLite store does (PHONE_TAKEN, a code taken, the first answer).
    private static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
            || (state == "23505"
                && ["request_log_pkey", "distributor_phone_key", "product_code_key"].contains(error.serverInfo?[.constraintName]))
    }
}

/// A connection that closed before its query was answered.
struct PostgresConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL closed before the query was answered" }
}

/// A statement that should have answered a row (an insert's id, the store's keys) did not.
public struct PostgresStoreFault: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "PostgreSQL answered without a row: \(what)" }
}

/// One connection, in or out of a transaction, and the queries the store makes on it.
struct PostgresTransaction {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs `query` for its effect.
    func run(_ query: PostgresQuery) async throws {
        _ = try await result(of: query)
    }

    /// Every row `query` returns, as the records read them.
    func rows(_ query: PostgresQuery) async throws -> [GRDB.Row] {
        try await result(of: query).rows.map { try GRDB.Row(postgres: $0) }
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
        guard let cell = try await result(of: query).rows.first?.first, cell.bytes != nil else { return nil }
        return try cell.decode(Value.self)
    }

    /// The whole answer to `query`. A query sent on a connection the server is ending can
    /// otherwise wait for an answer for ever: one whose connection closes fails within a
    /// quarter of a second, and one with no answer after ``answerTimeout`` closes its
    /// connection (the server then rolls its transaction back) and fails.
    private func result(of query: PostgresQuery) async throws -> PostgresQueryResult {
        guard !connection.isClosed else { throw PostgresConnectionClosed() }
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        let answered = NIOLockedValueBox(false)
        let complete: @Sendable (Result<PostgresQueryResult, any Error>) -> Void = { result in
            guard answered.withLockedValue({ done in defer { done = true }; return !done }) else { return }
            answer.completeWith(result)
        }
        let connection = connection
        let giveUp = NIODeadline.now() + Self.answerTimeout
        let watch = connection.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { watch in
            guard connection.isClosed || NIODeadline.now() > giveUp else { return }
            complete(.failure(PostgresConnectionClosed()))
            let _: EventLoopFuture<Void> = connection.close()
            watch.cancel()
        }
        connection.query(query, logger: logger).whenComplete { result in
            watch.cancel()
            complete(result)
        }
        return try await answer.futureResult.get()
    }

    /// Longer than any statement of the store takes on a live server.
    static let answerTimeout = TimeAmount.seconds(120)
}

extension PostgresStore {
    /// The URL the store was opened with, without its password, and, where it names
    /// several servers, the one in use now.
    public var databasePath: String {
        guard database.servers > 1 else { return database.location }
        return database.location + (database.host.map { " (in use: \($0))" } ?? " (no server takes writes now)")
    }

    /// The database's size as the server counts it; its WAL and disk are the server's own.
    public func storageSize() async -> StorageSize {
        let bytes = try? await read { try await $0.value(Int64.self, "SELECT pg_database_size(current_database())") }
        return StorageSize(databaseBytes: bytes ?? 0, walBytes: nil, freeDiskBytes: nil)
    }

    /// PostgreSQL's own tools back its data up: pg_dump, or a streaming standby.
    public func backup(to path: String) throws -> (sizeBytes: Int64, integrity: String) {
        throw BackupError.onDatabaseServer
    }

    /// Each call commits alone: there are no group commits to report.
    public func observeGroupCommits(_ observer: @escaping GroupCommitObserver) {}

    /// What the daemon's metrics read from the database at a scrape.
    public func gauges() async throws -> Gauges {
        try await read { transaction in
            func counts(_ query: PostgresQuery) async throws -> [String: Int64] {
                Dictionary(uniqueKeysWithValues: try await transaction.rows(query).map { ($0["status"] as String, $0["count"] as Int64) })
            }
            return Gauges(
                openSessions: try await transaction.value(Int64.self, "SELECT count(*) FROM session WHERE ended_at IS NULL") ?? 0,
                smsByStatus: try await counts("SELECT status, count(*) AS count FROM sms_outbox GROUP BY status"),
                heldHolds: try await transaction.value(Int64.self, "SELECT count(*) FROM hold WHERE status = 'held'") ?? 0,
                vouchersByStatus: try await counts("SELECT status, sum(count)::bigint AS count FROM voucher_tally GROUP BY status"))
        }
    }
}
