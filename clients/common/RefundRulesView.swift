import ScenicClient

/// Refund rules in words, as both clients print them.
public enum RefundRulesView {
    /// "refunds until 24 h before the visit; fee 20%, 10% from 24 h before, none from
    /// 72 h before; needs approval". Steps go from the latest refund to the earliest, as
    /// the fee falls the earlier one asks.
    public static func rules(_ policy: Scenic_V1_RefundPolicy) -> String {
        let until =
            switch policy.deadline {
            case .hoursBefore: "refunds until \(policy.deadlineHours) h before the visit"
            case .none: "refunds while the voucher is valid and unused"
            default: "refunds until the visit date ends"
            }
        let steps = policy.steps.sorted { $0.hoursBefore < $1.hoursBefore }
        let fees =
            isFree(policy.fee) && steps.isEmpty
            ? "no fee"
            : (["fee " + fee(policy.fee)] + steps.map { "\(fee($0.fee)) from \($0.hoursBefore) h before" }).joined(separator: ", ")
        return ([until, fees] + (policy.needsApproval ? ["needs approval"] : [])).joined(separator: "; ")
    }

    /// "10%", "12.5%", "¥5.00", or "none".
    public static func fee(_ fee: Scenic_V1_RefundFee) -> String {
        if fee.percentBp != 0 { return percent(basisPoints: fee.percentBp) }
        return fee.fixedFen == 0 ? "none" : Output.money(fee.fixedFen)
    }

    /// 1250 → "12.5%", 1000 → "10%", 5 → "0.05%": no trailing zeros.
    static func percent(basisPoints: Int32) -> String {
        let whole = basisPoints / 100
        let hundredths = basisPoints % 100
        guard hundredths != 0 else { return "\(whole)%" }
        let fraction = hundredths % 10 == 0 ? "\(hundredths / 10)" : (hundredths < 10 ? "0" : "") + "\(hundredths)"
        return "\(whole).\(fraction)%"
    }

    private static func isFree(_ fee: Scenic_V1_RefundFee) -> Bool {
        fee.percentBp == 0 && fee.fixedFen == 0
    }
}
