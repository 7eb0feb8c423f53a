import Logging
import PostgresNIO

/// A PostgreSQL database holding Scenic's state: a pool of connections to the server a
/// ``PostgresURL`` picks, its schema migrated.
public final class PostgresDatabase: Sendable {
    /// The pool every query goes through.
    public let client: PostgresClient
    /// The server the pool connects to.
    public let host: PostgresURL.Host
    /// The URL it was opened with, without its password.
    public let location: String
    /// The number of migrations the database has.
    public let schemaVersion: Int
    private let running: Task<Void, Never>

    private init(client: PostgresClient, host: PostgresURL.Host, location: String, schemaVersion: Int, running: Task<Void, Never>) {
        self.client = client
        self.host = host
        self.location = location
        self.schemaVersion = schemaVersion
        self.running = running
    }

    /// Connects to the first of `url`'s hosts that answers within its connect timeout (and
    /// takes writes, when the URL asks for that), migrates its database, and opens a pool
    /// of connections to it.
    public static func open(_ url: PostgresURL, maximumConnections: Int = 16, logger: Logger) async throws -> PostgresDatabase {
        var passedOver: [String] = []
        for host in url.hosts {
            let schemaVersion: Int
            do {
                guard let version = try await migrate(host, of: url, logger: logger) else {
                    passedOver.append("\(host): a standby, which takes no writes")
                    continue
                }
                schemaVersion = version
            } catch {
                passedOver.append("\(host): \(String(reflecting: error))")
                continue
            }
            let client = PostgresClient(
                configuration: url.clientConfiguration(host: host, maximumConnections: maximumConnections), backgroundLogger: logger)
            let running = Task { await client.run() }
            logger.info("database open", metadata: ["url": "\(url.redacted)", "schema_version": "\(schemaVersion)"])
            return PostgresDatabase(client: client, host: host, location: url.redacted, schemaVersion: schemaVersion, running: running)
        }
        throw PostgresUnavailable(url: url.redacted, reasons: passedOver)
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
        running.cancel()
    }

    deinit { running.cancel() }
}

/// No server of a URL could be used: each one's reason.
public struct PostgresUnavailable: Error, CustomStringConvertible {
    public let url: String
    public let reasons: [String]

    public var description: String { "no PostgreSQL server of \(url) could be used: " + reasons.joined(separator: "; ") }
}
