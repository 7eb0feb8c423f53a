import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// Availability, as both sockets answer it: per date and slot, what is left, at which
/// prices, until when. Only whose allotment and settlement price differs.
enum CalendarView {
    /// LIMITED: at most this many left, or at most a tenth of the capacity.
    static let fewLeft = 10

    static func availability(
        store: any Store, request: Scenic_V1_AvailabilityRequest, distributorID: Int64?, policy: AccountPolicy
    ) async throws -> Scenic_V1_AvailabilityResponse {
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        let period = CalendarInput.period(
            from: request.fromDate, to: request.toDate, fromField: "from_date", toField: "to_date",
            maxDays: CalendarInput.maxAvailabilityDays, calendar: policy.calendar, into: &violations)
        try AccountInput.check(violations)
        guard let code, let period else { return .init() }
        let clock = policy.now()
        let (product, _, days) = try await store.calendar(
            productCode: code, from: period.0, to: period.1, distributorID: distributorID, now: policy.calendar.now(of: clock))
        var response = Scenic_V1_AvailabilityResponse()
        response.productCode = product.code
        // Cutoffs count whole minutes from the start of this one.
        let minute = clock.millis - clock.millis % 60_000
        response.days = days.map { day(of: $0, today: policy.today, minute: minute) }
        return response
    }

    private static func day(of record: CalendarDayRecord, today: String, minute: Millis) -> Scenic_V1_DayAvailability {
        var day = Scenic_V1_DayAvailability()
        day.date = record.date
        day.unlimited = record.capacity == nil
        day.capacity = Int32(record.capacity ?? 0)
        day.sold = Int32(record.sold)
        day.retailPriceFen = record.retailPriceFen
        day.settlementPriceFen = record.settlementPriceFen ?? 0
        day.allotment = Int32(record.allotment ?? -1)
        day.allotmentSold = Int32(record.allotmentSold)
        day.cutoff = record.minutesToCutoff.map { ISOTime.format(minute + Millis($0) * 60_000) } ?? ""
        day.reason = record.closeReason
        let dayLeft = record.capacity.map { max(0, $0 - record.sold) }
        let allotmentLeft = record.allotment.map { max(0, $0 - record.allotmentSold) }
        let ownLeft = [dayLeft, allotmentLeft].compactMap { $0 }.min()
        let shut = record.closed || record.outsideWindow || record.date < today
        day.slots = zip(record.slots, record.slotMinutesToCutoff).map { slot, minutesToCutoff in
            var view = Scenic_V1_SlotAvailability()
            view.slot = slot.slot.description
            view.unlimited = slot.capacity == nil
            view.capacity = Int32(slot.capacity ?? 0)
            view.sold = Int32(slot.sold)
            let left = [slot.capacity.map { max(0, $0 - slot.sold) }, ownLeft].compactMap { $0 }.min()
            view.remaining = Int32(left ?? -1)
            view.cutoff = minutesToCutoff.map { ISOTime.format(minute + Millis($0) * 60_000) } ?? ""
            view.status = status(
                left: left, capacity: slot.capacity, shut: shut || (minutesToCutoff.map { $0 <= 0 } ?? false))
            return view
        }
        // A date sold by slots has what its slots have left, if they all have a limit.
        var left = ownLeft
        if !record.slots.isEmpty, day.slots.allSatisfy({ $0.remaining >= 0 }) {
            let slotsLeft = day.slots.reduce(0) { $0 + Int($1.remaining) }
            left = min(left ?? slotsLeft, slotsLeft)
        }
        day.remaining = Int32(left ?? -1)
        let dayPastCutoff = record.slots.isEmpty && (record.minutesToCutoff.map { $0 <= 0 } ?? false)
        let allSlotsShut = !record.slots.isEmpty && day.slots.allSatisfy { $0.status == .closed }
        day.status = status(left: left, capacity: record.capacity ?? record.allotment, shut: shut || dayPastCutoff || allSlotsShut)
        return day
    }

    private static func status(left: Int?, capacity: Int?, shut: Bool) -> Scenic_V1_Availability {
        if shut { return .closed }
        guard let left else { return .available }
        if left == 0 { return .soldOut }
        if left <= fewLeft || left * 10 <= (capacity ?? 0) { return .limited }
        return .available
    }
}
