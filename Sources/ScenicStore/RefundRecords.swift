import GRDB

/// A refund awaiting, or given, the back office's decision, with the names a list shows.
public struct RefundApprovalRecord: Sendable, Equatable, FetchableRecord {
    public enum Status: String, Sendable, CaseIterable {
        case pending, approved, rejected
    }

    public var id: Int64
    public var voucherCode: String
    public var distributorID: Int64
    public var distributorName: String
    public var productCode: String
    public var visitDate: String
    public var settlementPriceFen: Int64
    /// Fixed when the refund was asked for, by how early it was.
    public var feeFen: Int64
    public var status: Status
    public var requestedAt: Millis
    /// When the daemon approves it if no one decides first.
    public var approveBy: Millis
    public var decidedAt: Millis?
    public var decidedBy: String?
    public var reason: String

    /// What approval credits.
    public var refundFen: Int64 { settlementPriceFen - feeFen }

    public init(row: Row) throws {
        id = row["id"]
        voucherCode = row["voucher_code"]
        distributorID = row["distributor_id"]
        distributorName = row["distributor_name"]
        productCode = row["product_code"]
        visitDate = row["visit_date"]
        settlementPriceFen = row["settlement_price_fen"]
        feeFen = row["fee_fen"]
        status = Status(rawValue: row["status"]) ?? .pending
        requestedAt = row["requested_at"]
        approveBy = row["approve_by"]
        decidedAt = row["decided_at"]
        decidedBy = row["decided_by"]
        reason = row["reason"]
    }

    package static let select = """
        SELECT refund_approval.*, voucher.code AS voucher_code, voucher.visit_date AS visit_date,
            distributor.name AS distributor_name, product.code AS product_code
        FROM refund_approval JOIN voucher ON voucher.id = refund_approval.voucher_id
        JOIN distributor ON distributor.id = refund_approval.distributor_id
        JOIN product ON product.id = voucher.product_id
        """
}

/// Refusals of refund decisions; nothing was written.
public enum RefundApprovalError: Error, Sendable, Equatable {
    case notFound(Int64)
    /// Already approved or rejected.
    case notPending(id: Int64, status: RefundApprovalRecord.Status)
}

/// Vouchers moved to another visit date, as the point of sale asks, validated by the caller.
public struct DateChangeRequest: Sendable {
    public var distributorID: Int64
    public var codes: [String]
    public var toDate: String
    /// "HH:MM-HH:MM" when the new date sells by time slot, else empty.
    public var slot: String
    public var now: SceneNow

    public init(distributorID: Int64, codes: [String], toDate: String, slot: String, now: SceneNow) {
        self.distributorID = distributorID
        self.codes = codes
        self.toDate = toDate
        self.slot = slot
        self.now = now
    }
}

/// What a date change did.
public struct DateChangeRecord: Sendable, Equatable {
    /// The same codes, on their new date.
    public var vouchers: [VoucherRecord]
    /// The new date's prices less those paid: charged when positive, credited when negative.
    public var differenceFen: Int64
    public var balanceAfterFen: Int64

    package init(vouchers: [VoucherRecord], differenceFen: Int64, balanceAfterFen: Int64) {
        self.vouchers = vouchers
        self.differenceFen = differenceFen
        self.balanceAfterFen = balanceAfterFen
    }
}

extension VoucherRecord {
    /// Refuses a voucher that is not valid, has a refund pending, or is past its deadline:
    /// what neither a refund nor a date change may take.
    package func requireChangeable(now: SceneNow) throws {
        try requireUnused()
        let policy = refundPolicy
        guard policy.allows(minutesBefore: minutesBeforeVisit(now: now), today: now.today, visitDate: visitDate, validUntil: validUntil)
        else {
            let deadline =
                switch policy.deadline {
                case .visitDay: "its visit date \(visitDate) has passed"
                case .hoursBefore(let hours): "its deadline, \(hours) h before its visit on \(visitDate), has passed"
                case .none: "its last valid day \(validUntil) has passed"
                }
            throw MoneyError.refundWindowClosed(code: code, deadline: deadline)
        }
    }
}
