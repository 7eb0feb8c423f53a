import Foundation

/// The figures of one load run, as text for people or JSON for machines.
struct LoadReport {
    let profile: String
    let connections: Int
    let inFlight: Int
    let distributors: Int
    var seconds = 0.0
    var calls = 0
    var failures: [String: Int] = [:]
    var p50 = 0.0, p99 = 0.0, p999 = 0.0, maxMicros = 0.0
    var peakResidentBytes: Int?
    /// The daemon's CPU time (user + system) while the load ran, set-up excluded.
    var daemonCPU: Duration?
    /// What the daemon had written to storage while the load ran (`write_bytes` of
    /// /proc/PID/io: the WAL and checkpoints together, as the disk sees them), set-up excluded.
    var daemonStorageBytes: Int?
    var startToReadyMillis: Double?
    /// The daemon's transactions during the load (SQLite's group commit).
    var groupCommits: GroupCommitFigures?
    var floors: [Floors.Result] = []

    init(profile: String, connections: Int, inFlight: Int, distributors: Int) {
        self.profile = profile
        self.connections = connections
        self.inFlight = inFlight
        self.distributors = distributors
    }

    mutating func record(_ recorder: LatencyRecorder, seconds elapsed: Duration) {
        seconds = elapsed.inSeconds
        calls = recorder.calls
        failures = recorder.failures
        p50 = recorder.microseconds(at: 50)
        p99 = recorder.microseconds(at: 99)
        p999 = recorder.microseconds(at: 99.9)
        maxMicros = recorder.maxMicroseconds
    }

    var perSecond: Double { seconds > 0 ? Double(calls) / seconds : 0 }

    var daemonCPUMicrosPerCall: Double? {
        guard let daemonCPU, calls > 0 else { return nil }
        return daemonCPU.inSeconds * 1e6 / Double(calls)
    }

    var storageBytesPerCall: Double? {
        guard let daemonStorageBytes, calls > 0 else { return nil }
        return Double(daemonStorageBytes) / Double(calls)
    }

    /// The daemon's rate over each floor's.
    var ratios: [(floor: String, ratio: Double)] {
        floors.compactMap { floor in
            guard let rate = floor["per_second"] as? Double, rate > 0 else { return nil }
            let name = (floor["floor"] as? String ?? "floor") + ((floor["per_transaction"] as? Double).map { " ×\(Int($0))/tx" } ?? "")
            return (name, perSecond / rate)
        }
    }

    func text() -> String {
        var lines = [
            "profile \(profile): \(connections) connections × \(inFlight) in flight"
                + (distributors > 0 ? ", \(distributors) distributors" : "") + String(format: ", %.1f s", seconds),
            String(format: "  calls      %d (%.0f/s), failed %d", calls, perSecond, failures.values.reduce(0, +)),
            String(format: "  latency    p50 %.0f µs  p99 %.0f µs  p99.9 %.0f µs  max %.0f µs", p50, p99, p999, maxMicros),
        ]
        for (key, count) in failures.sorted(by: { $0.value > $1.value }) { lines.append("  failure    \(key): \(count)") }
        if let peakResidentBytes { lines.append(String(format: "  daemon     peak RSS %.1f MB", Double(peakResidentBytes) / 1e6)) }
        if let daemonCPUMicrosPerCall { lines.append(String(format: "  daemon     CPU %.1f µs a call (user + system)", daemonCPUMicrosPerCall)) }
        if let storageBytesPerCall {
            lines.append(String(format: "  daemon     storage %.0f bytes written a call", storageBytesPerCall))
        }
        if let startToReadyMillis { lines.append(String(format: "  daemon     start to ready %.0f ms", startToReadyMillis)) }
        if let groupCommits {
            lines.append(String(
                format: "  writer     %.0f transactions of %.1f writes, run %.1f µs a write, committed in %.0f µs (%.1f µs a write)",
                groupCommits.transactions, groupCommits.writesPerTransaction, groupCommits.executingMicrosPerWrite,
                groupCommits.committingMicrosPerTransaction, groupCommits.committingMicrosPerWrite))
        }
        for floor in floors {
            let name = floor["floor"] as? String ?? "floor"
            let detail = (floor["per_transaction"] as? Double).map { perTransaction in
                " \(Int(perTransaction)) per transaction"
                    + ((floor["distributors"] as? Double).map { ", \(Int($0)) distributors in turn" } ?? "")
            } ?? (floor["in_flight"] as? Double).map { " \(Int($0)) in flight" } ?? ""
            let bytes = (floor["storage_bytes_per_sale"] as? Double).map { String(format: ", %.0f bytes written a sale", $0) } ?? ""
            lines.append(String(format: "  floor      %@%@: %.0f/s%@", name, detail, floor["per_second"] as? Double ?? 0, bytes))
        }
        for (floor, ratio) in ratios { lines.append(String(format: "  ratio      %.2f × %@", ratio, floor)) }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        var object: [String: Any] = [
            "profile": profile, "connections": connections, "in_flight": inFlight, "distributors": distributors,
            "seconds": seconds, "calls": calls, "per_second": perSecond, "failures": failures,
            "latency_us": ["p50": p50, "p99": p99, "p99_9": p999, "max": maxMicros],
            "floors": floors, "ratios": Dictionary(ratios.map { ($0.floor, $0.ratio) }, uniquingKeysWith: { $1 }),
        ]
        object["daemon_peak_rss_bytes"] = peakResidentBytes
        object["daemon_start_to_ready_ms"] = startToReadyMillis
        object["daemon_cpu_us_per_call"] = daemonCPUMicrosPerCall
        object["daemon_storage_bytes_per_call"] = storageBytesPerCall
        if let groupCommits {
            object["group_commit"] = [
                "transactions": groupCommits.transactions, "writes_per_transaction": groupCommits.writesPerTransaction,
                "executing_us_per_write": groupCommits.executingMicrosPerWrite,
                "committing_us_per_transaction": groupCommits.committingMicrosPerTransaction,
                "committing_us_per_write": groupCommits.committingMicrosPerWrite,
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
