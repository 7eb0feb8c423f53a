import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Account`: the back office recharges and corrects balances and reads ledgers.
public struct AccountService: Sendable {
    public static let service = "scenic.v1.Account"
    /// The most one recharge may add: ¥1,000,000.00.
    public static let maxRechargeFen: Int64 = 100_000_000

    let store: any Store
    let policy: AccountPolicy
    let numbers: PublicNumbers

    public func recharge(_ request: Scenic_V1_RechargeRequest, context: CallContext) async throws -> Scenic_V1_BalanceChange {
        guard (1...Self.maxRechargeFen).contains(request.amountFen) else {
            throw RPCError.invalidArgument(
                "a recharge is 1 to \(Self.maxRechargeFen) fen",
                violations: [.init(field: "amount_fen", description: "must be 1 to \(Self.maxRechargeFen) fen", reason: "OUT_OF_RANGE")])
        }
        let stamp = context.adminStamp(at: policy.now().millis)
        let key = try RequestIdentity.key(request, scope: stamp.actor, context: context)
        let outcome = try await store.recharge(
            distributorID: request.distributorID, amountFen: request.amountFen, note: request.note, key: key, stamp: stamp,
            encode: { [numbers] in try Self.change($0, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Self.change($0, numbers: numbers) }
    }

    public func adjust(_ request: Scenic_V1_AdjustRequest, context: CallContext) async throws -> Scenic_V1_BalanceChange {
        var violations: [RPCError.FieldViolation] = []
        if request.amountFen == 0 || request.amountFen.magnitude > UInt64(Self.maxRechargeFen) {
            violations.append(.init(field: "amount_fen", description: "must be non-zero and at most \(Self.maxRechargeFen) fen either way", reason: "OUT_OF_RANGE"))
        }
        if request.reason.trimmingCharacters(in: .whitespaces).isEmpty {
            violations.append(.init(field: "reason", description: "must say why", reason: "EMPTY"))
        }
        try AccountInput.check(violations)
        let stamp = context.adminStamp(at: policy.now().millis)
        let key = try RequestIdentity.key(request, scope: stamp.actor, context: context)
        let outcome = try await store.adjust(
            distributorID: request.distributorID, amountFen: request.amountFen, reason: request.reason, key: key, stamp: stamp,
            encode: { [numbers] in try Self.change($0, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Self.change($0, numbers: numbers) }
    }

    public func listLedger(_ request: Scenic_V1_ListLedgerRequest, context: CallContext) async throws -> Scenic_V1_ListLedgerResponse {
        try await MoneyListing.ledger(store: store, distributorID: request.distributorID, request: request, calendar: policy.calendar, numbers: numbers)
    }

    static func change(_ entry: LedgerEntryRecord, numbers: PublicNumbers) -> Scenic_V1_BalanceChange {
        var change = Scenic_V1_BalanceChange()
        change.entry = .init(entry, numbers: numbers)
        change.balanceFen = entry.balanceAfterFen
        if entry.kind == .recharge {
            // A recharge repays what was owed on the credit line before it adds to the balance.
            let owedBefore = max(0, entry.amountFen - entry.balanceAfterFen)
            change.repaidFen = min(entry.amountFen, owedBefore)
        }
        return change
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Recharge", handler: recharge)
        router.register(service: Self.service, method: "Adjust", handler: adjust)
        router.register(service: Self.service, method: "ListLedger", handler: listLedger)
    }
}
