import Foundation
import GRDB
import PostgresNIO
import ScenicNumbering
import ScenicStore

/// Refunds under each voucher's own rules, and their approvals, on a shared database. A
/// refund locks its distributor, then its vouchers, so a voucher is refunded once however
/// many daemons are asked; a decision locks the distributor before its approval, in the
/// same order.
extension PostgresStore {
    public func setRefundPolicy(productCode: String, _ policy: RefundPolicy, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { transaction in
            let product = try await transaction.requireProduct(code: productCode, locked: true)
            var policyID: Int64?
            if policy != .standard {
                let (kind, hours) = policy.storedDeadline
                let fees = RefundPolicy.encode(fee: policy.fee, steps: policy.steps)
                try await transaction.run(
                    """
                    INSERT INTO refund_policy (deadline, deadline_hours, fees, needs_approval)
                    VALUES (\(kind), \(hours), \(fees), \(policy.needsApproval)) ON CONFLICT DO NOTHING
                    """)
                policyID = try await transaction.value(
                    Int64.self,
                    """
                    SELECT id FROM refund_policy WHERE deadline = \(kind) AND deadline_hours = \(hours) AND fees = \(fees)
                        AND needs_approval = \(policy.needsApproval)
                    """)
            }
            try await transaction.run("UPDATE product SET refund_policy_id = \(policyID), updated_at = \(stamp.at) WHERE id = \(product.id)")
            try await transaction.record(stamp, target: "product:\(product.code)", summary: "refund rules: \(policy)")
            return try await transaction.requireProduct(code: productCode)
        }
    }

    public func refund(
        distributorID: Int64, codes: [String], now: SceneNow, approvalWindow: Millis, key: RequestKey?, at: Millis,
        encode: @escaping @Sendable (RefundOutcome) throws -> Data
    ) async throws -> Once<RefundOutcome> {
        try await write { transaction in
            try await transaction.once(key, at: at, encode: encode) {
                let distributor = try await transaction.requireDistributor(id: distributorID, locked: true)
                guard distributor.status == .active else { throw MoneyError.distributorInactive }
                var vouchers: [VoucherRecord] = []
                for code in codes {
                    let voucher = try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: distributorID, locked: true)
                    try voucher.requireChangeable(now: now)
                    guard voucher.refundable else { throw MoneyError.notRefundable(code) }
                    vouchers.append(voucher)
                }
                try await transaction.shareCalendars(productIDs: vouchers.map(\.productID))
                var outcome = RefundOutcome(vouchers: [], refundedFen: 0, feeFen: 0, balanceAfterFen: distributor.balanceFen, approvals: [])
                for voucher in vouchers {
                    let fee = voucher.refundPolicy.feeFen(priceFen: voucher.settlementPriceFen, minutesBefore: voucher.minutesBeforeVisit(now: now))
                    if voucher.refundPolicy.needsApproval {
                        outcome.approvals.append(try await transaction.fileApproval(voucher, feeFen: fee, approveBy: at + approvalWindow, at: at))
                    } else {
                        outcome.balanceAfterFen = try await transaction.refundVoucher(
                            voucher, feeFen: fee, actor: "distributor:\(distributorID)", at: at)
                        outcome.refundedFen += voucher.settlementPriceFen - fee
                        outcome.feeFen += fee
                    }
                }
                for code in codes {
                    outcome.vouchers.append(try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: distributorID))
                }
                return outcome
            }
        }
    }

    public func refundApprovals(
        distributorID: Int64?, status: RefundApprovalRecord.Status?, beforeID: Int64, limit: Int
    ) async throws -> [RefundApprovalRecord] {
        try await read { transaction in
            try await transaction.all(
                RefundApprovalRecord.self,
                .sql(
                    RefundApprovalRecord.select + """
                         WHERE refund_approval.id < $1 AND ($2::bigint IS NULL OR refund_approval.distributor_id = $2)
                            AND ($3::text IS NULL OR refund_approval.status = $3)
                        ORDER BY refund_approval.id DESC LIMIT $4
                        """, beforeID, distributorID, status?.rawValue, limit))
        }
    }

    public func decideRefund(
        id: Int64, approve: Bool, reason: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (RefundApprovalRecord) throws -> Data
    ) async throws -> Once<RefundApprovalRecord> {
        try await write { transaction in
            try await transaction.once(key, at: stamp.at, encode: encode) {
                try await transaction.decide(id: id, approve: approve, reason: reason, stamp: stamp, codes: voucherCodes)
            }
        }
    }

    public func approveOverdueRefunds(stamp: AuditStamp) async throws -> Int {
        try await write { transaction in
            let due = try await transaction.rows(
                "SELECT id FROM refund_approval WHERE status = 'pending' AND approve_by <= \(stamp.at) ORDER BY approve_by")
            for row in due {
                _ = try await transaction.decide(id: row["id"], approve: true, reason: "not decided in time", stamp: stamp, codes: voucherCodes)
            }
            return due.count
        }
    }

    public func nextRefundApprovalDue() async throws -> Millis? {
        try await read { try await $0.value(Int64.self, "SELECT min(approve_by) FROM refund_approval WHERE status = 'pending'") }
    }
}

