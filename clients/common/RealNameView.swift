import ScenicClient

/// Real-name rules and visitors as both clients print them.
public enum RealNameView {
    /// "one visitor per ticket, at most 2 per ID a day", or "none".
    public static func rules(_ rules: Scenic_V1_RealNameRules) -> String {
        let mode =
            switch rules.mode {
            case .perOrder: "one visitor per order"
            case .perTicket: "one visitor per ticket"
            default: "none"
            }
        guard rules.idLimit > 0 else { return mode }
        let period =
            switch rules.idLimitPeriod {
            case .week: "week"
            case .month: "month"
            default: "day"
            }
        return mode + ", at most \(rules.idLimit) per ID a \(period)"
    }

    /// A voucher's visitor as the daemon masks it ("张* 110***********002X"), "(erased)"
    /// once its personal data is gone, or empty when the voucher names none.
    public static func visitor(_ voucher: Scenic_V1_Voucher) -> String {
        guard voucher.hasVisitor else { return "" }
        return voucher.visitor.erased ? "(erased)" : voucher.visitor.name + " " + voucher.visitor.idNumber
    }
}
