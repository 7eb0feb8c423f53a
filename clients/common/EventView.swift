import Foundation
import ScenicClient

/// Events as a person reads them: one line each.
public enum EventView {
    /// The id, the time, what happened, what it concerns, and its amounts in yuan.
    public static func line(_ event: Scenic_V1_Event) -> String {
        var parts = ["\(event.id)", event.at, kind(event.kind)]
        if !event.voucherCode.isEmpty { parts.append("voucher \(event.voucherCode)") }
        if event.holdID != 0 { parts.append("hold \(event.holdID)") }
        if !event.productCode.isEmpty { parts.append("product \(event.productCode)") }
        if !event.dates.isEmpty { parts.append(dates(event)) }
        if event.distributorID != 0 { parts.append("distributor \(event.distributorID)") }
        if let amount = amount(event) { parts.append(amount) }
        // A low balance may be ¥0.00, which is still the news.
        if event.kind == .balanceLow || event.kind == .recharge { parts.append("balance " + Output.money(event.balanceFen)) }
        return parts.joined(separator: "  ")
    }

    public static func kind(_ kind: Scenic_V1_EventKind) -> String {
        switch kind {
        case .voucherRedeemed: "voucher redeemed"
        case .redemptionUndone: "redemption undone"
        case .voucherRefunded: "voucher refunded"
        case .voucherExpired: "voucher expired"
        case .holdConfirmed: "hold confirmed"
        case .holdReleased: "hold released"
        case .holdExpired: "hold expired"
        case .bindingAdded: "product bound"
        case .bindingChanged: "settlement price changed"
        case .bindingRemoved: "product unbound"
        case .productArchived: "product archived"
        case .availabilityChanged: "availability changed"
        case .balanceLow: "balance low"
        case .recharge: "recharged"
        case .refundRequested: "refund requested"
        case .refundRejected: "refund rejected"
        case .dateChanged: "date changed"
        case .creditChanged: "credit line changed"
        // A kind added to the daemon after this client was built.
        default: "kind \(kind.rawValue)"
        }
    }

    /// "dates 2026-12-01..2026-12-31"; a date change's "from 2026-12-01 to 2026-12-05".
    private static func dates(_ event: Scenic_V1_Event) -> String {
        let ends = event.dates.split(separator: "..", omittingEmptySubsequences: false)
        guard event.kind == .dateChanged, ends.count == 2 else { return "dates \(event.dates)" }
        return "from \(ends[0]) to \(ends[1])"
    }

    /// The amount in the words of its kind; nil when there is none to say.
    private static func amount(_ event: Scenic_V1_Event) -> String? {
        let money = Output.money(event.amountFen)
        switch event.kind {
        // The new limit, which is news even when it is 0.
        case .creditChanged: return event.amountFen == 0 ? "credit line removed" : "credit limit " + money
        case .refundRequested: return event.amountFen == 0 ? nil : "would credit " + money
        // The price difference: charged when positive, credited when negative.
        case .dateChanged where event.amountFen > 0: return "charged " + money
        case .dateChanged where event.amountFen < 0: return "credited " + money.dropFirst()
        default: return event.amountFen == 0 ? nil : "amount ¥" + Output.yuan(event.amountFen)
        }
    }
}

/// An event as ``ProtoJSON`` writes it, every field included, so that a script reads any
/// field without knowing which may be absent: what `events --json` prints and `--exec`
/// hands over.
public struct EventJSON {
    public let text: String
    /// The kind as the JSON names it, e.g. `EVENT_KIND_VOUCHER_REDEEMED`.
    public let kind: String

    public init(_ event: Scenic_V1_Event) throws {
        let object = try ProtoJSON.object(event)
        text = try ProtoJSON.text(object)
        kind = object["kind"] as? String ?? ""
    }
}
