import Foundation
import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// Holds on the point of sale: seats and money kept for a customer who is still paying.
extension SalesService {
    /// The default and the longest time a hold keeps its seats.
    public static let defaultHoldMinutes = 30
    public static let longestHoldMinutes = 120

    public func hold(_ request: Scenic_V1_HoldRequest, context: CallContext) async throws -> Scenic_V1_Hold {
        let principal = try await authenticator.authenticate(context, scope: .sell)
        let clock = policy.now()
        let now = policy.calendar.now(of: clock)
        var violations: [RPCError.FieldViolation] = []
        let tickets = tickets(
            productCode: request.productCode, quantity: request.quantity, visitDate: request.visitDate, slot: request.slot, today: now.today,
            into: &violations)
        let minutes = request.expiresInMinutes == 0 ? Self.defaultHoldMinutes : Int(request.expiresInMinutes)
        if !(1...Self.longestHoldMinutes).contains(minutes) {
            violations.append(.init(
                field: "expires_in_minutes", description: "must be 1 to \(Self.longestHoldMinutes) (0: \(Self.defaultHoldMinutes))",
                reason: "OUT_OF_RANGE"))
        }
        try AccountInput.check(violations)
        guard let tickets else { return .init() }
        let key = try RequestIdentity.key(request, scope: "distributor:\(principal.distributor.id)", context: context)
        let sale = SaleRequest(
            distributorID: principal.distributor.id, productCode: tickets.code, quantity: tickets.quantity, visitDate: request.visitDate,
            slot: tickets.slot, buyerName: "", buyerPhone: "", now: now)
        let numbers = numbers
        let outcome = try await store.hold(
            .init(sale: sale, expiresAt: clock.millis + Int64(minutes) * 60_000), key: key, at: clock.millis,
            encode: { try Scenic_V1_Hold($0, numbers: numbers).serializedData() })
        if case .first(let hold) = outcome { holdMade(hold.expiresAt) }
        return try RequestIdentity.response(outcome) { Scenic_V1_Hold($0, numbers: numbers) }
    }

    public func confirmHold(_ request: Scenic_V1_ConfirmHoldRequest, context: CallContext) async throws -> Scenic_V1_SellResponse {
        let principal = try await authenticator.authenticate(context, scope: .sell)
        let clock = policy.now()
        let now = policy.calendar.now(of: clock)
        var violations: [RPCError.FieldViolation] = []
        let id = holdID(request.holdID, into: &violations)
        let buyer = buyer(name: request.buyerName, phone: request.buyerPhone, into: &violations)
        let visitors = try RealNameInput.visitors(request.visitors, today: now.today, vault: personalData, into: &violations)
        try AccountInput.check(violations)
        guard let id, let buyer else { return .init() }
        let key = try RequestIdentity.key(
            request, scope: "distributor:\(principal.distributor.id)", context: context, digest: personalData.keyedDigest)
        // The hold's product, date, slot and quantity replace these in the store.
        let sale = SaleRequest(
            distributorID: principal.distributor.id, productCode: "", quantity: 0, visitDate: "", buyerName: buyer.name,
            buyerPhone: buyer.phone, visitors: visitors, now: now)
        let numbers = numbers
        let outcome = try await store.confirmHold(
            id: id, sale, key: key, at: clock.millis, encode: { try Self.response($0, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Self.response($0, numbers: numbers) }
    }

    public func releaseHold(_ request: Scenic_V1_ReleaseHoldRequest, context: CallContext) async throws -> Scenic_V1_Hold {
        let principal = try await authenticator.authenticate(context, scope: .sell)
        var violations: [RPCError.FieldViolation] = []
        let id = holdID(request.holdID, into: &violations)
        try AccountInput.check(violations)
        guard let id else { return .init() }
        let key = try RequestIdentity.key(request, scope: "distributor:\(principal.distributor.id)", context: context)
        let numbers = numbers
        let outcome = try await store.releaseHold(
            id: id, distributorID: principal.distributor.id, key: key, at: policy.now().millis,
            encode: { try Scenic_V1_Hold($0, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Scenic_V1_Hold($0, numbers: numbers) }
    }

    /// The row id a hold's public number stands for; a number no hold is shown under is as
    /// missing as a hold that does not exist.
    private func holdID(_ number: Int64, into violations: inout [RPCError.FieldViolation]) -> Int64? {
        guard number != 0 else {
            violations.append(.init(field: "hold_id", description: "must name a hold", reason: "EMPTY"))
            return nil
        }
        return numbers.id(for: number) ?? 0
    }
}

extension Scenic_V1_Hold {
    init(_ record: HoldRecord, numbers: PublicNumbers) {
        self.init()
        id = numbers.number(for: record.id)
        productCode = record.productCode
        quantity = Int32(record.quantity)
        visitDate = record.visitDate
        slot = record.slot ?? ""
        settlementPriceFen = record.settlementPriceFen
        amountFen = record.amountFen
        status =
            switch record.status {
            case .held: .held
            case .confirmed: .confirmed
            case .released: .released
            case .expired: .expired
            }
        createdAt = ISOTime.format(record.createdAt)
        expiresAt = ISOTime.format(record.expiresAt)
        orderID = record.orderID.map(numbers.number(for:)) ?? 0
    }
}

extension Scenic_V1_HoldRequest: IdentifiedRequest {}
extension Scenic_V1_ConfirmHoldRequest: IdentifiedRequest {}
extension Scenic_V1_ReleaseHoldRequest: IdentifiedRequest {}

extension HoldError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .notFound: RPCError(.notFound, "no such hold", reason: "HOLD_NOT_FOUND")
        case .expired: RPCError(.failedPrecondition, "the hold expired: its seats and amount went back", reason: "HOLD_EXPIRED")
        case .released: RPCError(.failedPrecondition, "the hold was released", reason: "HOLD_RELEASED")
        case .confirmed: RPCError(.failedPrecondition, "the hold was already confirmed", reason: "HOLD_CONFIRMED")
        }
    }
}
