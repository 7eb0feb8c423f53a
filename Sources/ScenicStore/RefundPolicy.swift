import Foundation
import GRDB

/// A product's refund rules, kept on each voucher as they were at its sale: until when a
/// refund (or a date change) is taken, what it keeps of the settlement price, and
/// whether the back office must approve it.
public struct RefundPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Until when a refund is taken.
    public enum Deadline: Sendable, Equatable {
        /// Until the end of the visit date.
        case visitDay
        /// Until this many hours before the visit starts (the date's 00:00 or its slot's start).
        case hoursBefore(Int)
        /// While the voucher is valid and unused, to its last valid day.
        case none
    }

    /// What a refund keeps of one ticket's settlement price.
    public enum Fee: Sendable, Equatable {
        /// Hundredths of a percent (1000 = 10%), rounded to the nearest fen, halves up.
        case percent(basisPoints: Int)
        /// Fen per ticket, never more than the price.
        case fixed(fen: Int64)

        public static let free = Fee.fixed(fen: 0)

        public func fen(of priceFen: Int64) -> Int64 {
            switch self {
            case .percent(let basisPoints): (priceFen * Int64(basisPoints) + 5000) / 10000
            case .fixed(let fen): min(fen, priceFen)
            }
        }
    }

    /// A fee for refunds made at least `hoursBefore` hours before the visit starts.
    public struct FeeStep: Sendable, Equatable {
        public var hoursBefore: Int
        public var fee: Fee

        public init(hoursBefore: Int, fee: Fee) {
            self.hoursBefore = hoursBefore
            self.fee = fee
        }
    }

    public static let maximumHours = 8760
    public static let maximumSteps = 8

    public var deadline: Deadline
    /// The fee of a refund later than every step.
    public var fee: Fee
    /// Most hours first.
    public private(set) var steps: [FeeStep]
    public var needsApproval: Bool

    /// Today's rule for every product that has no other: until the visit date ends, free.
    public static let standard = RefundPolicy(deadline: .visitDay, fee: .free, steps: [], needsApproval: false)

    public init(deadline: Deadline, fee: Fee, steps: [FeeStep], needsApproval: Bool) {
        self.deadline = deadline
        self.fee = fee
        self.steps = steps.sorted { $0.hoursBefore > $1.hoursBefore }
        self.needsApproval = needsApproval
    }

    /// The fee of one ticket at `priceFen` refunded `minutesBefore` minutes before its visit
    /// starts (negative once it has): the step with the most hours the refund is early
    /// enough for, else the base fee.
    public func feeFen(priceFen: Int64, minutesBefore: Int) -> Int64 {
        let step = steps.first { minutesBefore >= $0.hoursBefore * 60 }
        return (step?.fee ?? fee).fen(of: priceFen)
    }

    /// Whether a refund or date change is still taken `minutesBefore` minutes before the
    /// visit starts, on `today`, for a voucher of `visitDate` valid through `validUntil`.
    public func allows(minutesBefore: Int, today: String, visitDate: String, validUntil: String) -> Bool {
        switch deadline {
        case .visitDay: today <= visitDate
        case .hoursBefore(let hours): minutesBefore >= hours * 60
        case .none: today <= validUntil
        }
    }

    public var description: String {
        let until =
            switch deadline {
            case .visitDay: "until the visit date ends"
            case .hoursBefore(let hours): "until \(hours) h before the visit"
            case .none: "while valid"
            }
        return "\(until); fees \(Self.encode(fee: fee, steps: steps)); \(needsApproval ? "needs approval" : "no approval")"
    }

    // MARK: - Stored form

    /// The columns of `refund_policy` a select joins in for ``init(joinedRow:)``.
    package static let joinedColumns = """
        refund_policy.deadline AS rp_deadline, refund_policy.deadline_hours AS rp_deadline_hours,
        refund_policy.fees AS rp_fees, refund_policy.needs_approval AS rp_needs_approval
        """

    /// The rules of a row with ``joinedColumns``; ``standard`` where it joined none.
    init(joinedRow row: some ColumnReading) {
        guard let kind: String = row["rp_deadline"],
            let policy = RefundPolicy(
                deadline: kind, hours: row["rp_deadline_hours"], fees: row["rp_fees"], needsApproval: row["rp_needs_approval"])
        else {
            self = .standard
            return
        }
        self = policy
    }

    /// The id of these rules, written the first time they are used; nil for ``standard``.
    func storedID(_ db: Database) throws -> Int64? {
        guard self != .standard else { return nil }
        let (kind, hours) = storedDeadline
        let fees = Self.encode(fee: fee, steps: steps)
        try db.execute(
            sql: "INSERT INTO refund_policy (deadline, deadline_hours, fees, needs_approval) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [kind, hours, fees, needsApproval])
        return try Int64.fetchOne(
            db, sql: "SELECT id FROM refund_policy WHERE deadline = ? AND deadline_hours = ? AND fees = ? AND needs_approval = ?",
            arguments: [kind, hours, fees, needsApproval])
    }

    package var storedDeadline: (kind: String, hours: Int) {
        switch deadline {
        case .visitDay: ("visit_day", 0)
        case .hoursBefore(let hours): ("hours_before", hours)
        case .none: ("none", 0)
        }
    }

    /// "p2000;72=p0;24=p1000": the base fee, then each step's hours and fee.
    package static func encode(fee: Fee, steps: [FeeStep]) -> String {
        func text(_ fee: Fee) -> String {
            switch fee {
            case .percent(let basisPoints): "p\(basisPoints)"
            case .fixed(let fen): "f\(fen)"
            }
        }
        return ([text(fee)] + steps.map { "\($0.hoursBefore)=\(text($0.fee))" }).joined(separator: ";")
    }

    init?(deadline kind: String, hours: Int, fees: String, needsApproval: Bool) {
        func fee(_ text: Substring) -> Fee? {
            guard let value = Int64(text.dropFirst()) else { return nil }
            switch text.first {
            case "p": return .percent(basisPoints: Int(value))
            case "f": return .fixed(fen: value)
            default: return nil
            }
        }
        let parts = fees.split(separator: ";")
        guard let first = parts.first, let base = fee(first) else { return nil }
        var steps: [FeeStep] = []
        for part in parts.dropFirst() {
            let halves = part.split(separator: "=")
            guard halves.count == 2, let hours = Int(halves[0]), let stepFee = fee(halves[1]) else { return nil }
            steps.append(FeeStep(hoursBefore: hours, fee: stepFee))
        }
        let deadline: Deadline
        switch kind {
        case "visit_day": deadline = .visitDay
        case "hours_before": deadline = .hoursBefore(hours)
        case "none": deadline = .none
        default: return nil
        }
        self.init(deadline: deadline, fee: base, steps: steps, needsApproval: needsApproval)
    }
}

extension SQLiteStore {
    public func setRefundPolicy(productCode: String, _ policy: RefundPolicy, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            try db.execute(
                sql: "UPDATE product SET refund_policy_id = ?, updated_at = ? WHERE id = ?",
                arguments: [try policy.storedID(db), stamp.at, product.id])
            try stamp.record(db, target: "product:\(product.code)", summary: "refund rules: \(policy)")
            return try Self.requireProduct(db, code: productCode)
        }
    }
}
