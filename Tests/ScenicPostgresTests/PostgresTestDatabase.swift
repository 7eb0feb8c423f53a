import Foundation
import Logging
import PostgresNIO
import ScenicPostgres
import Testing

/// A database of one test's own in the throwaway cluster that scripts/with-postgres.sh
/// starts and names in SCENIC_TEST_POSTGRES_URL (`make test` runs the tests inside it).
struct PostgresTestDatabase {
    static let clusterURL = ProcessInfo.processInfo.environment["SCENIC_TEST_POSTGRES_URL"]
    static let missing = "SCENIC_TEST_POSTGRES_URL is unset: run the tests with `make test` or scripts/with-postgres.sh"
    static let logger = {
        var logger = Logger(label: "scenic.postgres.test")
        logger.logLevel = ProcessInfo.processInfo.environment["SCENIC_TEST_POSTGRES_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// The new database's URL.
    let url: PostgresURL
    let name: String

    /// Makes a new empty database, runs `body` with it, then drops it.
    static func with<Result>(_ body: (PostgresTestDatabase) async throws -> Result) async throws -> Result {
        let cluster = try PostgresURL(try #require(clusterURL, Comment(rawValue: missing)))
        let name = "scenic_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try await onCluster(cluster, "CREATE DATABASE \(name)")
        var url = cluster
        url.database = name
        do {
            let result = try await body(PostgresTestDatabase(url: url, name: name))
            try await onCluster(cluster, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await onCluster(cluster, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Has the server end every connection to this database, as a restart or a network
    /// fault would.
    func cutConnections() async throws {
        let cluster = try PostgresURL(try #require(Self.clusterURL))
        try await Self.withConnection(cluster) { connection in
            _ = try await connection.rows(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(name) AND pid <> pg_backend_pid()")
        }
    }

    /// Runs `sql`, which names no value of a test's, on the cluster's own database.
    private static func onCluster(_ cluster: PostgresURL, _ sql: String) async throws {
        _ = try await withConnection(cluster) { connection in
            try await connection.rows(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// A connection of its own to `url`'s first host (no pool), closed when `body` ends.
    static func withConnection<Result>(_ url: PostgresURL, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(host: url.hosts[0]), id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

extension PostgresConnection {
    /// Every row `query` returns.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let sequence = try await self.query(query, logger: PostgresTestDatabase.logger)
        return try await sequence.collect()
    }
}
