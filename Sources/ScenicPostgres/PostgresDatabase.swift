import Logging
import PostgresNIO
import Synchronization

/// A PostgreSQL database holding Scenic's state: a pool of connections to the server a
/// ``PostgresURL`` picks, its schema migrated. When that server is lost or turns
/// read-only, the URL's hosts are looked through again and the pool moves to the first
/// that takes writes (a standby promoted after a failover).
public final class PostgresDatabase: Sendable {
    /// A pool and the server it connects to.
    private struct Pool {
        let client: PostgresClient
        let host: PostgresURL.Host
        let running: Task<Void, Never>
    }

    private let pool: Mutex<Pool>
    /// Whether a look through the hosts is under way, and when the last one started.
    private let reprobe = Mutex<(underWay: Bool, started: ContinuousClock.Instant?)>((false, nil))
    private let url: PostgresURL
    private let maximumConnections: Int
    private let logger: Logger
    /// The URL it was opened with, without its password.
    public let location: String
    /// The number of migrations the database has.
    public let schemaVersion: Int

    /// The pool every query goes through: the one of the server in use now.
    public var client: PostgresClient { pool.withLock { $0.client } }
    /// The server the pool connects to.
    public var host: PostgresURL.Host { pool.withLock { $0.host } }

    private init(url: PostgresURL, maximumConnections: Int, logger: Logger, pool: Pool, schemaVersion: Int) {
        self.url = url
        self.maximumConnections = maximumConnections
        self.logger = logger
        self.pool = Mutex(pool)
        location = url.redacted
        self.schemaVersion = schemaVersion
    }

    /// Connects to the first of `url`'s hosts that answers within its connect timeout (and
    /// takes writes, when the URL asks for that), migrates its database, and opens a pool
    /// of connections to it.
    public static func open(_ url: PostgresURL, maximumConnections: Int = 16, logger: Logger) async throws -> PostgresDatabase {
        let (host, schemaVersion, passedOver) = await firstUsable(url, logger: logger)
        guard let host, let schemaVersion else { throw PostgresUnavailable(url: url.redacted, reasons: passedOver) }
        logger.info("database open", metadata: ["url": "\(url.redacted)", "schema_version": "\(schemaVersion)"])
        return PostgresDatabase(
            url: url, maximumConnections: maximumConnections, logger: logger,
            pool: makePool(url, host: host, maximumConnections: maximumConnections, logger: logger), schemaVersion: schemaVersion)
    }

    /// Runs `body` on a connection of the pool, failing with ``PostgresNoConnection`` when
    /// none is had within ``leaseTimeout``: the pool retries a server that is gone for ever,
    /// and calls would otherwise wait with it until their deadlines, none of them telling
    /// that the server is lost. A restart's few seconds are waited out.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        let leased = LeaseFlag()
        return try await withoutActuallyEscaping(body) { body in
            // The group's tasks end before it returns, and so before `body` does.
            let work = UncheckedBody(run: body)
            return try await withThrowingTaskGroup(of: Optional<T>.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        leased.value.store(true, ordering: .relaxed)
                        return try await work.run(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: Self.leaseTimeout)
                    return nil
                }
                while let next = try await group.next() {
                    if let value = next {
                        group.cancelAll()
                        return value
                    }
                    guard leased.value.load(ordering: .relaxed) else {
                        group.cancelAll()
                        throw PostgresNoConnection(seconds: Self.leaseTimeout)
                    }
                }
                throw CancellationError()
            }
        }
    }

    /// Longer than a server's restart takes; short enough that a lost server is noticed
    /// (and another host looked for) well within a call's deadline.
    static let leaseTimeout: Duration = .seconds(5)

    private final class LeaseFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private struct UncheckedBody<T>: @unchecked Sendable {
        let run: (PostgresConnection) async throws -> T
    }

    /// Called when a query found the server gone or read-only. With several hosts, looks
    /// through them again in the background (one look at a time, at most one a second)
    /// and moves the pool to the first usable one when it is another server; the same
    /// server answering again needs nothing (its pool reconnects by itself). Calls answer
    /// STORAGE_UNAVAILABLE meanwhile.
    func serverFailed() {
        guard url.hosts.count > 1 else { return }
        let start = reprobe.withLock { state in
            guard !state.underWay, state.started.map({ ContinuousClock.now - $0 > .seconds(1) }) ?? true else { return false }
            state = (true, ContinuousClock.now)
            return true
        }
        guard start else { return }
        Task {
            defer { reprobe.withLock { $0.underWay = false } }
            let (found, _, passedOver) = await Self.firstUsable(url, logger: logger)
            guard let found else {
                logger.warning("no usable PostgreSQL server", metadata: ["reasons": "\(passedOver)"])
                return
            }
            guard found != host else { return }
            let moved = Self.makePool(url, host: found, maximumConnections: maximumConnections, logger: logger)
            let old = pool.withLock { pool in
                defer { pool = moved }
                return pool
            }
            logger.warning("database moved to another server", metadata: ["from": "\(old.host)", "to": "\(found)"])
            // Calls still waiting for one of the old pool's connections give up on their own
            // (``leaseTimeout``) and are answered STORAGE_UNAVAILABLE, not with the error of
            // a pool shut under them.
            try? await Task.sleep(for: Self.leaseTimeout + .seconds(1))
            old.running.cancel()
        }
    }

    /// The first of `url`'s hosts that can be used, with its migrated schema's version, and
    /// why each one before it could not.
    private static func firstUsable(_ url: PostgresURL, logger: Logger) async -> (PostgresURL.Host?, Int?, [String]) {
        var passedOver: [String] = []
        for host in url.hosts {
            do {
                guard let version = try await migrate(host, of: url, logger: logger) else {
                    passedOver.append("\(host): a standby, which takes no writes")
                    continue
                }
                return (host, version, passedOver)
            } catch {
                passedOver.append("\(host): \(String(reflecting: error))")
            }
        }
        return (nil, nil, passedOver)
    }

    private static func makePool(_ url: PostgresURL, host: PostgresURL.Host, maximumConnections: Int, logger: Logger) -> Pool {
        let client = PostgresClient(
            configuration: url.clientConfiguration(host: host, maximumConnections: maximumConnections), backgroundLogger: logger)
        return Pool(client: client, host: host, running: Task { await client.run() })
    }

    /// Migrates the database on `host` through a connection of its own, which fails at once
    /// where the pool would keep retrying a server that is not there; nil when `host` is a
    /// standby and `url` wants writes.
    private static func migrate(_ host: PostgresURL.Host, of url: PostgresURL, logger: Logger) async throws -> Int? {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(host: host), id: 0, logger: logger)
        do {
            let rows = try await connection.query("SELECT pg_is_in_recovery()", logger: logger)
            var standby = false
            for try await value in rows.decode(Bool.self) { standby = value }
            let version = standby && url.requiresReadWrite ? nil : try await PostgresSchema.migrate(connection, logger: logger)
            try await connection.close()
            return version
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Stops the pool: its connections close, and queries from then on fail.
    public func close() {
        pool.withLock { $0.running.cancel() }
    }

    deinit { pool.withLock { $0.running.cancel() } }
}

/// The pool had no connection to give within its time: the server is unreachable.
struct PostgresNoConnection: Error, CustomStringConvertible {
    let seconds: Duration
    var description: String { "no connection to PostgreSQL within \(seconds)" }
}

/// No server of a URL could be used: each one's reason.
public struct PostgresUnavailable: Error, CustomStringConvertible {
    public let url: String
    public let reasons: [String]

    public var description: String { "no PostgreSQL server of \(url) could be used: " + reasons.joined(separator: "; ") }
}
