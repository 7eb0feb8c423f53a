import Foundation
import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.VoucherAdmin`: the voucher code list and the gate.
public struct VoucherAdminService: Sendable {
    public static let service = "scenic.v1.VoucherAdmin"
    /// How long after a redemption it can be undone.
    public static let undoWindowMinutes = 10

    let store: any Store
    let policy: AccountPolicy
    let numbers: PublicNumbers
    let personalData: PersonalDataVault

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

    /// The gate: a voucher by code, or a visitor's one ticket valid now by the ID presented.
    public func checkIn(_ request: Scenic_V1_CheckInRequest, context: CallContext) async throws -> Scenic_V1_Voucher {
        let clock = policy.now()
        let now = policy.calendar.now(of: clock)
        var idHash: Data?
        if !request.idNumber.isEmpty {
            switch IdentityDocument.parse(request.idNumber, kind: RealNameInput.kind(request.idType), today: now.today) {
            case .success(let document): idHash = personalData.idHash(document)
            case .failure(let problem):
                throw RPCError.invalidArgument(
                    "id_number: \(problem)", violations: [.init(field: "id_number", description: problem.description, reason: "INVALID_ID_NUMBER")])
            }
        }
        let target: CheckInTarget
        if !request.code.isEmpty {
            guard let code = VoucherCode.normalize(request.code) else { throw Self.invalidCode(field: "code") }
            target = .code(code, idHash: idHash)
        } else if let idHash {
            target = .visitor(idHash: idHash)
        } else {
            throw RPCError.invalidArgument(
                "name the voucher's code or the visitor's ID",
                violations: [.init(field: "code", description: "give a voucher code or an id_number", reason: "EMPTY")])
        }
        let stamp = context.adminStamp(at: clock.millis)
        let key = try RequestIdentity.key(request, scope: stamp.actor, context: context, digest: personalData.keyedDigest)
        let today = now.today
        let outcome = try await store.checkIn(
            target, now: now, key: key, stamp: stamp,
            encode: { [numbers] in try Scenic_V1_Voucher($0, today: today, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Scenic_V1_Voucher($0, today: today, numbers: numbers) }
    }

    /// A voucher's visitor in full, for the back office; the call and its reason are audited.
    public func revealVisitor(_ request: Scenic_V1_RevealVisitorRequest, context: CallContext) async throws -> Scenic_V1_Visitor {
        guard let code = VoucherCode.normalize(request.code) else { throw Self.invalidCode(field: "code") }
        let reason = request.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else {
            throw RPCError.invalidArgument(
                "say why the ID is needed", violations: [.init(field: "reason", description: "must say why", reason: "EMPTY")])
        }
        let record = try await store.revealVisitor(code: code, reason: reason, stamp: context.adminStamp(at: policy.now().millis))
        guard let sealed = record.sealed, let content = personalData.unseal(sealed) else {
            throw RPCError(
                .dataLoss, "the visitor's data of voucher \(code) cannot be unsealed with this daemon's key", reason: "UNSEAL_FAILED")
        }
        var visitor = Scenic_V1_Visitor()
        visitor.name = content.name
        visitor.idNumber = content.number
        visitor.idType = RealNameInput.idType(content.kind)
        return visitor
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
        router.register(service: Self.service, method: "CheckIn", handler: checkIn)
        router.register(service: Self.service, method: "RevealVisitor", handler: revealVisitor)
    }
}
