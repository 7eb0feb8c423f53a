import Foundation

/// The outcome of a crash test.
struct CrashReport {
    var cycles = 0
    var killed = 0
    var operations = 0
    var sells = 0, recharges = 0, refunds = 0
    var answered = 0
    /// Calls in flight or not yet sent when the daemon was killed, retried afterwards.
    var unansweredAtKill = 0
    var replays = 0
    var replayMismatches: [String] = []
    var refusals: [String] = []
    var lost: [String] = []
    var appliedTwice = 0
    var missingRows = 0
    var balanceMismatches: [String] = []
    var negativeBalances = 0
    var integrity = ""

    var passed: Bool {
        answered == operations && lost.isEmpty && appliedTwice == 0 && missingRows == 0 && balanceMismatches.isEmpty
            && negativeBalances == 0 && replayMismatches.isEmpty && refusals.isEmpty && integrity == "ok"
    }

    func text() -> String {
        [
            "crash test: \(cycles) cycles, \(killed) kill -9",
            "  operations       \(operations) (\(sells) sales, \(recharges) recharges, \(refunds) refunds), all answered: \(answered == operations)",
            "  unanswered at kill, retried with their request ids: \(unansweredAtKill)",
            "  replays          \(replays), answered differently: \(replayMismatches.count)",
            "  lost             \(lost.count)\(lost.isEmpty ? "" : " \(lost.prefix(10))")",
            "  applied twice    \(appliedTwice)",
            "  missing rows     \(missingRows)",
            "  balances         \(balanceMismatches.isEmpty ? "each = its ledger = recharges − sales + refunds" : balanceMismatches.joined(separator: "; "))",
            "  below zero       \(negativeBalances)",
            "  refusals         \(refusals.count)\(refusals.isEmpty ? "" : " \(refusals.prefix(5))")",
            "  integrity_check  \(integrity)",
            passed ? "PASS" : "FAIL",
        ].joined(separator: "\n")
    }

    func json() throws -> String {
        let object: [String: Any] = [
            "cycles": cycles, "killed": killed, "operations": operations, "sells": sells, "recharges": recharges,
            "refunds": refunds, "answered": answered, "unanswered_at_kill": unansweredAtKill, "replays": replays,
            "replay_mismatches": replayMismatches, "refusals": refusals, "lost": lost.count, "applied_twice": appliedTwice,
            "missing_rows": missingRows, "balance_mismatches": balanceMismatches, "negative_balances": negativeBalances,
            "integrity_check": integrity, "passed": passed,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
