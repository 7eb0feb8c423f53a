/// How the daemon's writer spent a load: its transactions, the writes each held, and the
/// time it took to run them and to commit, from the histograms of its metrics
/// (`scenic_group_commit_*`) read before and after the load.
///
/// A load of C connections with one call in flight each cannot fill a transaction with C
/// sales: while one batch commits, only the callers answered before it can send again.
/// These figures show the batches the load really made, so that the sale floor can be run
/// at that size too and the writer's own cost told from how its batches formed.
struct GroupCommitFigures: Equatable {
    var transactions = 0.0
    var writes = 0.0
    var executingSeconds = 0.0
    var committingSeconds = 0.0

    /// The running totals in a metrics text (Prometheus' exposition format); nil when it
    /// has none, as a daemon on PostgreSQL has none.
    init?(metricsText: String) {
        var found = false
        for line in metricsText.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            switch parts[0] {
            case "scenic_group_commit_writes_count": transactions = value
            case "scenic_group_commit_writes_sum": writes = value
            case "scenic_group_commit_execute_seconds_sum": executingSeconds = value
            case "scenic_group_commit_commit_seconds_sum": committingSeconds = value
            default: continue
            }
            found = true
        }
        guard found else { return nil }
    }

    /// What happened between `earlier` and these totals.
    func since(_ earlier: GroupCommitFigures) -> GroupCommitFigures {
        var change = self
        change.transactions -= earlier.transactions
        change.writes -= earlier.writes
        change.executingSeconds -= earlier.executingSeconds
        change.committingSeconds -= earlier.committingSeconds
        return change
    }

    var writesPerTransaction: Double { transactions > 0 ? writes / transactions : 0 }
    /// Wall time the writer ran each write for, in its transaction (preemption included).
    var executingMicrosPerWrite: Double { writes > 0 ? executingSeconds * 1e6 / writes : 0 }
    /// Wall time of each commit (the WAL's writes and fsync), shared by its writes.
    var committingMicrosPerTransaction: Double { transactions > 0 ? committingSeconds * 1e6 / transactions : 0 }
    var committingMicrosPerWrite: Double { writes > 0 ? committingSeconds * 1e6 / writes : 0 }
}
