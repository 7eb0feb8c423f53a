import ScenicStore

/// Credit lines and low-balance thresholds: the schema keeps balance ≥ −limit and held ≤
/// balance + limit whatever the code does.
extension PostgresStore {
    public func setCreditLimit(distributorID: Int64, limitFen: Int64, stamp: AuditStamp) async throws -> DistributorRecord {
        try await write { transaction in
            let distributor = try await transaction.requireDistributor(id: distributorID, locked: true)
            guard distributor.balanceFen + limitFen - distributor.heldFen >= 0 else {
                throw MoneyError.creditInUse(creditUsedFen: distributor.creditUsedFen, heldFen: distributor.heldFen)
            }
            try await transaction.run(
                "UPDATE distributor SET credit_limit_fen = \(limitFen), updated_at = \(stamp.at) WHERE id = \(distributorID)")
            let updated = try await transaction.requireDistributor(id: distributorID)
            try await transaction.updateLowBalanceAlert(updated, at: stamp.at)
            var event = EventRecord(kind: .creditChanged, at: stamp.at, distributorID: distributorID)
            event.amountFen = limitFen
            event.balanceFen = updated.balanceFen
            try await transaction.append(event)
            try await transaction.record(
                stamp, target: "distributor:\(distributorID)", summary: "credit line \(distributor.creditLimitFen) → \(limitFen) fen")
            return try await transaction.requireDistributor(id: distributorID)
        }
    }

    public func setLowBalanceThreshold(distributorID: Int64, thresholdFen: Int64, stamp: AuditStamp) async throws -> DistributorRecord {
        try await write { transaction in
            _ = try await transaction.requireDistributor(id: distributorID, locked: true)
            try await transaction.run(
                "UPDATE distributor SET low_balance_threshold_fen = \(thresholdFen), updated_at = \(stamp.at) WHERE id = \(distributorID)")
            try await transaction.updateLowBalanceAlert(try await transaction.requireDistributor(id: distributorID), at: stamp.at)
            try await transaction.record(stamp, target: "distributor:\(distributorID)", summary: "low-balance alert at \(thresholdFen) fen")
            return try await transaction.requireDistributor(id: distributorID)
        }
    }
}
