import Foundation
import Logging
import PostgresNIO
import ScenicPostgres

/// A database of one test's own in the throwaway cluster that scripts/with-postgres.sh
/// starts and names in SCENIC_TEST_POSTGRES_URL (`make test` runs the tests inside it).
public struct PostgresTestDatabase: Sendable {
    public static let clusterURL = ProcessInfo.processInfo.environment["SCENIC_TEST_POSTGRES_URL"]
    public static let missing = "SCENIC_TEST_POSTGRES_URL is unset: run the tests with `make test` or scripts/with-postgres.sh"
    public static let logger = {
        var logger = Logger(label: "scenic.postgres.test")
        logger.logLevel = ProcessInfo.processInfo.environment["SCENIC_TEST_POSTGRES_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// The new database's URL.
    public let url: PostgresURL
    public let name: String

    /// Makes a new empty database, which the cluster's end removes.
    public static func make() async throws -> PostgresTestDatabase {
        let cluster = try Self.cluster()
        let name = "scenic_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try await onCluster(cluster, "CREATE DATABASE \(name)")
        var url = cluster
        url.database = name
        return PostgresTestDatabase(url: url, name: name)
    }

    /// Makes a new empty database, runs `body` with it, then drops it.
    public static func with<Result>(_ body: (PostgresTestDatabase) async throws -> Result) async throws -> Result {
        let database = try await make()
        do {
            let result = try await body(database)
            try await onCluster(try cluster(), "DROP DATABASE \(database.name) WITH (FORCE)")
            return result
        } catch {
            try? await onCluster(try cluster(), "DROP DATABASE \(database.name) WITH (FORCE)")
            throw error
        }
    }

    /// Has the server end every connection to this database, as a restart or a network
    /// fault would.
    public func cutConnections() async throws {
        try await Self.withConnection(try Self.cluster()) { connection in
            _ = try await connection.rows(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(name) AND pid <> pg_backend_pid()")
        }
    }

    /// The test cluster's URL.
    static func cluster() throws -> PostgresURL {
        guard let clusterURL else { throw PostgresClusterMissing() }
        return try PostgresURL(clusterURL)
    }

    /// Runs `sql`, which names no value of a test's, on the cluster's own database.
    private static func onCluster(_ cluster: PostgresURL, _ sql: String) async throws {
        _ = try await withConnection(cluster) { connection in
            try await connection.rows(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// A connection of its own to `url`'s first host (no pool), closed when `body` ends.
    public static func withConnection<Result>(_ url: PostgresURL, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
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

/// The tests were run without the cluster scripts/with-postgres.sh starts.
struct PostgresClusterMissing: Error, CustomStringConvertible {
    var description: String { PostgresTestDatabase.missing }
}

extension PostgresConnection {
    /// Every row `query` returns.
    public func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let sequence = try await self.query(query, logger: PostgresTestDatabase.logger)
        return try await sequence.collect()
    }
}
