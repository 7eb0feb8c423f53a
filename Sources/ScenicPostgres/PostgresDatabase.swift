import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// A PostgreSQL database holding Scenic's state: a pool of connections to the server of a
/// ``PostgresURL`` that takes writes, its schema migrated, and a watch that notices when
/// that server is lost and moves the pool to the one that takes writes next.
///
/// postgres-nio's pool retries a lost server for ever, and a call waiting for one of its
/// connections cannot tell a lost server from a busy pool. The watch tells them apart on a
/// connection of its own: when a call failed for a lost connection, or calls have waited
/// for a connection longer than ``longWait``, it connects to the server afresh. A server
/// that answers is busy, and the calls keep waiting; one that does not, or that has become
/// a standby, is lost: its pool is shut down (the calls waiting on it answer at once) and,
/// until a server of the URL takes writes again, calls answer at once that storage is
/// unavailable. The server found may be the same one back from a restart, or a standby
/// promoted in its place; it must hold the same database (the same keys in `store_info`),
/// so that a URL naming an unrelated server is never written to by mistake.
public final class PostgresDatabase: Sendable {
    /// The URL it was opened with, without its password.
    public let location: String
    /// The number of migrations the database has: all of them, once it is open.
    public var schemaVersion: Int { PostgresSchema.migrations.count }
    /// The database's own random keys, made by the first daemon that opened it.
    public let keys: Keys
    private let url: PostgresURL
    private let maximumConnections: Int
    private let logger: Logger
    private let state: NIOLockedValueBox<State>
    private let watching = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// The keys in `store_info`, which are also what tells this database from another.
    public struct Keys: Sendable, Equatable {
        /// The key of the numbers rows are shown under (16 bytes).
        public let publicNumberKey: Data
        /// The key voucher codes are derived under (16 bytes).
        public let voucherCodeKey: Data
    }

    /// A pool of connections to one server, and the task that runs it.
    final class Pool: Sendable {
        let client: PostgresClient
        let host: PostgresURL.Host
        private let running: Task<Void, Never>

        init(host: PostgresURL.Host, url: PostgresURL, maximumConnections: Int, logger: Logger) {
            self.host = host
            let client = PostgresClient(
                configuration: url.clientConfiguration(host: host, maximumConnections: maximumConnections), backgroundLogger: logger)
            self.client = client
            running = Task { await client.run() }
        }

        /// Closes its connections and fails the calls waiting for one.
        func shutDown() { running.cancel() }
    }

    private struct State {
        /// Nil while no server of the URL takes writes.
        var pool: Pool?
        /// When each call now waiting for a connection began to wait.
        var waits: [UInt64: ContinuousClock.Instant] = [:]
        var nextWait: UInt64 = 0
        /// A call failed for a lost connection since the watch last looked.
        var suspected = false
        /// Long waits are not probed again before then: the server answered, the pool is busy.
        var busyUntil = ContinuousClock.Instant.now
        var closed = false
        /// Searches for a server since the last one was lost, for the log.
        var searches = 0
    }

    /// A wait for a connection longer than this has the server probed.
    static let longWait = Duration.seconds(2)
    /// How often the watch looks.
    static let watchInterval = Duration.milliseconds(500)

    private init(url: PostgresURL, maximumConnections: Int, logger: Logger, pool: Pool, keys: Keys) {
        self.url = url
        self.maximumConnections = maximumConnections
        self.logger = logger
        location = url.redacted
        self.keys = keys
        state = NIOLockedValueBox(State(pool: pool))
    }

    /// The server the pool connects to; nil while none takes writes.
    public var host: PostgresURL.Host? { state.withLockedValue { $0.pool?.host } }
    /// How many servers the URL names.
    public var servers: Int { url.hosts.count }

    /// Connects to the first of `url`'s hosts that answers within its connect timeout (and
    /// takes writes, when the URL asks for that), migrates its database, makes its keys the
    /// first time, and opens a pool of connections to it.
    public static func open(_ url: PostgresURL, maximumConnections: Int = 16, logger: Logger) async throws -> PostgresDatabase {
        let (found, passedOver) = await firstServer(of: url, expecting: nil, logger: logger)
        guard let (host, keys) = found else { throw PostgresUnavailable(url: url.redacted, reasons: passedOver) }
        let pool = Pool(host: host, url: url, maximumConnections: maximumConnections, logger: logger)
        let database = PostgresDatabase(url: url, maximumConnections: maximumConnections, logger: logger, pool: pool, keys: keys)
        database.startWatching()
        logger.info("database open", metadata: ["url": "\(url.redacted)", "host": "\(host)", "schema_version": "\(database.schemaVersion)"])
        return database
    }

