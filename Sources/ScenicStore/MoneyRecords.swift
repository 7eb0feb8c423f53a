import Foundation
import GRDB

/// One row of the append-only ledger.
public struct LedgerEntryRecord: Sendable, Equatable, FetchableRecord {
    public enum Kind: String, Sendable {
        case recharge, sale, refund, adjustment
        case dateChange = "date_change"
    }

    public var id: Int64
    public var distributorID: Int64
    public var at: Millis
    public var kind: Kind
    public var amountFen: Int64
    public var balanceAfterFen: Int64
    public var orderID: Int64?
    public var voucherCode: String
    public var note: String
    public var actor: String
    /// What a refund's fee kept of the settlement price; `amountFen` credited the rest.
    public var feeFen: Int64

    package init(
        id: Int64, distributorID: Int64, at: Millis, kind: Kind, amountFen: Int64, balanceAfterFen: Int64, orderID: Int64?,
        voucherCode: String, note: String, actor: String, feeFen: Int64
    ) {
        self.feeFen = feeFen
        self.id = id
        self.distributorID = distributorID
        self.at = at
        self.kind = kind
        self.amountFen = amountFen
        self.balanceAfterFen = balanceAfterFen
        self.orderID = orderID
        self.voucherCode = voucherCode
        self.note = note
        self.actor = actor
    }

    public init(row: Row) throws {
        id = row["id"]
        distributorID = row["distributor_id"]
        at = row["at"]
        kind = Kind(rawValue: row["kind"]) ?? .adjustment
        amountFen = row["amount_fen"]
        balanceAfterFen = row["balance_after_fen"]
        orderID = row["order_id"]
        voucherCode = row["voucher_code"]
        note = row["note"]
        actor = row["actor"]
        feeFen = row["fee_fen"] ?? 0
    }
}

/// A voucher with the names a list shows next to it.
public struct VoucherRecord: Sendable, Equatable, FetchableRecord {
    public enum Status: String, Sendable, CaseIterable {
        case valid, redeemed, refunded
    }

    public var id: Int64
    public var code: String
    public var orderID: Int64
    public var distributorID: Int64
    public var productID: Int64
    public var distributorName: String
    public var productCode: String
    public var productName: String
    public var visitDate: String
    public var validUntil: String
    public var settlementPriceFen: Int64
    public var retailPriceFen: Int64
    public var refundable: Bool
    public var status: Status
    public var soldAt: Millis
    public var redeemedAt: Millis?
    public var redeemedBy: String?
    public var refundedAt: Millis?
    /// The time slot it was sold for.
    public var slot: String?
    /// A real-name ticket's visitor.
    public var visitor: VisitorRecord?
    /// The refund rules of its sale.
    public var refundPolicy: RefundPolicy
    /// What its refund's fee kept, once refunded.
    public var refundFeeFen: Int64
    /// A refund of it awaits approval: it does not admit meanwhile.
    public var refundPending: Bool

    public init(row: Row) throws {
        id = row["id"]
        code = row["code"]
        orderID = row["order_id"]
        distributorID = row["distributor_id"]
        productID = row["product_id"]
        distributorName = row["distributor_name"]
        productCode = row["product_code"]
        productName = row["product_name"]
        visitDate = row["visit_date"]
        validUntil = row["valid_until"]
        settlementPriceFen = row["settlement_price_fen"]
        retailPriceFen = row["retail_price_fen"]
        refundable = row["refundable"]
        status = Status(rawValue: row["status"]) ?? .valid
        soldAt = row["sold_at"]
        redeemedAt = row["redeemed_at"]
        redeemedBy = row["redeemed_by"]
        refundedAt = row["refunded_at"]
        slot = row["slot"]
        visitor = VisitorRecord(voucherRow: row)
        refundPolicy = RefundPolicy(joinedRow: row)
        refundFeeFen = row["refund_fee_fen"] ?? 0
        refundPending = row["refund_pending"] ?? false
    }

    /// Minutes from `now` until its visit starts: its date's 00:00, or its slot's start.
    public func minutesBeforeVisit(now: SceneNow) -> Int {
        let days = (CalendarDates.dayNumber(visitDate) ?? 0) - (CalendarDates.dayNumber(now.today) ?? 0)
        let start = slot.flatMap(TimeSlot.init)?.start ?? 0
        return days * 1440 + start - now.minuteOfDay
    }

