import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.CalendarAdmin`: the back office sets what each product may sell on each
/// date, at which prices and when; every change is all or nothing, audited.
public struct CalendarAdminService: Sendable {
    public static let service = "scenic.v1.CalendarAdmin"

    let store: any Store
    let policy: AccountPolicy

    public func setCapacity(_ request: Scenic_V1_SetCapacityRequest, context: CallContext) async throws -> Scenic_V1_CalendarChange {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        let dates = dates(request.dates, into: &violations)
        let capacity = request.unlimited ? nil : CalendarInput.capacity(request.capacity, field: "capacity", into: &violations)
        let slots = CalendarInput.slots(request.slots, into: &violations)
        try AccountInput.check(violations)
        guard let code, let dates else { return .init() }
        return try await change(
            store.setCapacity(productCode: code, dates: dates, capacity: capacity, slots: slots, stamp: stamp(context)))
    }

    public func close(_ request: Scenic_V1_CloseDatesRequest, context: CallContext) async throws -> Scenic_V1_CalendarChange {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        let dates = dates(request.dates, into: &violations)
        let reason = AccountInput.name(request.reason, field: "reason", maxLength: 200, into: &violations)
        try AccountInput.check(violations)
        guard let code, let dates, let reason else { return .init() }
        return try await change(store.setClosed(productCode: code, dates: dates, reason: reason, stamp: stamp(context)))
    }

    public func open(_ request: Scenic_V1_OpenDatesRequest, context: CallContext) async throws -> Scenic_V1_CalendarChange {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        let dates = dates(request.dates, into: &violations)
        try AccountInput.check(violations)
        guard let code, let dates else { return .init() }
        return try await change(store.setClosed(productCode: code, dates: dates, reason: nil, stamp: stamp(context)))
    }

    public func setPrices(_ request: Scenic_V1_SetDatePricesRequest, context: CallContext) async throws -> Scenic_V1_CalendarChange {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        let dates = dates(request.dates, into: &violations)
        var retail = RetailPriceChange.keep
        switch request.retailPriceFen {
        case 0: break
        case -1: retail = .product
        default:
            if let fen = CatalogInput.price(request.retailPriceFen, field: "retail_price_fen", into: &violations) { retail = .price(fen) }
        }
        var settlements: [(distributorID: Int64, priceFen: Int64?)] = []
        for (index, item) in request.settlementPrices.enumerated() {
            if item.distributorID <= 0 {
                violations.append(.init(
                    field: "settlement_prices[\(index)].distributor_id", description: "must name a distributor", reason: "NOT_POSITIVE"))
            }
            var price: Int64?
            if item.settlementPriceFen != 0 {
                price = CatalogInput.price(item.settlementPriceFen, field: "settlement_prices[\(index)].settlement_price_fen", into: &violations)
            }
            settlements.append((item.distributorID, price))
        }
        CatalogInput.duplicates(
            request.settlementPrices.map { "\($0.distributorID)" }, field: { "settlement_prices[\($0)].distributor_id" }, into: &violations)
        if retail == .keep, settlements.isEmpty {
            violations.append(.init(field: "retail_price_fen", description: "set a retail or a settlement price", reason: "EMPTY"))
        }
        try AccountInput.check(violations)
        guard let code, let dates else { return .init() }
        return try await change(
            store.setDatePrices(productCode: code, dates: dates, retail: retail, settlements: settlements, stamp: stamp(context)))
    }

    public func setAllotment(_ request: Scenic_V1_SetAllotmentRequest, context: CallContext) async throws -> Scenic_V1_CalendarChange {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        let dates = dates(request.dates, into: &violations)
        if request.distributorID <= 0 {
            violations.append(.init(field: "distributor_id", description: "must name a distributor", reason: "NOT_POSITIVE"))
        }
        let allotment = request.remove ? nil : CalendarInput.capacity(request.allotment, field: "allotment", into: &violations)
        try AccountInput.check(violations)
        guard let code, let dates else { return .init() }
        return try await change(
            store.setAllotment(
                productCode: code, dates: dates, distributorID: request.distributorID, allotment: allotment, stamp: stamp(context)))
    }

    public func setBookingRules(_ request: Scenic_V1_BookingRules, context: CallContext) async throws -> Scenic_V1_BookingRules {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        if !(0...366).contains(request.saleDaysAhead) {
            violations.append(.init(field: "sale_days_ahead", description: "must be 0 (366) to 366", reason: "OUT_OF_RANGE"))
        }
        if !(0...525_600).contains(request.cutoffMinutes) {
            violations.append(.init(field: "cutoff_minutes", description: "must be 0 to 525600 (a year)", reason: "OUT_OF_RANGE"))
        }
        let sameDay = CalendarInput.timeOfDay(request.sameDayUntil, field: "same_day_until", into: &violations)
        if !(0...1440).contains(request.admissionGraceMinutes) {
            violations.append(.init(field: "admission_grace_minutes", description: "must be 0 to 1440", reason: "OUT_OF_RANGE"))
        }
        try AccountInput.check(violations)
        guard let code else { return .init() }
        let rules = BookingRules(
            saleDaysAhead: request.saleDaysAhead == 0 ? nil : Int(request.saleDaysAhead),
            cutoffMinutes: request.cutoffMinutes == 0 ? nil : Int(request.cutoffMinutes), sameDayUntil: sameDay,
            slotAdmission: request.slotAdmission, admissionGraceMinutes: Int(request.admissionGraceMinutes))
        return .init(code: code, try await store.setBookingRules(productCode: code, rules, stamp: stamp(context)))
    }

    public func getBookingRules(_ request: Scenic_V1_ProductCalendarRequest, context: CallContext) async throws -> Scenic_V1_BookingRules {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        try AccountInput.check(violations)
        guard let code else { return .init() }
        return .init(code: code, try await store.bookingRules(productCode: code))
    }

    public func availability(_ request: Scenic_V1_AvailabilityRequest, context: CallContext) async throws -> Scenic_V1_AvailabilityResponse {
        if request.distributorID < 0 {
            throw RPCError.invalidArgument(violations: [
                .init(field: "distributor_id", description: "must be 0 or a distributor", reason: "OUT_OF_RANGE")
            ])
        }
        return try await CalendarView.availability(
            store: store, request: request, distributorID: request.distributorID == 0 ? nil : request.distributorID, policy: policy)
    }

    private func dates(_ range: Scenic_V1_DateRange, into violations: inout [RPCError.FieldViolation]) -> CalendarDates? {
        CalendarInput.dates(range, calendar: policy.calendar, today: policy.today, into: &violations)
    }

    private func stamp(_ context: CallContext) -> AuditStamp { context.adminStamp(at: policy.now().millis) }

    private func change(_ dates: Int) -> Scenic_V1_CalendarChange {
        var change = Scenic_V1_CalendarChange()
        change.dates = Int32(dates)
        return change
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "SetCapacity", handler: setCapacity)
        router.register(service: Self.service, method: "Close", handler: close)
        router.register(service: Self.service, method: "Open", handler: open)
        router.register(service: Self.service, method: "SetPrices", handler: setPrices)
        router.register(service: Self.service, method: "SetAllotment", handler: setAllotment)
        router.register(service: Self.service, method: "SetBookingRules", handler: setBookingRules)
        router.register(service: Self.service, method: "GetBookingRules", handler: getBookingRules)
        router.register(service: Self.service, method: "Availability", handler: availability)
    }
}

extension Scenic_V1_BookingRules {
    init(code: String, _ rules: BookingRules) {
        self.init()
        productCode = code
        saleDaysAhead = Int32(rules.saleDaysAhead ?? 0)
        cutoffMinutes = Int32(rules.cutoffMinutes ?? 0)
        sameDayUntil = rules.sameDayUntil.map(TimeSlot.clock) ?? ""
        slotAdmission = rules.slotAdmission
        admissionGraceMinutes = Int32(rules.admissionGraceMinutes)
    }
}
