import Foundation

/// Runs the C floors of Benchmarks/floors, which show what the kernel and SQLite alone
/// can do, so the daemon's figures can be read as ratios in the same run.
struct Floors {
    let directory: String

    /// One floor's JSON line, as the floor printed it.
    typealias Result = [String: any Sendable]

    /// The floors that bound `profile`: the echo round trip for health calls, SQLite's
    /// sale transaction one per commit and batched for sales, spread over the load's
    /// `distributors` as its sales were (each seller's index entries sit apart). Batched
    /// by every call in flight, and also by `daemonBatch`, the writes the daemon's own
    /// transactions held on average, when that differs.
    func measure(
        profile: LoadProfile, connections: Int, inFlight: Int, distributors: Int, database: String, seconds: Double,
        daemonBatch: Int? = nil
    ) async throws -> [Result] {
        let duration = String(format: "%.1f", seconds)
        switch profile {
        case .health:
            return [try run("echo-floor", ["--connections", "\(connections)", "--in-flight", "\(inFlight)", "--seconds", duration])]
        case .sell, .mixed:
            let batch = min(connections * inFlight, 256)
            let sizes = [1, batch] + (daemonBatch.map { $0 > 1 && $0 != batch ? [$0] : [] } ?? [])
            return try sizes.map { perTransaction in
                try run("sqlite-sale-floor", [
                    "--database", database, "--product", Fixture.productCode, "--distributor", "1",
                    "--distributors", "\(distributors)",
                    "--per-transaction", "\(perTransaction)", "--seconds", duration,
                ])
            }
        case .voucherPage, .statement, .login:
            return []
        }
    }

    /// PostgreSQL's floor: the sale's statements as a pgbench script, one sale a
    /// transaction, `connections` clients over two threads, distributors 1…`distributors`,
    /// `sales` in all. (A count, not pgbench's --time: its timer is a SIGALRM, which a
    /// child of Foundation's Process never receives.)
    func pgbench(script: String, url: String, connections: Int, distributors: Int, sales: Int) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "pgbench", "--no-vacuum", "--client", "\(connections)", "--jobs", "2",
            "--transactions", "\(max(1, sales / connections))",
            "--define", "distributors=\(distributors)", "--define", "product=1", "--file", script, url,
        ]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw BenchFailure("cannot run pgbench (Debian's postgresql-client-15): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        // "tps = 1234.5 (without initial connection time)"
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let rate = Double(line.dropFirst("tps = ".count).prefix { $0 != " " })
        else { throw BenchFailure("pgbench failed with status \(process.terminationStatus): \(text)") }
        return ["floor": "postgres-sale (pgbench)", "per_transaction": 1.0, "per_second": rate]
    }

    private func run(_ name: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: directory).appendingPathComponent(name)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw BenchFailure("cannot run \(process.executableURL!.path) (build it with make -C Benchmarks/floors): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw BenchFailure("\(name) failed with status \(process.terminationStatus)") }
        return line.mapValues { value -> any Sendable in
            switch value {
            case let number as NSNumber: number.doubleValue
            default: "\(value)"
            }
        }
    }
}
