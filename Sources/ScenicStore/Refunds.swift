import Foundation
import GRDB

/// What a refund call did: vouchers refunded now and approvals filed for the others.
public struct RefundOutcome: Sendable, Equatable {
    /// In the order asked, as they are now.
    public var vouchers: [VoucherRecord]
    public var refundedFen: Int64
    public var feeFen: Int64
    public var balanceAfterFen: Int64
    public var approvals: [RefundApprovalRecord]

    package init(vouchers: [VoucherRecord], refundedFen: Int64, feeFen: Int64, balanceAfterFen: Int64, approvals: [RefundApprovalRecord]) {
        self.vouchers = vouchers
        self.refundedFen = refundedFen
        self.feeFen = feeFen
        self.balanceAfterFen = balanceAfterFen
        self.approvals = approvals
    }
}

/// Refunds under each voucher's own rules: at once, crediting the settlement price less
/// the fee, or, when the rules need approval, as a request the back office (or, when no
/// one decides in time, the daemon) approves or rejects.
extension SQLiteStore {
    public func refund(
        distributorID: Int64, codes: [String], now: SceneNow, approvalWindow: Millis, key: RequestKey?, at: Millis,
        encode: @escaping @Sendable (RefundOutcome) throws -> Data
    ) async throws -> Once<RefundOutcome> {
        try await groupWrite { db in
            try Self.once(db, key, at: at, encode: encode) {
                let distributor = try Self.requireDistributor(db, id: distributorID)
                guard distributor.status == .active else { throw MoneyError.distributorInactive }
                let vouchers = try codes.map { code in
                    let voucher = try Self.requireVoucher(db, code: code, distributorID: distributorID)
                    try voucher.requireChangeable(now: now)
                    guard voucher.refundable else { throw MoneyError.notRefundable(code) }
                    return voucher
                }
                var outcome = RefundOutcome(
                    vouchers: [], refundedFen: 0, feeFen: 0, balanceAfterFen: distributor.balanceFen, approvals: [])
                let actor = "distributor:\(distributorID)"
                for voucher in vouchers {
                    let fee = voucher.refundPolicy.feeFen(
                        priceFen: voucher.settlementPriceFen, minutesBefore: voucher.minutesBeforeVisit(now: now))
                    if voucher.refundPolicy.needsApproval {
                        outcome.approvals.append(
                            try Self.fileApproval(db, voucher, feeFen: fee, approveBy: at + approvalWindow, at: at))
                    } else {
                        outcome.balanceAfterFen = try Self.refundVoucher(db, voucher, feeFen: fee, actor: actor, at: at)
                        outcome.refundedFen += voucher.settlementPriceFen - fee
                        outcome.feeFen += fee
                    }
                }
                outcome.vouchers = try codes.map { try Self.requireVoucher(db, code: $0, distributorID: distributorID) }
                return outcome
            }
        }
    }

    /// Refunds one voucher: gives its place back and credits its price less `feeFen`.
    /// Returns the balance after.
    static func refundVoucher(_ db: Database, _ voucher: VoucherRecord, feeFen: Int64, actor: String, at: Millis) throws -> Int64 {
        try db.execute(
            sql: "UPDATE voucher SET status = 'refunded', refunded_at = ?, refund_fee_fen = ? WHERE id = ?",
            arguments: [at, feeFen > 0 ? feeFen : nil, voucher.id])
        try giveBack(db, voucher)
        let credit = voucher.settlementPriceFen - feeFen
        var event = EventRecord.voucher(.voucherRefunded, voucher, at: at)
        event.amountFen = credit
        try event.append(db)
        return try appendLedger(
            db, distributorID: voucher.distributorID, kind: .refund, amountFen: credit, orderID: voucher.orderID,
            voucherCode: voucher.code, actor: actor, at: at, feeFen: feeFen
        ).balanceAfterFen
    }

