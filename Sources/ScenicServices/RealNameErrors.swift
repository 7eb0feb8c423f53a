import ScenicRPC
import ScenicStore

extension RealNameError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .visitorCount(let code, let mode, let needed, let given):
            let (description, reason): (String, String) =
                switch mode {
                case .none: ("product \(code) is not sold by real name: name no visitors", "VISITORS_NOT_TAKEN")
                case .perOrder: ("product \(code) is sold by real name: name one visitor for the order", "VISITORS_REQUIRED")
                case .perTicket:
                    ("product \(code) is sold by real name: name one visitor per ticket, \(needed) here, not \(given)", "VISITORS_REQUIRED")
                }
            return RPCError.invalidArgument(
                description, violations: [.init(field: "visitors", description: description, reason: reason)])
        case .idLimitExceeded(let index, let masked, let limit, let held, let period):
            let per = Self.per(period)
            return RPCError(
                .resourceExhausted,
                "visitor \(index + 1) (ID \(masked)) already holds \(held) of the \(limit) tickets one ID may hold a \(per)",
                reason: "ID_LIMIT_EXCEEDED", metadata: ["limit": "\(limit)", "held": "\(held)", "visitor": "\(index)"],
                fieldViolations: [
                    .init(field: "visitors[\(index)].id_number", description: "holds \(held) of \(limit) tickets a \(per)", reason: "ID_LIMIT_EXCEEDED")
                ])
        case .idLimitExceededByChange(let index, let masked, let limit, let held, let period):
            let per = Self.per(period)
            return RPCError(
                .resourceExhausted,
                "the visitor of voucher \(index + 1) (ID \(masked)) already holds \(held) of the \(limit) tickets one ID may hold a \(per) then",
                reason: "ID_LIMIT_EXCEEDED", metadata: ["limit": "\(limit)", "held": "\(held)"],
                fieldViolations: [
                    .init(field: "voucher_codes[\(index)]", description: "its visitor holds \(held) of \(limit) tickets a \(per)", reason: "ID_LIMIT_EXCEEDED")
                ])
        case .noTicketForID:
            return RPCError(.notFound, "this ID holds no ticket", reason: "NO_TICKET_FOR_ID")
        case .severalTickets(let codes):
            return RPCError(
                .failedPrecondition, "this ID holds \(codes.count) tickets valid now: check in one by its code",
                reason: "SEVERAL_TICKETS", metadata: ["voucher_codes": codes.joined(separator: ",")])
        case .visitorMismatch(let code):
            return RPCError(.failedPrecondition, "voucher \(code) is not this visitor's", reason: "VISITOR_MISMATCH", metadata: ["code": code])
        case .notRealName(let code):
            return RPCError(.failedPrecondition, "voucher \(code) names no visitor", reason: "NOT_REAL_NAME", metadata: ["code": code])
        case .personalDataErased(let code):
            return RPCError(
                .failedPrecondition, "the visitor's personal data of voucher \(code) was erased after its retention period",
                reason: "PERSONAL_DATA_ERASED", metadata: ["code": code])
        case .keyMismatch:
            return RPCError(.internal, "the personal data key is not the one this store's data was sealed with", reason: "KEY_MISMATCH")
        }
    }

    private static func per(_ period: RealNameRules.Period) -> String {
        switch period {
        case .day: "visit date"
        case .week: "week"
        case .month: "month"
        }
    }
}
