import ScenicClient

/// Refunds that need approval (审核) as both clients print them: the back office's list
/// of every distributor's, and a point of sale's own.
public enum RefundApprovalView {
    public static func status(_ status: Scenic_V1_RefundApprovalStatus) -> String {
        switch status {
        case .pending: "pending"
        case .approved: "approved"
        case .rejected: "rejected"
        default: "?"
        }
    }

    /// A pending request's "approve by TIME" (when the daemon approves it if no one
    /// decides first); a decided one's "TIME by WHO".
    public static func decision(_ approval: Scenic_V1_RefundApproval) -> String {
        guard approval.status != .pending else { return approval.approveBy.isEmpty ? "" : "approve by " + approval.approveBy }
        return decided(approval)
    }

    /// "TIME by WHO" of a decided request.
    static func decided(_ approval: Scenic_V1_RefundApproval) -> String {
        let who = approval.decidedBy == "daemon" ? "the daemon, as no one decided in time" : approval.decidedBy
        return who.isEmpty ? approval.decidedAt : approval.decidedAt + " by " + who
    }

    /// One row a request; `withDistributor` false on the point of sale, whose requests
    /// are all its own.
    public static func table(_ page: Scenic_V1_ListRefundApprovalsResponse, withDistributor: Bool) -> String {
        Output.table(
            ["ID", "VOUCHER"] + (withDistributor ? ["DISTRIBUTOR"] : [])
                + ["PRODUCT", "VISIT", "PRICE", "FEE", "REFUND", "STATUS", "REQUESTED", "APPROVE BY / DECIDED", "REASON"],
            page.approvals.map {
                ["\($0.id)", $0.voucherCode] + (withDistributor ? ["\($0.distributorName) (\($0.distributorID))"] : [])
                    + [$0.productCode, $0.visitDate, Output.yuan($0.settlementPriceFen), Output.yuan($0.feeFen), Output.yuan($0.refundFen),
                       status($0.status), $0.requestedAt, decision($0), $0.reason]
            }) + Output.nextPageHint(page.nextPageToken)
    }

    /// One request, as `refunds approve` and `refunds reject` print it.
    public static func fields(_ approval: Scenic_V1_RefundApproval) -> String {
        var rows = [
            ("request", "\(approval.id)"),
            ("voucher", approval.voucherCode),
            ("distributor", "\(approval.distributorName) (id \(approval.distributorID))"),
            ("product", approval.productCode + ", visit " + approval.visitDate),
            ("price", Output.money(approval.settlementPriceFen)),
            ("fee", Output.money(approval.feeFen)),
            ("refund", Output.money(approval.refundFen) + (approval.status == .approved ? " (credited)" : "")),
            ("status", status(approval.status)),
            ("requested", approval.requestedAt),
        ]
        rows.append(approval.status == .pending ? ("approve by", approval.approveBy) : ("decided", decided(approval)))
        if !approval.reason.isEmpty { rows.append(("reason", approval.reason)) }
        return Output.fields(rows)
    }
}
