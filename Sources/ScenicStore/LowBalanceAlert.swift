import GRDB

/// One SMS when the available amount (balance + credit line − held) falls below its
/// distributor's threshold, not one per sale after that; back at or above the threshold
/// re-arms it. Runs inside every ledger write and credit line change.
package enum LowBalanceAlert {
    static func update(_ db: Database, _ distributor: some DistributorMoney, at: Millis) throws {
        guard let below = change(for: distributor) else { return }
        try db.execute(
            sql: "UPDATE distributor SET low_balance_alerted = ? WHERE id = ?", arguments: [below, distributor.id])
        guard below else { return }
        // The SMS names the account: read whole, once, when the alert goes out.
        let account = try SQLiteStore.requireDistributor(db, id: distributor.id)
        try event(for: account, at: at).append(db)
        try sms(for: account).enqueue(db, at: at)
    }

    /// Nil when the alert stays as it is for `distributor` as it stands now; else whether
    /// it is now below its threshold (alert) or back at or above it (re-arm).
    package static func change(for distributor: some DistributorMoney) -> Bool? {
        let threshold = distributor.lowBalanceThresholdFen
        let below = threshold > 0 && distributor.availableFen < threshold
        return below == distributor.lowBalanceAlerted ? nil : below
    }

    /// The feed's event of an alert.
    package static func event(for distributor: DistributorRecord, at: Millis) -> EventRecord {
        var event = EventRecord(kind: .balanceLow, at: at, distributorID: distributor.id)
        event.balanceFen = distributor.availableFen
        event.amountFen = distributor.lowBalanceThresholdFen
        return event
    }

    /// The SMS of an alert.
    package static func sms(for distributor: DistributorRecord) -> OutgoingSMS {
        OutgoingSMS(
            phone: distributor.phone,
            body: """
                [Scenic] The \(distributor.creditLimitFen > 0 ? "available amount (with credit)" : "balance") of distributor \
                account "\(distributor.name)" is \(Fen.yuanText(distributor.availableFen)), \
                below \(Fen.yuanText(distributor.lowBalanceThresholdFen)). Ask the scenic area for a recharge to keep selling.
                """,
            holdsSecret: false)
    }
}
