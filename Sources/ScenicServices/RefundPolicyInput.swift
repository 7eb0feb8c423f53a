import ScenicProto
import ScenicRPC
import ScenicStore

/// Refund rules as requests give them, checked field by field, and as answers show them.
enum RefundPolicyInput {
    /// The rules of a SetRefundPolicy request; unset is ``RefundPolicy/standard``.
    static func policy(_ request: Scenic_V1_SetRefundPolicyRequest, into violations: inout [RPCError.FieldViolation]) -> RefundPolicy {
        guard request.hasPolicy else { return .standard }
        let given = request.policy
        let hoursRange = 1...RefundPolicy.maximumHours
        let deadline: RefundPolicy.Deadline
        switch given.deadline {
        case .hoursBefore:
            if !hoursRange.contains(Int(given.deadlineHours)) {
                violations.append(.init(
                    field: "policy.deadline_hours", description: "must be 1 to \(RefundPolicy.maximumHours) hours", reason: "OUT_OF_RANGE"))
            }
            deadline = .hoursBefore(Int(given.deadlineHours))
        case .none:
            deadline = .none
        default:
            deadline = .visitDay
        }
        if given.deadline != .hoursBefore, given.deadlineHours != 0 {
            violations.append(.init(
                field: "policy.deadline_hours", description: "is taken only with the HOURS_BEFORE deadline", reason: "NOT_TAKEN"))
        }
        let fee = fee(given.fee, field: "policy.fee", into: &violations)
        if given.steps.count > RefundPolicy.maximumSteps {
            violations.append(.init(
                field: "policy.steps", description: "at most \(RefundPolicy.maximumSteps) steps", reason: "OUT_OF_RANGE"))
        }
        var seen: Set<Int32> = []
        let steps = given.steps.enumerated().map { index, step in
            let field = "policy.steps[\(index)]"
            if !hoursRange.contains(Int(step.hoursBefore)) {
                violations.append(.init(
                    field: field + ".hours_before", description: "must be 1 to \(RefundPolicy.maximumHours) hours", reason: "OUT_OF_RANGE"))
            } else if !seen.insert(step.hoursBefore).inserted {
                violations.append(.init(field: field + ".hours_before", description: "another step has these hours", reason: "DUPLICATE"))
            }
            return RefundPolicy.FeeStep(hoursBefore: Int(step.hoursBefore), fee: self.fee(step.fee, field: field + ".fee", into: &violations))
        }
        return RefundPolicy(deadline: deadline, fee: fee, steps: steps, needsApproval: given.needsApproval)
    }

    private static func fee(_ fee: Scenic_V1_RefundFee, field: String, into violations: inout [RPCError.FieldViolation]) -> RefundPolicy.Fee {
        if fee.percentBp != 0, fee.fixedFen != 0 {
            violations.append(.init(field: field, description: "a percentage or a fixed sum, not both", reason: "BOTH_GIVEN"))
        }
        if !(0...10000).contains(fee.percentBp) {
            violations.append(.init(
                field: field + ".percent_bp", description: "must be 0 to 10000 (hundredths of a percent)", reason: "OUT_OF_RANGE"))
        }
        if !(0...CatalogInput.maxPriceFen).contains(fee.fixedFen) {
            violations.append(.init(field: field + ".fixed_fen", description: "must be 0 to \(CatalogInput.maxPriceFen) fen", reason: "OUT_OF_RANGE"))
        }
        return fee.percentBp != 0 ? .percent(basisPoints: Int(fee.percentBp)) : .fixed(fen: fee.fixedFen)
    }
}

extension Scenic_V1_RefundPolicy {
    init(_ policy: RefundPolicy) {
        self.init()
        switch policy.deadline {
        case .visitDay: deadline = .visitDay
        case .hoursBefore(let hours):
            deadline = .hoursBefore
            deadlineHours = Int32(hours)
        case .none: deadline = .none
        }
        fee = .init(policy.fee)
        steps = policy.steps.map { step in
            var proto = Scenic_V1_RefundFeeStep()
            proto.hoursBefore = Int32(step.hoursBefore)
            proto.fee = .init(step.fee)
            return proto
        }
        needsApproval = policy.needsApproval
    }
}

extension Scenic_V1_RefundFee {
    init(_ fee: RefundPolicy.Fee) {
        self.init()
        switch fee {
        case .percent(let basisPoints): percentBp = Int32(basisPoints)
        case .fixed(let fen): fixedFen = fen
        }
    }
}
