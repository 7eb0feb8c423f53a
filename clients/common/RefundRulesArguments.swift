import ArgumentParser
import ScenicClient

/// Refund rules as `product refund-rules` takes them: a deadline, a fee as a share of the
/// settlement price or yuan a ticket, and fee steps by hours before the visit. Shares and
/// yuan are read from their digits, never through a float.
public enum RefundRulesArguments {
    /// The most hours a deadline or a step may name, a year's.
    public static let maximumHours: Int32 = 8760

    /// `--deadline`: until when a refund is taken.
    public struct Deadline: Sendable, Equatable {
        public var kind: Scenic_V1_RefundDeadline
        /// With ``kind`` `.hoursBefore`: how many.
        public var hours: Int32
    }

    /// `visit-day` (until the visit date ends), `none` (while the voucher is valid and
    /// unused) or `48h` (until that many hours before the visit starts).
    public static func deadline(_ text: String) throws -> Deadline {
        switch text.lowercased() {
        case "visit-day": return Deadline(kind: .visitDay, hours: 0)
        case "none": return Deadline(kind: .none, hours: 0)
        default:
            guard let hours = try hours(text, in: text) else {
                throw ValidationError("\(text): expected visit-day, none, or hours before the visit such as 48h")
            }
            return Deadline(kind: .hoursBefore, hours: hours)
        }
    }

    /// `10%` or `12.5%` (of the settlement price, at most two decimals, at most 100%) →
    /// basis points; `5.00` or `5` (yuan a ticket) → fen; `0` or `0%` → no fee.
    public static func fee(_ text: String) throws -> Scenic_V1_RefundFee {
        var fee = Scenic_V1_RefundFee()
        if text.hasSuffix("%") {
            // Hundredths of a percent are basis points, as the daemon counts them.
            guard let basisPoints = Hundredths.parse(String(text.dropLast())) else {
                throw ValidationError("\(text) is not a share of the price: a percent with at most two decimals, e.g. 10% or 12.5%")
            }
            guard basisPoints <= 10_000 else { throw ValidationError("\(text): a fee is at most 100% of the price") }
            fee.percentBp = Int32(basisPoints)
        } else {
            guard let fen = Yuan.fen(text) else {
                throw ValidationError("\(text) is not a fee: a percent of the price (10%, 12.5%) or yuan a ticket (5.00)")
            }
            fee.fixedFen = fen
        }
        return fee
    }

    /// `24h=10%`: the fee of a refund made at least 24 hours before the visit starts.
    public static func step(_ text: String) throws -> Scenic_V1_RefundFeeStep {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let hours = try hours(parts[0], in: text) else {
            throw ValidationError("\(text): expected HOURSh=FEE, e.g. 24h=10% or 72h=0 (the fee from that many hours before the visit)")
        }
        var step = Scenic_V1_RefundFeeStep()
        step.hoursBefore = hours
        step.fee = try fee(parts[1])
        return step
    }

    /// The whole policy: what the options give, the default for what they leave out
    /// (until the visit date ends, no fee, no approval).
    public static func policy(
        deadline: Deadline?, fee: Scenic_V1_RefundFee?, steps: [Scenic_V1_RefundFeeStep], needsApproval: Bool
    ) -> Scenic_V1_RefundPolicy {
        var policy = Scenic_V1_RefundPolicy()
        policy.deadline = deadline?.kind ?? .visitDay
        policy.deadlineHours = deadline?.hours ?? 0
        policy.fee = fee ?? Scenic_V1_RefundFee()
        policy.steps = steps
        policy.needsApproval = needsApproval
        return policy
    }

    /// `48h` → 48; nil for text of another form. The unit is required, so that no one
    /// reads a bare number as days.
    static func hours(_ text: String, in given: String) throws -> Int32? {
        guard text.hasSuffix("h") || text.hasSuffix("H") else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        guard digits.count <= 4, let hours = Int32(digits), (1...maximumHours).contains(hours) else {
            throw ValidationError("\(given): hours before the visit are 1h to \(maximumHours)h (a year)")
        }
        return hours
    }
}
