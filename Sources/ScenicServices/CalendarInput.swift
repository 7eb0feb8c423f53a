import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// Validation of calendar requests: every problem a field violation named by its path
/// (`dates.to_date`, `slots[1].slot`), all reported at once.
enum CalendarInput {
    /// The most tickets a day, a slot or an allotment may be limited to.
    static let maxCapacity: Int32 = 1_000_000
    /// A change spans at most a year and a day; an availability answer two months.
    static let maxChangeDays = 366
    static let maxAvailabilityDays = 62

    /// The range's dates, from today on.
    static func dates(
        _ range: Scenic_V1_DateRange, field: String = "dates", calendar: SceneCalendar, today: String,
        into violations: inout [RPCError.FieldViolation]
    ) -> CalendarDates? {
        let span = period(
            from: range.fromDate, to: range.toDate, fromField: field + ".from_date", toField: field + ".to_date",
            maxDays: maxChangeDays, calendar: calendar, into: &violations)
        if span != nil, range.fromDate < today {
            violations.append(.init(field: field + ".from_date", description: "must be today (\(today)) or later", reason: "IN_THE_PAST"))
        }
        for (index, weekday) in range.weekdays.enumerated() where !(1...7).contains(weekday) {
            violations.append(.init(
                field: "\(field).weekdays[\(index)]", description: "must be 1 (Monday) to 7 (Sunday)", reason: "OUT_OF_RANGE"))
        }
        guard span != nil, range.fromDate >= today else { return nil }
        return CalendarDates(from: range.fromDate, to: range.toDate, weekdays: Set(range.weekdays.map(Int.init)))
    }

    /// Checks a from…to period of at most `maxDays` days; nil when it is not one.
    static func period(
        from: String, to: String, fromField: String, toField: String, maxDays: Int, calendar: SceneCalendar,
        into violations: inout [RPCError.FieldViolation]
    ) -> (String, String)? {
        let start = calendar.start(of: from)
        let end = calendar.start(of: to)
        if start == nil {
            violations.append(.init(field: fromField, description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
        }
        if end == nil {
            violations.append(.init(field: toField, description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
        }
        guard let start, let end else { return nil }
        guard start <= end else {
            violations.append(.init(field: toField, description: "must not be before \(fromField)", reason: "OUT_OF_RANGE"))
            return nil
        }
        guard let first = CalendarDates.dayNumber(from), let last = CalendarDates.dayNumber(to), last - first < maxDays else {
            violations.append(.init(field: toField, description: "must be within \(maxDays) days of \(fromField)", reason: "OUT_OF_RANGE"))
            return nil
        }
        return (from, to)
    }

    static func capacity(_ value: Int32, field: String, into violations: inout [RPCError.FieldViolation]) -> Int? {
        guard (0...maxCapacity).contains(value) else {
            violations.append(.init(field: field, description: "must be 0 to \(maxCapacity)", reason: "OUT_OF_RANGE"))
            return nil
        }
        return Int(value)
    }

    /// Slots with their capacities; overlapping or repeated slots are refused.
    static func slots(_ slots: [Scenic_V1_SlotCapacity], into violations: inout [RPCError.FieldViolation]) -> [(slot: TimeSlot, capacity: Int)] {
        var parsed: [(index: Int, slot: TimeSlot, capacity: Int)] = []
        for (index, item) in slots.enumerated() {
            let slot = TimeSlot(item.slot)
            if slot == nil {
                violations.append(.init(
                    field: "slots[\(index)].slot", description: "must be HH:MM-HH:MM, the start before the end", reason: "INVALID_SLOT"))
            }
            let capacity = capacity(item.capacity, field: "slots[\(index)].capacity", into: &violations)
            if let slot, let capacity {
                if parsed.contains(where: { $0.slot.overlaps(slot) }) {
                    violations.append(.init(
                        field: "slots[\(index)].slot", description: "overlaps another slot of the same dates", reason: "OVERLAPPING_SLOT"))
                } else {
                    parsed.append((index, slot, capacity))
                }
            }
        }
        return parsed.sorted { $0.slot < $1.slot }.map { ($0.slot, $0.capacity) }
    }

    /// A booking rule's minute of the day, "HH:MM", or nil for empty.
    static func timeOfDay(_ text: String, field: String, into violations: inout [RPCError.FieldViolation]) -> Int? {
        guard !text.isEmpty else { return nil }
        guard let minutes = TimeSlot.minutes(text) else {
            violations.append(.init(field: field, description: "must be a time of day written HH:MM", reason: "INVALID_TIME"))
            return nil
        }
        return minutes
    }
}