    /// The first of `url`'s hosts that `prepare` readies, with the database's keys, and why
    /// each one before it was passed over.
    private static func firstServer(
        of url: PostgresURL, expecting: Keys?, logger: Logger
    ) async -> (found: (host: PostgresURL.Host, keys: Keys)?, passedOver: [String]) {
        var passedOver: [String] = []
        for host in url.hosts {
            do {
                guard let keys = try await prepare(host, of: url, expecting: expecting, logger: logger) else {
                    passedOver.append("\(host): a standby, which takes no writes")
                    continue
                }
                return ((host, keys), passedOver)
            } catch {
                passedOver.append("\(host): \(String(reflecting: error))")
            }
        }
        return (nil, passedOver)
    }

    /// Readies the database on `host` through a connection of its own, which fails at once
    /// where a pool would keep retrying a server that is not there, and answers its keys:
    /// nil when `host` is a standby and `url` wants writes. With `expecting` nil, it
    /// migrates the database and makes its keys if it has none. Otherwise it only checks
    /// that the database is the one with those keys (it then has their schema too), so a
    /// probe of a busy server writes nothing.
    private static func prepare(_ host: PostgresURL.Host, of url: PostgresURL, expecting: Keys?, logger: Logger) async throws -> Keys? {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(host: host), id: 0, logger: logger)
        do {
            let keys = try await ready(connection, host: host, of: url, expecting: expecting, logger: logger)
            try await connection.close()
            return keys
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func ready(
        _ connection: PostgresConnection, host: PostgresURL.Host, of url: PostgresURL, expecting: Keys?, logger: Logger
    ) async throws -> Keys? {
        guard try await !(connection.first(Bool.self, "SELECT pg_is_in_recovery()", logger: logger) ?? false) || !url.requiresReadWrite else {
            return nil
        }
        if let expecting {
            let holdsKeys = try await connection.first(Bool.self, "SELECT to_regclass('store_info') IS NOT NULL", logger: logger) ?? false
            guard holdsKeys, try await readKeys(connection, logger: logger) == expecting else { throw AnotherDatabase(host: "\(host)") }
            return expecting
        }
        _ = try await PostgresSchema.migrate(connection, logger: logger)
        // Two daemons opening a new database at once: the first row stays.
        try await connection.query(
            """
            INSERT INTO store_info (id, public_number_key, voucher_code_key)
            VALUES (1, \(randomKey()), \(randomKey())) ON CONFLICT (id) DO NOTHING
            """, logger: logger)
        guard let keys = try await readKeys(connection, logger: logger) else { throw AnotherDatabase(host: "\(host)") }
        return keys
    }

    private static func readKeys(_ connection: PostgresConnection, logger: Logger) async throws -> Keys? {
        var keys: Keys?
        let rows = try await connection.query("SELECT public_number_key, voucher_code_key FROM store_info", logger: logger)
        for try await (publicNumberKey, voucherCodeKey) in rows.decode((Data, Data).self) {
            keys = Keys(publicNumberKey: publicNumberKey, voucherCodeKey: voucherCodeKey)
        }
        return keys
    }

    private static func randomKey() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Runs `body` on a connection of the pool. It throws ``PostgresServerLost`` when no
    /// connection can be had: at once while no server takes writes, and when its server is
    /// found lost while it waits for one.
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let (pool, wait) = try state.withLockedValue { state in
            guard let pool = state.pool else { throw PostgresServerLost(url: location, underlying: nil) }
            defer { state.nextWait += 1 }
            state.waits[state.nextWait] = .now
            return (pool, state.nextWait)
        }
        var leased = false
        defer { if !leased { state.withLockedValue { _ = $0.waits.removeValue(forKey: wait) } } }
        do {
            return try await pool.client.withConnection { connection in
                leased = true
                state.withLockedValue { _ = $0.waits.removeValue(forKey: wait) }
                return try await body(connection)
            }
        } catch where !leased {
            // The pool's own reasons (shut down, its circuit breaker) are all one to a caller.
            throw PostgresServerLost(url: location, underlying: String(reflecting: error))
        }
    }

    /// Has the watch probe the server at its next look: a call lost its connection.
    public func suspectServer() {
        state.withLockedValue { $0.suspected = true }
    }

