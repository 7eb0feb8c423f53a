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
        if !event.dates.isEmpty { parts.append("dates \(event.dates)") }
        if event.distributorID != 0 { parts.append("distributor \(event.distributorID)") }
        if event.amountFen != 0 { parts.append("amount ¥" + Output.yuan(event.amountFen)) }
        // A low balance may be ¥0.00, which is still the news.
        if event.kind == .balanceLow || event.kind == .recharge { parts.append("balance ¥" + Output.yuan(event.balanceFen)) }
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
        // A kind added to the daemon after this client was built.
        default: "kind \(kind.rawValue)"
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
