import Histogram
import ScenicClient

/// What one calling task saw: latencies in an HdrHistogram, failures by status.
///
/// Each task records into its own recorder, so the hot loop shares nothing; recorders are
/// merged once the run ends.
struct LatencyRecorder: Sendable {
    /// Nanoseconds, up to a minute, three significant digits.
    private(set) var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    private(set) var failures: [String: Int] = [:]

    mutating func record(_ duration: Duration) {
        let nanos = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        _ = latencies.record(UInt64(max(nanos, 0)))
    }

    mutating func record(failure: any Error) {
        let key =
            if let error = failure as? RPCError { [error.code.description, error.reason].compactMap { $0 }.joined(separator: " ") }
            else { "\(type(of: failure))" }
        failures[key, default: 0] += 1
    }

    mutating func add(_ other: LatencyRecorder) {
        latencies.add(other.latencies)
        failures.merge(other.failures, uniquingKeysWith: +)
    }

    var calls: Int { Int(latencies.totalCount) }

    /// The latency at `percentile` (0–100) in microseconds.
    func microseconds(at percentile: Double) -> Double { Double(latencies.valueAtPercentile(percentile)) / 1_000 }
    var maxMicroseconds: Double { Double(latencies.max) / 1_000 }
}
