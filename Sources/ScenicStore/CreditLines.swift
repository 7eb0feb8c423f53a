import GRDB

/// Credit lines (授信): a distributor may sell on credit down to minus its limit. The
/// schema keeps balance ≥ −limit and held ≤ balance + limit whatever the code does; a
/// recharge repays what is owed simply by raising the balance.
extension SQLiteStore {
    public func setCreditLimit(distributorID: Int64, limitFen: Int64, stamp: AuditStamp) async throws -> DistributorRecord {
        try await write { db in
            let distributor = try Self.requireDistributor(db, id: distributorID)
            guard distributor.balanceFen + limitFen - distributor.heldFen >= 0 else {
                throw MoneyError.creditInUse(creditUsedFen: distributor.creditUsedFen, heldFen: distributor.heldFen)
            }
            try db.execute(
                sql: "UPDATE distributor SET credit_limit_fen = ?, updated_at = ? WHERE id = ?",
                arguments: [limitFen, stamp.at, distributorID])
            let updated = try Self.requireDistributor(db, id: distributorID)
            try LowBalanceAlert.update(db, updated, at: stamp.at)
            var event = EventRecord(kind: .creditChanged, at: stamp.at, distributorID: distributorID)
            event.amountFen = limitFen
            event.balanceFen = updated.balanceFen
            try event.append(db)
            try stamp.record(
                db, target: "distributor:\(distributorID)",
                summary: "credit line \(distributor.creditLimitFen) → \(limitFen) fen")
            return try Self.requireDistributor(db, id: distributorID)
        }
    }
}
