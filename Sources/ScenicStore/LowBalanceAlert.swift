import GRDB

/// One SMS when the available amount (balance + credit line − held) falls below its
/// distributor's threshold, not one per sale after that; back at or above the threshold
/// re-arms it. Runs inside every ledger write and credit line change.
enum LowBalanceAlert {
    static func update(_ db: Database, _ distributor: DistributorRecord, at: Millis) throws {
        let threshold = distributor.lowBalanceThresholdFen
        let below = threshold > 0 && distributor.availableFen < threshold
        guard below != distributor.lowBalanceAlerted else { return }
        try db.execute(
            sql: "UPDATE distributor SET low_balance_alerted = ? WHERE id = ?", arguments: [below, distributor.id])
        guard below else { return }
        var event = EventRecord(kind: .balanceLow, at: at, distributorID: distributor.id)
        event.balanceFen = distributor.availableFen
        event.amountFen = threshold
        try event.append(db)
        try OutgoingSMS(
            phone: distributor.phone,
            body: """
                [Scenic] The \(distributor.creditLimitFen > 0 ? "available amount (with credit)" : "balance") of distributor \
                account "\(distributor.name)" is \(Fen.yuanText(distributor.availableFen)), \
                below \(Fen.yuanText(threshold)). Ask the scenic area for a recharge to keep selling.
                """,
            holdsSecret: false
        ).enqueue(db, at: at)
    }
}
