import Foundation
import Testing

/// A seconds-long run of each load profile, so the bench cannot rot. No figure is judged
/// here: timing belongs in BENCHMARKS.md, not in assertions on a shared machine.
@Suite("Bench smoke", .serialized)
struct BenchSmokeTests {
    /// Where `make test` builds the C floors.
    static let floorsDirectory = ProcessInfo.processInfo.environment["SCENIC_FLOORS_DIR"] ?? "Benchmarks/floors/build"

    @Test("scenic-bench load runs each profile against a real daemon, with the floors where they apply", arguments: [
        ["--profile", "sell", "--connections", "4", "--distributors", "2", "--floors"],
        ["--profile", "sell", "--connections", "4", "--distributors", "2", "--capacity", "1000000"],
        ["--profile", "mixed", "--connections", "4", "--in-flight", "2", "--distributors", "2"],
        ["--profile", "health", "--connections", "1", "--in-flight", "16", "--floors"],
        ["--profile", "voucher-page", "--connections", "2"],
        ["--profile", "statement", "--connections", "2"],
    ])
    func loadProfile(_ arguments: [String]) async throws {
        let result = try await CommandResult.run(
            "scenic-bench", ["load", "--duration", "1", "--json", "--floors-directory", Self.floorsDirectory] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect((report["calls"] as? Int ?? 0) > 0)
        #expect((report["failures"] as? [String: Int])?.isEmpty == true, "\(report["failures"] ?? "")")
        let latency = try #require(report["latency_us"] as? [String: Double])
        #expect((latency["p50"] ?? 0) > 0 && (latency["p50"] ?? 0) <= (latency["p99"] ?? 0))
        #expect((report["daemon_peak_rss_bytes"] as? Int ?? 0) > 0)
        #expect((report["daemon_cpu_us_per_call"] as? Double ?? 0) > 0, "\(result.stdout)")
        #expect((report["daemon_storage_bytes_per_call"] as? Double ?? -1) >= 0, "\(result.stdout)")
        if arguments.contains("sell") || arguments.contains("mixed") {
            // The writer's transactions over the load, from the daemon's metrics.
            let batches = try #require(report["group_commit"] as? [String: Double], "\(result.stdout)")
            #expect((batches["transactions"] ?? 0) > 0 && (batches["writes_per_transaction"] ?? 0) >= 1, "\(batches)")
            #expect((batches["executing_us_per_write"] ?? 0) > 0 && (batches["committing_us_per_transaction"] ?? 0) > 0, "\(batches)")
        }
        if arguments.contains("--floors") {
            let floors = try #require(report["floors"] as? [[String: Any]])
            #expect(!floors.isEmpty && floors.allSatisfy { ($0["per_second"] as? Double ?? 0) > 0 }, "\(floors)")
        }
    }
}
