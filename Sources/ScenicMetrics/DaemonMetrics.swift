import CoreMetrics
import Foundation
import Prometheus
import ScenicRPC
import ScenicStore
import Synchronization

/// The daemon's metrics, through swift-metrics into a Prometheus registry of its own (so
/// that several daemons in one test process keep apart): calls by method and status and
/// their latency, group commits, connections, and at each scrape what the store holds.
public final class DaemonMetrics: Sendable {
    /// Call latency buckets: from a cached health check to a slow backup.
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]
    /// Group commit sizes: one write to a full batch.
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let store: any Store
    /// A call's counter and latency timer by its labels, made once: swift-metrics' handles
    /// are found in the registry under a lock and by rendered labels, too dear for every call.
    private let calls = Mutex<[CallLabels: (count: CoreMetrics.Counter, latency: CoreMetrics.Timer)]>([:])
    private let batchSize: CoreMetrics.Recorder
    private let executing: CoreMetrics.Timer
    private let committing: CoreMetrics.Timer
    private let connections: @Sendable () -> [(socket: String, open: Int, refused: Int)]

    /// - Parameter connections: each socket's open and refused connections, read at a scrape.
    public init(store: any Store, connections: @escaping @Sendable () -> [(socket: String, open: Int, refused: Int)]) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets["scenic_group_commit_writes"] = Self.batchBuckets
        self.factory = factory
        self.store = store
        self.connections = connections
        batchSize = CoreMetrics.Recorder(label: "scenic_group_commit_writes", aggregate: true, factory: factory)
        executing = CoreMetrics.Timer(label: "scenic_group_commit_execute_seconds", factory: factory)
        committing = CoreMetrics.Timer(label: "scenic_group_commit_commit_seconds", factory: factory)
        store.observeGroupCommits { [batchSize, executing, committing] writes, executed, committed in
            batchSize.record(writes)
            executing.recordNanoseconds(executed.nanoseconds)
            committing.recordNanoseconds(committed.nanoseconds)
        }
    }

    /// The observer of one socket's calls, labelled with its name.
    public func calls(on socket: String) -> any CallObserver {
        SocketCalls(metrics: self, socket: socket)
    }

    fileprivate func answered(socket: String, service: String, method: String, code: StatusCode, duration: Duration) {
        // The key holds the strings the call already has: no label is rendered until a
        // method and status are first seen.
        let labels = CallLabels(socket: socket, service: service, method: method, code: code)
        let handles = calls.withLock { calls in
            if let handles = calls[labels] { return handles }
            let name = service.isEmpty ? "unrouted" : service + "/" + method
            let handles = (
                count: CoreMetrics.Counter(
                    label: "scenic_calls_total", dimensions: [("socket", socket), ("method", name), ("code", code.description)],
                    factory: factory),
                latency: CoreMetrics.Timer(
                    label: "scenic_call_duration_seconds", dimensions: [("socket", socket), ("method", name)], factory: factory)
            )
            calls[labels] = handles
            return handles
        }
        handles.count.increment()
        handles.latency.recordNanoseconds(duration.nanoseconds)
    }

    /// Every metric in Prometheus' text format, with the store's gauges read now.
    public func render() async -> String {
        for (socket, open, refused) in connections() {
            gauge("scenic_connections", [("socket", socket)]).record(open)
            gauge("scenic_connections_refused", [("socket", socket)]).record(refused)
        }
        let size = await store.storageSize()
        gauge("scenic_database_bytes").record(size.databaseBytes)
        if let wal = size.walBytes { gauge("scenic_wal_bytes").record(wal) }
        if let free = size.freeDiskBytes { gauge("scenic_free_disk_bytes").record(free) }
        if let counts = try? await store.gauges() {
            gauge("scenic_sessions_open").record(counts.openSessions)
            gauge("scenic_holds_held").record(counts.heldHolds)
            for status in ["pending", "delivered", "failed"] {
                gauge("scenic_sms_outbox", [("status", status)]).record(counts.smsByStatus[status] ?? 0)
            }
            for status in ["valid", "redeemed", "refunded"] {
                gauge("scenic_vouchers", [("status", status)]).record(counts.vouchersByStatus[status] ?? 0)
            }
        }
        return registry.emitToString()
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }
}

/// What a call is counted under.
private struct CallLabels: Hashable {
    let socket: String
    let service: String
    let method: String
    let code: StatusCode
}

/// One socket's calls, counted into the daemon's metrics.
private struct SocketCalls: CallObserver {
    let metrics: DaemonMetrics
    let socket: String

    func answered(service: String, method: String, code: StatusCode, duration: Duration) {
        metrics.answered(socket: socket, service: service, method: method, code: code, duration: duration)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
