import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.VoucherAdmin`: the voucher code list and the gate.
public struct VoucherAdminService: Sendable {
    public static let service = "scenic.v1.VoucherAdmin"
    /// How long after a redemption it can be undone.
    public static let undoWindowMinutes = 10

    let store: ScenicStore
    let policy: AccountPolicy
    let numbers: PublicNumbers

    public func list(_ request: Scenic_V1_VoucherFilter, context: CallContext) async throws -> Scenic_V1_ListVouchersResponse {
        try await MoneyListing.vouchers(
            store: store, distributorID: request.distributorID == 0 ? nil : request.distributorID, filter: request,
            calendar: policy.calendar, today: policy.today, numbers: numbers)
    }

    public func redeem(_ request: Scenic_V1_RedeemRequest, context: CallContext) async throws -> Scenic_V1_Voucher {
        guard let code = VoucherCode.normalize(request.code) else { throw Self.invalidCode(field: "code") }
        let clock = policy.now()
        let stamp = context.adminStamp(at: clock.millis)
        let key = try RequestIdentity.key(request, scope: stamp.actor, context: context)
        let now = policy.calendar.now(of: clock)
        let today = now.today
        let outcome = try await store.redeem(
            code: code, now: now, key: key, stamp: stamp, encode: { [numbers] in try Scenic_V1_Voucher($0, today: today, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Scenic_V1_Voucher($0, today: today, numbers: numbers) }
    }

    public func undoRedemption(_ request: Scenic_V1_UndoRedemptionRequest, context: CallContext) async throws -> Scenic_V1_Voucher {
        guard let code = VoucherCode.normalize(request.code) else { throw Self.invalidCode(field: "code") }
        guard !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RPCError.invalidArgument("say why the redemption is undone", violations: [.init(field: "reason", description: "must say why", reason: "EMPTY")])
        }
        let voucher = try await store.undoRedemption(
            code: code, reason: request.reason, window: Int64(Self.undoWindowMinutes) * 60_000,
            stamp: context.adminStamp(at: policy.now().millis))
        return .init(voucher, today: policy.today, numbers: numbers)
    }

    /// A code that fails its check digit: caught before any lookup.
    static func invalidCode(field: String) -> RPCError {
        RPCError.invalidArgument(
            "not a voucher code: 16 digits with a valid check digit (mistyped?)",
            violations: [.init(field: field, description: "not 16 digits with a valid check digit", reason: "INVALID_VOUCHER_CODE")])
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "List", handler: list)
        router.register(service: Self.service, method: "Redeem", handler: redeem)
        router.register(service: Self.service, method: "UndoRedemption", handler: undoRedemption)
    }
}