extension PostgresTransaction {
    /// Refunds one locked voucher of a locked distributor, its product's calendar shared:
    /// gives its place back and credits its price less `feeFen`. Returns the balance after.
    func refundVoucher(_ voucher: VoucherRecord, feeFen: Int64, actor: String, at: Millis) async throws -> Int64 {
        try await run(
            "UPDATE voucher SET status = 'refunded', refunded_at = \(at), refund_fee_fen = \(feeFen > 0 ? feeFen : nil) WHERE id = \(voucher.id)")
        try await giveBack(voucher)
        let credit = voucher.settlementPriceFen - feeFen
        var event = EventRecord.voucher(.voucherRefunded, voucher, at: at)
        event.amountFen = credit
        try await append(event)
        return try await appendLedger(
            distributorID: voucher.distributorID, kind: .refund, amountFen: credit, orderID: voucher.orderID, voucherCode: voucher.code, actor: actor, at: at,
            feeFen: feeFen
        ).balanceAfterFen
    }

    func fileApproval(_ voucher: VoucherRecord, feeFen: Int64, approveBy: Millis, at: Millis) async throws -> RefundApprovalRecord {
        let id = try await value(
            Int64.self,
            """
            INSERT INTO refund_approval (voucher_id, distributor_id, settlement_price_fen, fee_fen, requested_at, approve_by)
            VALUES (\(voucher.id), \(voucher.distributorID), \(voucher.settlementPriceFen), \(feeFen), \(at), \(approveBy))
            RETURNING id
            """)
        guard let id else { throw PostgresStoreFault(what: "a refund approval was not written") }
        var event = EventRecord.voucher(.refundRequested, voucher, at: at)
        event.amountFen = voucher.settlementPriceFen - feeFen
        try await append(event)
        return try await requireApproval(id: id)
    }

    /// Approves (refunding the voucher) or rejects a pending approval: its distributor
    /// locked first, then the approval, then its voucher.
    func decide(id: Int64, approve: Bool, reason: String, stamp: AuditStamp, codes: VoucherCodes) async throws -> RefundApprovalRecord {
        let distributorID = try await requireApproval(id: id).distributorID
        _ = try await requireDistributor(id: distributorID, locked: true)
        let approval = try await requireApproval(id: id, locked: true)
        guard approval.status == .pending else { throw RefundApprovalError.notPending(id: id, status: approval.status) }
        let voucher = try await requireVoucher(code: approval.voucherCode, codes: codes, distributorID: nil, locked: true)
        if approve {
            try await shareCalendars(productIDs: [voucher.productID])
            _ = try await refundVoucher(voucher, feeFen: approval.feeFen, actor: stamp.actor, at: stamp.at)
        } else {
            var event = EventRecord.voucher(.refundRejected, voucher, at: stamp.at)
            event.amountFen = approval.refundFen
            try await append(event)
        }
        try await run(
            """
            UPDATE refund_approval SET status = \(approve ? "approved" : "rejected"), decided_at = \(stamp.at),
                decided_by = \(stamp.actor), reason = \(reason)
            WHERE id = \(id)
            """)
        try await record(
            stamp, target: "voucher:\(voucher.code)",
            summary: "refund request \(id) \(approve ? "approved" : "rejected")\(reason.isEmpty ? "" : ": \(reason)")")
        return try await requireApproval(id: id)
    }

    func requireApproval(id: Int64, locked: Bool = false) async throws -> RefundApprovalRecord {
        guard
            let approval = try await one(
                RefundApprovalRecord.self,
                .sql(RefundApprovalRecord.select + " WHERE refund_approval.id = $1" + (locked ? " FOR NO KEY UPDATE OF refund_approval" : ""), id))
        else { throw RefundApprovalError.notFound(id) }
        return approval
    }
}
