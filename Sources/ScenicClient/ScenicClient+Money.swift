/// Typed calls for balances, sales and vouchers.
extension ScenicClient {
    public func recharge(_ request: Scenic_V1_RechargeRequest) async throws -> Scenic_V1_BalanceChange {
        try await call(service: "scenic.v1.Account", method: "Recharge", request: request)
    }

    public func adjust(_ request: Scenic_V1_AdjustRequest) async throws -> Scenic_V1_BalanceChange {
        try await call(service: "scenic.v1.Account", method: "Adjust", request: request)
    }

    /// A distributor's ledger (admin socket); on the pos socket use ``myLedger(_:)``.
    public func ledger(_ request: Scenic_V1_ListLedgerRequest) async throws -> Scenic_V1_ListLedgerResponse {
        try await call(service: "scenic.v1.Account", method: "ListLedger", request: request)
    }

    public func vouchers(_ filter: Scenic_V1_VoucherFilter) async throws -> Scenic_V1_ListVouchersResponse {
        try await call(service: "scenic.v1.VoucherAdmin", method: "List", request: filter)
    }

    public func redeem(code: String, requestID: String) async throws -> Scenic_V1_Voucher {
        var request = Scenic_V1_RedeemRequest()
        request.code = code
        request.requestID = requestID
        return try await call(service: "scenic.v1.VoucherAdmin", method: "Redeem", request: request)
    }

    public func undoRedemption(code: String, reason: String) async throws -> Scenic_V1_Voucher {
        var request = Scenic_V1_UndoRedemptionRequest()
        request.code = code
        request.reason = reason
        return try await call(service: "scenic.v1.VoucherAdmin", method: "UndoRedemption", request: request)
    }

    /// The gate: admits by voucher code, by the visitor's ID, or by both.
    public func checkIn(_ request: Scenic_V1_CheckInRequest) async throws -> Scenic_V1_Voucher {
        try await call(service: "scenic.v1.VoucherAdmin", method: "CheckIn", request: request)
    }

    /// A voucher's visitor unmasked; the daemon keeps the call and its reason in the audit log.
    public func revealVisitor(code: String, reason: String) async throws -> Scenic_V1_Visitor {
        var request = Scenic_V1_RevealVisitorRequest()
        request.code = code
        request.reason = reason
        return try await call(service: "scenic.v1.VoucherAdmin", method: "RevealVisitor", request: request)
    }

    public func sell(_ request: Scenic_V1_SellRequest) async throws -> Scenic_V1_SellResponse {
        try await call(service: "scenic.v1.Sales", method: "Sell", request: request)
    }

    public func balance() async throws -> Scenic_V1_BalanceResponse {
        try await call(service: "scenic.v1.Sales", method: "Balance", request: Scenic_V1_BalanceRequest())
    }

    public func myLedger(_ request: Scenic_V1_ListLedgerRequest) async throws -> Scenic_V1_ListLedgerResponse {
        try await call(service: "scenic.v1.Sales", method: "ListLedger", request: request)
    }

    public func myVouchers(_ filter: Scenic_V1_VoucherFilter) async throws -> Scenic_V1_ListVouchersResponse {
        try await call(service: "scenic.v1.Sales", method: "ListVouchers", request: filter)
    }

    public func refund(codes: [String], requestID: String) async throws -> Scenic_V1_RefundResponse {
        var request = Scenic_V1_RefundRequest()
        request.voucherCodes = codes
        request.requestID = requestID
        return try await call(service: "scenic.v1.Sales", method: "Refund", request: request)
    }

    /// Moves the caller's vouchers to another visit date, all or nothing, charging or
    /// crediting the difference of the two dates' prices.
    public func changeDate(_ request: Scenic_V1_ChangeDateRequest) async throws -> Scenic_V1_ChangeDateResponse {
        try await call(service: "scenic.v1.Sales", method: "ChangeDate", request: request)
    }

    /// The caller's refund approvals, newest first (pos socket); on the admin socket use
    /// ``refundApprovals(_:)``.
    public func myRefundApprovals(_ request: Scenic_V1_ListRefundApprovalsRequest) async throws -> Scenic_V1_ListRefundApprovalsResponse {
        try await call(service: "scenic.v1.Sales", method: "ListRefundApprovals", request: request)
    }

    /// Refunds awaiting or given the back office's decision, every distributor's or one's
    /// (admin socket).
    public func refundApprovals(_ request: Scenic_V1_ListRefundApprovalsRequest) async throws -> Scenic_V1_ListRefundApprovalsResponse {
        try await call(service: "scenic.v1.RefundAdmin", method: "List", request: request)
    }

    /// Approves a pending refund: its voucher is refunded and the distributor credited.
    public func approveRefund(id: Int64, reason: String, requestID: String) async throws -> Scenic_V1_RefundApproval {
        try await call(service: "scenic.v1.RefundAdmin", method: "Approve", request: Self.decision(id, reason, requestID))
    }

    /// Rejects a pending refund, with a reason (required): its voucher is valid again.
    public func rejectRefund(id: Int64, reason: String, requestID: String) async throws -> Scenic_V1_RefundApproval {
        try await call(service: "scenic.v1.RefundAdmin", method: "Reject", request: Self.decision(id, reason, requestID))
    }

    /// Takes seats and keeps their price aside from the available balance, without charging
    /// it, until the hold is confirmed, released or expires.
    public func hold(_ request: Scenic_V1_HoldRequest) async throws -> Scenic_V1_Hold {
        try await call(service: "scenic.v1.Sales", method: "Hold", request: request)
    }

    /// The sale of a hold at its held price: the answer of ``sell(_:)``.
    public func confirmHold(_ request: Scenic_V1_ConfirmHoldRequest) async throws -> Scenic_V1_SellResponse {
        try await call(service: "scenic.v1.Sales", method: "ConfirmHold", request: request)
    }

    /// Gives a hold's seats and amount back.
    public func releaseHold(id: Int64, requestID: String) async throws -> Scenic_V1_Hold {
        var request = Scenic_V1_ReleaseHoldRequest()
        request.holdID = id
        request.requestID = requestID
        return try await call(service: "scenic.v1.Sales", method: "ReleaseHold", request: request)
    }

    private static func decision(_ id: Int64, _ reason: String, _ requestID: String) -> Scenic_V1_DecideRefundRequest {
        var request = Scenic_V1_DecideRefundRequest()
        request.id = id
        request.reason = reason
        request.requestID = requestID
        return request
    }
}
