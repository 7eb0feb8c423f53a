import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin metrics`: what a Prometheus scraper reads, over the admin socket.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the daemon's metrics in Prometheus' text format.",
        discussion: """
            Calls by method and status with their latency, connections, group commits, open sessions, \
            the SMS outbox, holds, vouchers by state, and the database's, the WAL's and the free disk's \
            sizes. scenicd --metrics-address HOST:PORT serves the same over HTTP at /metrics.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        print(try await connection.withClient(AdminRole.self) { try await $0.metrics() }, terminator: "")
    }
}
