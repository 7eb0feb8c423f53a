import ArgumentParser
import Foundation
import ScenicClient

/// `--request-id`: the client picks one per invocation when none is given, and says which
/// on stderr, so that a retry can name it.
public struct RequestIDOption: ParsableArguments {
    @Option(help: "Makes a retry safe: the same id and content returns the first answer (default: a new UUIDv7, printed).")
    public var requestId: String?

    public init() {}

    public func resolve() -> String {
        if let requestId { return requestId }
        let generated = RequestID.make()
        FileHandle.standardError.write(Data("request id: \(generated)\n".utf8))
        return generated
    }
}

/// The shared tables of the money and voucher commands of both clients.
public enum MoneyViews {
    /// The balance as `label: value` rows. With a credit line, the limit and what of it is
    /// used; with holds, what they keep aside; with either, what is left to spend
    /// (`availableFen`: balance + credit limit − held, as the daemon counts it).
    public static func balanceRows(balanceFen: Int64, heldFen: Int64, creditLimitFen: Int64, creditUsedFen: Int64, availableFen: Int64)
        -> [(String, String)]
    {
        var rows = [("balance", Output.money(balanceFen))]
        if creditLimitFen > 0 {
            rows += [("credit limit", Output.money(creditLimitFen)), ("credit used", Output.money(creditUsedFen))]
        }
        if heldFen > 0 { rows.append(("held", Output.money(heldFen))) }
        if creditLimitFen > 0 || heldFen > 0 { rows.append(("available", Output.money(availableFen))) }
        return rows
    }

    public static func kind(_ kind: Scenic_V1_LedgerKind) -> String {
        switch kind {
        case .recharge: "recharge"
        case .sale: "sale"
        case .refund: "refund"
        case .adjustment: "adjustment"
        case .dateChange: "date change"
        default: "?"
        }
    }

    public static func ledger(_ page: Scenic_V1_ListLedgerResponse) -> String {
        Output.table(
            ["ID", "AT", "KIND", "AMOUNT", "BALANCE AFTER", "REFERS TO", "BY"],
            page.entries.map { entry in
                var refers = [String]()
                if entry.orderID != 0 { refers.append("order \(entry.orderID)") }
                if !entry.voucherCode.isEmpty { refers.append("voucher \(entry.voucherCode)") }
                if !entry.note.isEmpty { refers.append(entry.note) }
                // The amount of a refund is the price less the fee: the fee says why it is short.
                if entry.feeFen != 0 { refers.append("fee " + Output.money(entry.feeFen)) }
                let sign = entry.amountFen > 0 ? "+" : ""
                return ["\(entry.id)", entry.at, kind(entry.kind), sign + Output.yuan(entry.amountFen), Output.yuan(entry.balanceAfterFen),
                        refers.joined(separator: "; "), entry.actor]
            }) + Output.nextPageHint(page.nextPageToken)
    }

    public static func status(_ status: Scenic_V1_VoucherStatus) -> String {
        switch status {
        case .valid: "valid"
        case .redeemed: "redeemed"
        case .refunded: "refunded"
        case .expired: "expired"
        case .refundPending: "refund pending"
        default: "?"
        }
    }

    /// The visit date, and the time slot when the voucher was sold for one.
    public static func visit(_ voucher: Scenic_V1_Voucher) -> String {
        voucher.slot.isEmpty ? voucher.visitDate : voucher.visitDate + " " + voucher.slot
    }

    /// The voucher table; a VISITOR column after VISIT when a voucher of the page names one,
    /// so that a scenic area without real-name tickets keeps its table as narrow as before.
    public static func vouchers(_ vouchers: [Scenic_V1_Voucher], nextPageToken: String = "") -> String {
        let named = vouchers.contains(where: \.hasVisitor)
        return Output.table(
            ["CODE", "PRODUCT", "DISTRIBUTOR", "SOLD AT", "VISIT"] + (named ? ["VISITOR"] : [])
                + ["SETTLEMENT", "RETAIL", "REFUND", "STATUS", "WHEN"],
            vouchers.map {
                [$0.code, $0.productCode, "\($0.distributorName) (\($0.distributorID))", $0.soldAt, visit($0)]
                    + (named ? [RealNameView.visitor($0)] : [])
                    + [Output.yuan($0.settlementPriceFen), Output.yuan($0.retailPriceFen), $0.refundRule == .nonRefundable ? "no" : "yes",
                       status($0.status), $0.redeemedAt.isEmpty ? $0.refundedAt : $0.redeemedAt]
            }) + Output.nextPageHint(nextPageToken)
    }
}

/// The voucher filters both clients take.
public struct VoucherFilterOptions: ParsableArguments {
    @Option(help: "Only this product's vouchers.") public var product: String = ""
    @Option(help: "valid, redeemed, refunded, expired or refund-pending.") public var status: StatusChoice?
    @Option(help: "From this date (YYYY-MM-DD), inclusive.") public var from: String = ""
    @Option(help: "Up to this date (YYYY-MM-DD), inclusive.") public var to: String = ""
    @Flag(help: "Filter --from/--to on the visit date instead of the sale date.") public var byVisitDate = false
    @Option(help: "One voucher by its code.") public var code: String = ""
    @Option(name: [.customLong("limit"), .customLong("page-size")], help: "Rows per page (1–500).") public var limit: Int32 = 50
    @Option(help: "Where to continue, from the previous page.") public var pageToken: String = ""

    public enum StatusChoice: String, ExpressibleByArgument, CaseIterable {
        case valid, redeemed, refunded, expired
        case refundPending = "refund-pending"
    }

    public init() {}

    public var filter: Scenic_V1_VoucherFilter {
        var filter = Scenic_V1_VoucherFilter()
        filter.productCode = product
        filter.status =
            switch status {
            case .valid: .valid
            case .redeemed: .redeemed
            case .refunded: .refunded
            case .expired: .expired
            case .refundPending: .refundPending
            case nil: .unspecified
            }
        filter.fromDate = from
        filter.toDate = to
        filter.byVisitDate = byVisitDate
        filter.code = code
        filter.pageSize = limit
        filter.pageToken = pageToken
        return filter
    }
}

/// The ledger's date range, both clients.
public struct LedgerRangeOptions: ParsableArguments {
    @Option(help: "From this date (YYYY-MM-DD), inclusive.") public var from: String = ""
    @Option(help: "Up to this date (YYYY-MM-DD), inclusive.") public var to: String = ""
    @Option(help: "Rows per page (1–500).") public var pageSize: Int32 = 100
    @Option(help: "Where to continue, from the previous page.") public var pageToken: String = ""

    public init() {}

    public func request(distributorID: Int64 = 0) -> Scenic_V1_ListLedgerRequest {
        var request = Scenic_V1_ListLedgerRequest()
        request.distributorID = distributorID
        request.fromDate = from
        request.toDate = to
        request.pageSize = pageSize
        request.pageToken = pageToken
        return request
    }
}