    private func startWatching() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.watchInterval)
                guard let self else { return }
                await self.look()
            }
        }
        watching.withLockedValue { $0 = task }
    }

    /// Probes the server when a call lost its connection or waits long for one, and looks
    /// for a server that takes writes while there is none.
    private func look() async {
        let now = ContinuousClock.now
        let (pool, suspected, waitingLong) = state.withLockedValue { state in
            defer { state.suspected = false }
            let waitingLong = now >= state.busyUntil && state.waits.values.contains { now - $0 > Self.longWait }
            return (state.pool, state.suspected, waitingLong)
        }
        guard let pool else { return await findServer() }
        guard suspected || waitingLong else { return }
        do {
            guard try await Self.prepare(pool.host, of: url, expecting: keys, logger: logger) != nil else {
                lose(pool, reason: "it became a standby")
                return await findServer()
            }
        } catch where Self.answered(error) {
            // Refused for its own reasons (too many connections, say): it is there.
        } catch {
            lose(pool, reason: String(reflecting: error))
            return await findServer()
        }
        state.withLockedValue { $0.busyUntil = .now + .seconds(5) }
    }

    /// Whether `error` came from a server that is running and will take writes: any error
    /// it reports itself but that it is shutting down, starting up or has lost a connection.
    private static func answered(_ error: any Error) -> Bool {
        guard let state = (error as? PSQLError)?.serverInfo?[.sqlState] else { return false }
        return !state.hasPrefix("08") && !state.hasPrefix("57P")
    }

    private func lose(_ pool: Pool, reason: String) {
        let lost = state.withLockedValue { state in
            guard state.pool === pool else { return false }
            state.pool = nil
            return true
        }
        guard lost else { return }
        pool.shutDown()
        logger.error("database server lost", metadata: ["host": "\(pool.host)", "reason": "\(reason)"])
    }

    /// Opens a pool to the first of the URL's servers that takes writes and holds this
    /// database, if any does now.
    private func findServer() async {
        let (found, passedOver) = await Self.firstServer(of: url, expecting: keys, logger: logger)
        if let host = found?.host {
            let pool = Pool(host: host, url: url, maximumConnections: maximumConnections, logger: logger)
            let opened = state.withLockedValue { state in
                guard !state.closed, state.pool == nil else { return false }
                state.pool = pool
                state.searches = 0
                return true
            }
            guard opened else { return pool.shutDown() }
            logger.warning("database server found", metadata: ["host": "\(host)"])
            return
        }
        let searches = state.withLockedValue { state in
            defer { state.searches += 1 }
            return state.searches
        }
        // Once, then every ten searches (about five seconds while no server answers).
        if searches % 10 == 0 {
            logger.warning("no database server takes writes yet", metadata: ["hosts": "\(passedOver.joined(separator: "; "))"])
        }
    }

    /// Stops the watch and the pool: its connections close, and calls from then on fail.
    public func close() {
        watching.withLockedValue { $0?.cancel() }
        let pool = state.withLockedValue { state in
            state.closed = true
            defer { state.pool = nil }
            return state.pool
        }
        pool?.shutDown()
    }

    deinit { close() }
}

/// No server of a URL could be used: each one's reason.
public struct PostgresUnavailable: Error, CustomStringConvertible {
    public let url: String
    public let reasons: [String]

    public var description: String { "no PostgreSQL server of \(url) could be used: " + reasons.joined(separator: "; ") }
}

/// No connection to a server that takes writes could be had: the server was lost and none
/// of the URL's has been found since, or the pool gave up.
public struct PostgresServerLost: Error, CustomStringConvertible {
    public let url: String
    /// The pool's own error, when it gave one.
    public let underlying: String?
    public var description: String { "no connection to a server of \(url) that takes writes" + (underlying.map { ": \($0)" } ?? "") }
}

/// A server of the URL holds a database other than the one the daemon opened.
struct AnotherDatabase: Error, CustomStringConvertible {
    let host: String
    var description: String { "\(host) holds another database (its store_info keys differ)" }
}

extension PostgresConnection {
    /// The first column of the first row `query` answers, if any.
    fileprivate func first<Value: PostgresDecodable>(_ type: Value.Type, _ query: PostgresQuery, logger: Logger) async throws -> Value? {
        var value: Value?
        for try await row in try await self.query(query, logger: logger).decode(Value.self) where value == nil { value = row }
        return value
    }
}
