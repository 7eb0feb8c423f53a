import ScenicRPC
import ScenicStore

extension MoneyError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .insufficientBalance(let balance, let required):
            RPCError(
                .failedPrecondition,
                "the balance of \(Fen.yuanText(balance)) cannot cover this sale of \(Fen.yuanText(required))",
                reason: "INSUFFICIENT_BALANCE", metadata: ["balance_fen": "\(balance)", "required_fen": "\(required)"])
        case .productNotAuthorized(let code):
            RPCError(
                .failedPrecondition, "product \(code) is not authorized for sale by this distributor", reason: "PRODUCT_NOT_AUTHORIZED",
                fieldViolations: [.init(field: "product_code", description: "not authorized", reason: "PRODUCT_NOT_AUTHORIZED")])
        case .balanceWouldGoNegative(let balance):
            RPCError(
                .failedPrecondition, "the adjustment would take the balance of \(Fen.yuanText(balance)) below zero",
                reason: "BALANCE_WOULD_GO_NEGATIVE", metadata: ["balance_fen": "\(balance)"])
        case .voucherNotFound(let code):
            RPCError(.notFound, "no voucher \(code)", reason: "VOUCHER_NOT_FOUND", metadata: ["code": code])
        case .alreadyRedeemed(let code, let at):
            RPCError(
                .failedPrecondition, "voucher \(code) was already redeemed at \(ISOTime.format(at))", reason: "ALREADY_REDEEMED",
                metadata: ["code": code, "redeemed_at": ISOTime.format(at)])
        case .voucherRefunded(let code):
            RPCError(.failedPrecondition, "voucher \(code) was refunded", reason: "VOUCHER_REFUNDED", metadata: ["code": code])
        case .voucherExpired(let code, let until):
            RPCError(
                .failedPrecondition, "voucher \(code) expired after \(until)", reason: "VOUCHER_EXPIRED",
                metadata: ["code": code, "valid_until": until])
        case .notYetValid(let code, let visit):
            RPCError(
                .failedPrecondition, "voucher \(code) is for \(visit), not today", reason: "NOT_YET_VALID",
                metadata: ["code": code, "visit_date": visit])
        case .notRefundable(let code):
            RPCError(.failedPrecondition, "voucher \(code) was sold non-refundable", reason: "NOT_REFUNDABLE", metadata: ["code": code])
        case .refundWindowClosed(let code, let deadline):
            RPCError(
                .failedPrecondition, "voucher \(code) can no longer be refunded or moved: \(deadline)",
                reason: "REFUND_WINDOW_CLOSED", metadata: ["code": code])
        case .refundPending(let code):
            RPCError(
                .failedPrecondition, "a refund of voucher \(code) awaits approval", reason: "REFUND_PENDING", metadata: ["code": code])
        case .sameDate(let code):
            RPCError(
                .failedPrecondition, "voucher \(code) is already for that date and slot", reason: "SAME_DATE", metadata: ["code": code])
        case .creditInUse(let used, let held):
            RPCError(
                .failedPrecondition,
                "the credit line cannot go below what is owed (\(Fen.yuanText(used))) and held (\(Fen.yuanText(held))) beyond the balance",
                reason: "CREDIT_IN_USE", metadata: ["credit_used_fen": "\(used)", "held_fen": "\(held)"])
        case .notRedeemed(let code):
            RPCError(.failedPrecondition, "voucher \(code) is not redeemed", reason: "NOT_REDEEMED", metadata: ["code": code])
        case .undoWindowClosed(let code):
            RPCError(
                .failedPrecondition, "voucher \(code) was redeemed more than \(VoucherAdminService.undoWindowMinutes) minutes ago",
                reason: "UNDO_WINDOW_CLOSED", metadata: ["code": code])
        case .distributorInactive:
            RPCError(.failedPrecondition, "this distributor cannot sell now", reason: "DISTRIBUTOR_INACTIVE")
        case .visitDateInPast(let visit, let today, let field):
            RPCError.invalidArgument(
                "\(field) \(visit) is in the past",
                violations: [.init(field: field, description: "must be today (\(today)) or later", reason: "IN_THE_PAST")])
        case .requestIDReused(let id):
            RPCError(
                .failedPrecondition, "request id \(id) was already used for a different request", reason: "REQUEST_ID_REUSED",
                fieldViolations: [.init(field: "request_id", description: "already used for a different request", reason: "REQUEST_ID_REUSED")])
        }
    }
}