    package static let select = """
        SELECT voucher.*, distributor.name AS distributor_name, product.code AS product_code,
            product.name AS product_name, visitor.id_type AS v_id_type, visitor.masked_name AS v_masked_name,
            visitor.masked_id AS v_masked_id, visitor.sealed AS v_sealed, \(RefundPolicy.joinedColumns),
            voucher.status = 'valid' AND EXISTS (SELECT 1 FROM refund_approval AS pending
                WHERE pending.voucher_id = voucher.id AND pending.status = 'pending') AS refund_pending
        FROM voucher JOIN distributor ON distributor.id = voucher.distributor_id
        JOIN product ON product.id = voucher.product_id
        LEFT JOIN visitor ON visitor.id = voucher.visitor_id
        LEFT JOIN refund_policy ON refund_policy.id = voucher.refund_policy_id
        """

    /// The condition that finds the voucher with a code (``codeArguments(_:)`` its
    /// arguments): by the id the code is the code of under the store's key, or, for a code
    /// in `legacy_voucher_code` (drawn at random by an earlier version, or made under the
    /// key before a restore), by the id it was issued for. The id leads to the row, whose
    /// code must be the one asked for: the id of such a voucher has a code of its own under
    /// today's key, issued to no one.
    static let codeCondition = """
        voucher.id = coalesce((SELECT voucher_id FROM legacy_voucher_code WHERE code = ?), voucher_id(?)) AND voucher.code = ?
        """

    static func codeArguments(_ code: String) -> StatementArguments { [code, code, code] }
}

/// What a sale did.
public struct SaleRecord: Sendable, Equatable {
    public var orderID: Int64
    public var voucherCodes: [String]
    public var amountFen: Int64
    public var balanceAfterFen: Int64

    package init(orderID: Int64, voucherCodes: [String], amountFen: Int64, balanceAfterFen: Int64) {
        self.orderID = orderID
        self.voucherCodes = voucherCodes
        self.amountFen = amountFen
        self.balanceAfterFen = balanceAfterFen
    }
}

/// A sale as the point of sale asks for it, validated by the caller.
public struct SaleRequest: Sendable {
    public var distributorID: Int64
    public var productCode: String
    public var quantity: Int
    public var visitDate: String
    public var buyerName: String
    public var buyerPhone: String
    /// "HH:MM-HH:MM" when the visit date sells by time slot, else empty.
    public var slot: String
    /// As many as the product's real-name mode needs, in ticket order.
    public var visitors: [SealedVisitor]
    /// Now in the scenic area: today is the earliest visit date a new sale may take, and
    /// the calendar's cutoffs count from the minute.
    public var now: SceneNow

    public init(
        distributorID: Int64, productCode: String, quantity: Int, visitDate: String, slot: String = "", buyerName: String,
        buyerPhone: String, visitors: [SealedVisitor] = [], now: SceneNow
    ) {
        self.now = now
        self.visitors = visitors
        self.slot = slot
        self.distributorID = distributorID
        self.productCode = productCode
        self.quantity = quantity
        self.visitDate = visitDate
        self.buyerName = buyerName
        self.buyerPhone = buyerPhone
    }
}

/// Refusals of money and ticket writes that depend on stored state; nothing was written.
public enum MoneyError: Error, Sendable, Equatable {
    case insufficientBalance(balanceFen: Int64, requiredFen: Int64)
    case productNotAuthorized(String)
    case balanceWouldGoNegative(balanceFen: Int64)
    case voucherNotFound(String)
    case alreadyRedeemed(code: String, at: Millis)
    case voucherRefunded(String)
    case voucherExpired(code: String, validUntil: String)
    case notYetValid(code: String, visitDate: String)
    case notRefundable(String)
    /// Past the voucher's refund deadline (`deadline` says which, in words).
    case refundWindowClosed(code: String, deadline: String)
    /// A refund of the voucher awaits approval.
    case refundPending(String)
    /// The change names the date and slot the voucher already has.
    case sameDate(String)
    /// Lowering the credit line below what is owed and held.
    case creditInUse(creditUsedFen: Int64, heldFen: Int64)
    case notRedeemed(String)
    case undoWindowClosed(String)
    case distributorInactive
    case requestIDReused(String)
    /// `field` names the date in the request: a sale's or hold's `visit_date`, a date change's `to_date`.
    case visitDateInPast(visitDate: String, today: String, field: String = "visit_date")
}

/// Which earlier answer a request id points to, scoped to its caller.
public struct RequestKey: Sendable {
    public var scope: String
    public var requestID: String
    public var method: String
    /// A digest of the request's content without its id.
    public var fingerprint: Data

    public init(scope: String, requestID: String, method: String, fingerprint: Data) {
        self.scope = scope
        self.requestID = requestID
        self.method = method
        self.fingerprint = fingerprint
    }
}

/// A write's outcome: done now, or the stored answer of the first call with its id.
public enum Once<Value: Sendable>: Sendable {
    case first(Value)
    case replay(Data)
}
