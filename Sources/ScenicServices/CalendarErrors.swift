import ScenicRPC
import ScenicStore

extension CalendarError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .bindingNotFound(let distributorID, let code):
            RPCError(
                .notFound, "distributor \(distributorID) is not bound to \(code)", reason: "BINDING_NOT_FOUND",
                metadata: ["distributor_id": "\(distributorID)"])
        case .belowSold(let dates):
            RPCError(
                .failedPrecondition, "more tickets are already sold on \(Self.list(dates)) than the new limit allows",
                reason: "BELOW_SOLD", metadata: ["dates": dates.joined(separator: ",")])
        case .slotsHaveSales(let dates):
            RPCError(
                .failedPrecondition, "slots with tickets sold cannot be removed on \(Self.list(dates))", reason: "SLOTS_HAVE_SALES",
                metadata: ["dates": dates.joined(separator: ",")])
        case .settlementAboveRetail(let distributorID, let dates):
            RPCError(
                .failedPrecondition,
                "distributor \(distributorID)'s settlement price would exceed the retail price on \(Self.list(dates))",
                reason: "SETTLEMENT_ABOVE_RETAIL", metadata: ["distributor_id": "\(distributorID)", "dates": dates.joined(separator: ",")])
        case .dateClosed(let date, let reason):
            RPCError(
                .failedPrecondition, "\(date) is closed to sales" + (reason.isEmpty ? "" : ": \(reason)"), reason: "DATE_CLOSED",
                metadata: ["visit_date": date, "close_reason": reason])
        case .soldOut(let remaining, let scope):
            RPCError(
                .resourceExhausted, remaining == 0 ? "sold out (\(scope))" : "only \(remaining) left (\(scope))", reason: "SOLD_OUT",
                metadata: ["remaining": "\(remaining)", "limit": scope])
        case .outsideBookingWindow(let lastDate):
            RPCError(
                .failedPrecondition, "not on sale yet: sales are open until \(lastDate)", reason: "OUTSIDE_BOOKING_WINDOW",
                metadata: ["last_date": lastDate])
        case .pastCutoff:
            RPCError(.failedPrecondition, "sales for this date or slot have stopped", reason: "PAST_CUTOFF")
        case .slotRequired:
            RPCError(
                .invalidArgument, "this date sells by time slot: name one", reason: "INVALID_ARGUMENT",
                fieldViolations: [.init(field: "slot", description: "this date sells by time slot: name one", reason: "SLOT_REQUIRED")])
        case .slotNotFound(let slot):
            RPCError(
                .invalidArgument, "no slot \(slot) on this date", reason: "INVALID_ARGUMENT",
                fieldViolations: [.init(field: "slot", description: "no such slot on this date", reason: "SLOT_NOT_FOUND")])
        case .notInSlot(let code, let slot):
            RPCError(
                .failedPrecondition, "voucher \(code) admits only in its slot \(slot)", reason: "NOT_IN_SLOT",
                metadata: ["code": code, "slot": slot])
        }
    }

    /// The first few dates, for a message; metadata carries them all.
    private static func list(_ dates: [String]) -> String {
        dates.count <= 3 ? dates.joined(separator: ", ") : dates.prefix(3).joined(separator: ", ") + " and \(dates.count - 3) more"
    }
}
