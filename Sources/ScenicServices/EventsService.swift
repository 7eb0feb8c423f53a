import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Events`: the feed, long-polled. On the point-of-sale socket the caller's own
/// distributor's events and those every distributor hears of; on the admin socket all.
public struct EventsService: Sendable {
    public static let service = "scenic.v1.Events"
    public static let longestWait = 30
    public static let largestPage = 1000

    let store: any Store
    let numbers: PublicNumbers
    /// Nil on the admin socket.
    let authenticator: SessionAuthenticator?

    public func list(_ request: Scenic_V1_ListEventsRequest, context: CallContext) async throws -> Scenic_V1_ListEventsResponse {
        let distributorID = try await authenticator?.authenticate(context, scope: .read).distributor.id
        var violations: [RPCError.FieldViolation] = []
        let limit = request.limit == 0 ? 100 : Int(request.limit)
        if !(1...Self.largestPage).contains(limit) {
            violations.append(.init(field: "limit", description: "must be 1 to \(Self.largestPage) (0: 100)", reason: "OUT_OF_RANGE"))
        }
        if !(0...Self.longestWait).contains(Int(request.waitSeconds)) {
            violations.append(.init(field: "wait_seconds", description: "must be 0 to \(Self.longestWait)", reason: "OUT_OF_RANGE"))
        }
        if request.after < 0 {
            violations.append(.init(field: "after", description: "must not be negative", reason: "OUT_OF_RANGE"))
        }
        try AccountInput.check(violations)
        // The poll ends by the caller's deadline at the latest, a little before it, so that
        // its answer still arrives in time.
        var until = MonotonicInstant.now + .seconds(Int(request.waitSeconds))
        if let deadline = context.deadline { until = min(until, deadline - .milliseconds(200)) }
        var seen = store.eventBell.rings
        var page = try await store.events(after: request.after, limit: limit, distributorID: distributorID)
        while page.events.isEmpty, !Task.isCancelled, MonotonicInstant.now < until {
            await store.eventBell.wait(after: seen, timeout: until - MonotonicInstant.now)
            seen = store.eventBell.rings
            page = try await store.events(after: request.after, limit: limit, distributorID: distributorID)
        }
        var response = Scenic_V1_ListEventsResponse()
        response.events = page.events.map { Scenic_V1_Event($0, numbers: numbers) }
        response.lastID = page.events.last?.id ?? request.after
        response.oldestKeptID = page.oldestKept
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "List", handler: list)
    }
}

extension Scenic_V1_Event {
    init(_ record: EventRecord, numbers: PublicNumbers) {
        self.init()
        id = record.id
        at = ISOTime.format(record.at)
        kind =
            switch record.kind {
            case .voucherRedeemed: .voucherRedeemed
            case .redemptionUndone: .redemptionUndone
            case .voucherRefunded: .voucherRefunded
            case .voucherExpired: .voucherExpired
            case .holdConfirmed: .holdConfirmed
            case .holdReleased: .holdReleased
            case .holdExpired: .holdExpired
            case .bindingAdded: .bindingAdded
            case .bindingChanged: .bindingChanged
            case .bindingRemoved: .bindingRemoved
            case .productArchived: .productArchived
            case .availabilityChanged: .availabilityChanged
            case .balanceLow: .balanceLow
            case .recharge: .recharge
            case .refundRequested: .refundRequested
            case .refundRejected: .refundRejected
            case .dateChanged: .dateChanged
            case .creditChanged: .creditChanged
            }
        distributorID = record.distributorID ?? 0
        voucherCode = record.voucherCode
        holdID = record.holdID.map(numbers.number(for:)) ?? 0
        productCode = record.productCode
        amountFen = record.amountFen
        balanceFen = record.balanceFen
        dates = record.dates
    }
}