    private static func fileApproval(
        _ db: Database, _ voucher: VoucherRecord, feeFen: Int64, approveBy: Millis, at: Millis
    ) throws -> RefundApprovalRecord {
        try db.execute(
            sql: """
                INSERT INTO refund_approval (voucher_id, distributor_id, settlement_price_fen, fee_fen, requested_at, approve_by)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [voucher.id, voucher.distributorID, voucher.settlementPriceFen, feeFen, at, approveBy])
        let id = db.lastInsertedRowID
        var event = EventRecord.voucher(.refundRequested, voucher, at: at)
        event.amountFen = voucher.settlementPriceFen - feeFen
        try event.append(db)
        return try requireApproval(db, id: id)
    }

    public func refundApprovals(
        distributorID: Int64?, status: RefundApprovalRecord.Status?, beforeID: Int64, limit: Int
    ) async throws -> [RefundApprovalRecord] {
        try await read { db in
            var sql = RefundApprovalRecord.select + " WHERE refund_approval.id < ?"
            var arguments: StatementArguments = [beforeID]
            if let distributorID {
                sql += " AND refund_approval.distributor_id = ?"
                arguments += [distributorID]
            }
            if let status {
                sql += " AND refund_approval.status = ?"
                arguments += [status.rawValue]
            }
            sql += " ORDER BY refund_approval.id DESC LIMIT ?"
            arguments += [limit]
            return try RefundApprovalRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func decideRefund(
        id: Int64, approve: Bool, reason: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (RefundApprovalRecord) throws -> Data
    ) async throws -> Once<RefundApprovalRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: stamp.at, encode: encode) {
                try Self.decide(db, id: id, approve: approve, reason: reason, stamp: stamp)
            }
        }
    }

    public func approveOverdueRefunds(stamp: AuditStamp) async throws -> Int {
        try await groupWrite { db in
            let due = try Int64.fetchAll(
                db, sql: "SELECT id FROM refund_approval WHERE status = 'pending' AND approve_by <= ? ORDER BY approve_by",
                arguments: [stamp.at])
            for id in due {
                _ = try Self.decide(db, id: id, approve: true, reason: "not decided in time", stamp: stamp)
            }
            return due.count
        }
    }

    public func nextRefundApprovalDue() async throws -> Millis? {
        try await read { db in
            try Millis.fetchOne(db, sql: "SELECT min(approve_by) FROM refund_approval WHERE status = 'pending'")
        }
    }

    private static func decide(_ db: Database, id: Int64, approve: Bool, reason: String, stamp: AuditStamp) throws -> RefundApprovalRecord {
        let approval = try requireApproval(db, id: id)
        guard approval.status == .pending else { throw RefundApprovalError.notPending(id: id, status: approval.status) }
        let voucher = try requireVoucher(db, code: approval.voucherCode, distributorID: nil)
        if approve {
            _ = try refundVoucher(db, voucher, feeFen: approval.feeFen, actor: stamp.actor, at: stamp.at)
        } else {
            var event = EventRecord.voucher(.refundRejected, voucher, at: stamp.at)
            event.amountFen = approval.refundFen
            try event.append(db)
        }
        try db.execute(
            sql: "UPDATE refund_approval SET status = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
            arguments: [approve ? "approved" : "rejected", stamp.at, stamp.actor, reason, id])
        try stamp.record(
            db, target: "voucher:\(voucher.code)",
            summary: "refund request \(id) \(approve ? "approved" : "rejected")\(reason.isEmpty ? "" : ": \(reason)")")
        return try requireApproval(db, id: id)
    }

    static func requireApproval(_ db: Database, id: Int64) throws -> RefundApprovalRecord {
        guard
            let approval = try RefundApprovalRecord.fetchOne(
                db, sql: RefundApprovalRecord.select + " WHERE refund_approval.id = ?", arguments: [id])
        else { throw RefundApprovalError.notFound(id) }
        return approval
    }
}
