import GRDB

/// The days of a calendar change: a range of visit dates (YYYY-MM-DD, inclusive) and the
/// ISO weekdays among them (1 = Monday … 7 = Sunday; empty for all).
public struct CalendarDates: Sendable, Equatable {
    public var from: String
    public var to: String
    public var weekdays: Set<Int>

    public init(from: String, to: String, weekdays: Set<Int> = []) {
        self.from = from
        self.to = to
        self.weekdays = weekdays
    }

    /// The dates themselves, in order: a date's weekday counted from its day number
    /// (1970-01-01 was a Thursday), so that both stores and their checks agree on every date.
    package var days: [String] {
        guard let first = Self.dayNumber(from), let last = Self.dayNumber(to), first <= last else { return [] }
        return (first...last).compactMap { day in
            let weekday = (day + 3) % 7 + 1
            return weekdays.isEmpty || weekdays.contains(weekday) ? Self.date(dayNumber: day) : nil
        }
    }

    /// Days from 1970-01-01 to a YYYY-MM-DD date of the proleptic Gregorian calendar
    /// (Howard Hinnant's days_from_civil): a sale counts days ahead without a query.
    public static func dayNumber(_ date: String) -> Int? {
        guard let (year, month, day) = fields(of: date) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Year, month and day of a date: read in place when it is the usual YYYY-MM-DD (every
    /// sale reads one on the writer), else split at its dashes.
    private static func fields(of date: String) -> (Int, Int, Int)? {
        var text = date
        let digits = text.withUTF8 { bytes -> (Int, Int, Int)? in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(bytes[index]) - Int(UInt8(ascii: "0"))
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            return (year, month, day)
        }
        if let digits { return digits }
        let parts = date.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        return (year, month, day)
    }

    /// The YYYY-MM-DD date of a day number (Hinnant's civil_from_days), the inverse of ``dayNumber(_:)``.
    public static func date(dayNumber: Int) -> String {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9999).contains(year) else {
            func padded(_ value: Int, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
        }
        // Digit by digit in place: every sale on the writer dates its vouchers' last day.
        return String(unsafeUninitializedCapacity: 10) { buffer in
            func write(_ value: Int, endingAt end: Int, width: Int) {
                var rest = value
                for index in stride(from: end - 1, through: end - width, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            write(year, endingAt: 4, width: 4)
            buffer[4] = UInt8(ascii: "-")
            write(month, endingAt: 7, width: 2)
            buffer[7] = UInt8(ascii: "-")
            write(day, endingAt: 10, width: 2)
            return 10
        }
    }
}

/// A time slot of a visit date, "HH:MM-HH:MM", with its minutes since midnight.
public struct TimeSlot: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    /// Nil for text that is not two 24-hour times, the first before the second.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]), start < end else {
            return nil
        }
        self.start = start
        self.end = end
    }

    /// Minutes since midnight of "HH:MM" (00:00–24:00).
    public static func minutes(_ text: some StringProtocol) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...24).contains(hours), (0..<60).contains(minutes), hours * 60 + minutes <= 1440
        else { return nil }
        return hours * 60 + minutes
    }

    public static func clock(_ minutes: Int) -> String {
        let hours = String(minutes / 60)
        let rest = String(minutes % 60)
        return String(repeating: "0", count: 2 - hours.count) + hours + ":" + String(repeating: "0", count: 2 - rest.count) + rest
    }

    public var description: String { Self.clock(start) + "-" + Self.clock(end) }

    public static func < (lhs: TimeSlot, rhs: TimeSlot) -> Bool { (lhs.start, lhs.end) < (rhs.start, rhs.end) }

    public func overlaps(_ other: TimeSlot) -> Bool { start < other.end && other.start < end }
}

/// When a product's tickets may be sold and used; nil and zero mean no rule.
public struct BookingRules: Sendable, Equatable, CustomStringConvertible {
    /// Sales open this many days ahead; nil for the daemon's bound.
    public var saleDaysAhead: Int?
    /// Sales for a date (from its midnight) or a slot (from its start) stop this long before.
    public var cutoffMinutes: Int?
    /// Same-day sales stop at this minute of the day.
    public var sameDayUntil: Int?
    public var slotAdmission: Bool
    public var admissionGraceMinutes: Int

    public init(
        saleDaysAhead: Int? = nil, cutoffMinutes: Int? = nil, sameDayUntil: Int? = nil, slotAdmission: Bool = false,
        admissionGraceMinutes: Int = 0
    ) {
        self.saleDaysAhead = saleDaysAhead
        self.cutoffMinutes = cutoffMinutes
        self.sameDayUntil = sameDayUntil
        self.slotAdmission = slotAdmission
        self.admissionGraceMinutes = admissionGraceMinutes
    }

    /// As the audit log shows it.
    public var description: String {
        [
            saleDaysAhead.map { "sales open \($0) days ahead" } ?? "sales open 366 days ahead",
            cutoffMinutes.map { "cutoff \($0) min" },
            sameDayUntil.map { "same-day sales until \(TimeSlot.clock($0))" },
            slotAdmission ? "admission within the slot ± \(admissionGraceMinutes) min" : nil,
        ].compactMap { $0 }.joined(separator: ", ")
    }

    package init(row: some ColumnReading) {
        saleDaysAhead = row["sale_days_ahead"]
        cutoffMinutes = row["cutoff_minutes"]
        sameDayUntil = row["same_day_until"]
        slotAdmission = row["slot_admission"] ?? false
        admissionGraceMinutes = row["admission_grace_minutes"] ?? 0
    }
}

/// "Now" in the scenic area, as the calendar's rules need it.
public struct SceneNow: Sendable, Equatable {
    /// YYYY-MM-DD.
    public var today: String
    /// Minutes since today's midnight.
    public var minuteOfDay: Int

    public init(today: String, minuteOfDay: Int) {
        self.today = today
        self.minuteOfDay = minuteOfDay
    }
}

/// A slot of a date as stored: its capacity (nil: none) and what it has sold.
public struct SlotRecord: Sendable, Equatable {
    public var slot: TimeSlot
    public var capacity: Int?
    public var sold: Int

    package init(slot: TimeSlot, capacity: Int?, sold: Int) {
        self.slot = slot
        self.capacity = capacity
        self.sold = sold
    }
}

/// One visit date of a product as the calendar sees it, with what a distributor may buy.
public struct CalendarDayRecord: Sendable, Equatable {
    public var date: String
    /// Whether anything was ever set for the date (else it is open, unlimited, at the usual prices).
    public var onCalendar: Bool
    public var closed: Bool
    public var closeReason: String
    public var capacity: Int?
    public var sold: Int
    public var retailPriceFen: Int64
    /// The distributor's settlement price that date; nil when it has no binding.
    public var settlementPriceFen: Int64?
    public var allotment: Int?
    public var allotmentSold: Int
    public var slots: [SlotRecord]
    /// Minutes from now until sales for the date stop; nil for never. Negative: stopped.
    public var minutesToCutoff: Int?
    /// Per slot (same order as `slots`).
    public var slotMinutesToCutoff: [Int?]
    /// Past the product's booking window.
    public var outsideWindow: Bool
}

/// Refusals of calendar writes and of sales the calendar does not allow; nothing was written.
public enum CalendarError: Error, Sendable, Equatable {
    case bindingNotFound(distributorID: Int64, productCode: String)
    /// A capacity, slot or allotment below what is already sold on these dates.
    case belowSold(dates: [String])
    /// A settlement price above the retail price of these dates.
    case settlementAboveRetail(distributorID: Int64, dates: [String])
    /// Removing slots that have sold tickets.
    case slotsHaveSales(dates: [String])
    case dateClosed(date: String, reason: String)
    case soldOut(remaining: Int, scope: String)
    case outsideBookingWindow(lastDate: String)
    case pastCutoff
    case slotRequired
    case slotNotFound(String)
    /// At the gate: a voucher of a slot outside its slot.
    case notInSlot(code: String, slot: String)
}

/// A date's row of the calendar as a sale reads it, with the distributor's allotment and
/// price of the date, from the columns ``select`` names.
package struct StoredCalendarDay {
    var closed: Bool
    var closeReason: String
    var capacity: Int?
    var sold: Int
    var retailPriceFen: Int64?
    /// Rows in calendar_slot: a sale reads them only when there are some.
    package var slotCount: Int
    var allotment: (limit: Int, sold: Int)?
    var settlementPriceFen: Int64?

    package init(row: some ColumnReading) {
        closed = row["closed"]
        closeReason = row["close_reason"]
        capacity = row["capacity"]
        sold = row["sold"]
        retailPriceFen = row["retail_price_fen"]
        slotCount = row["slots"]
        allotment = (row["allotment"] as Int?).map { ($0, row["allotment_sold"]) }
        settlementPriceFen = row["settlement_price_fen"]
    }

    /// The columns, for a query joining `calendar_day AS day`, `calendar_allotment AS
    /// allotment` and `calendar_settlement_price AS price`.
    package static let columns = """
        day.closed AS closed, day.close_reason AS close_reason, day.capacity AS capacity, day.sold AS sold,
        day.retail_price_fen AS retail_price_fen, day.slots AS slots, allotment.allotment AS allotment,
        allotment.sold AS allotment_sold, price.settlement_price_fen AS settlement_price_fen
        """
}

extension CalendarDayRecord {
    /// The date as `now` sees it for a distributor whose binding price is `bindingPrice`
    /// (nil: none), from its stored row (nil: never set) and its slots.
    package init(
        date: String, product: ProductRecord, rules: BookingRules, stored: StoredCalendarDay?, slots: [SlotRecord],
        bindingPrice: Int64?, now: SceneNow
    ) {
        let daysAhead = (CalendarDates.dayNumber(date) ?? 0) - (CalendarDates.dayNumber(now.today) ?? 0)
        // Minutes from now until `minute` of the visit date.
        let until = { (minute: Int) in daysAhead * 1440 + minute - now.minuteOfDay }
        // A date's sales stop at the earliest of its cutoff and the same-day time.
        func cutoff(startMinute: Int, end: Int?) -> Int? {
            var stops: [Int] = []
            if let minutes = rules.cutoffMinutes { stops.append(until(startMinute) - minutes) }
            if let end { stops.append(until(end)) }
            if let sameDay = rules.sameDayUntil { stops.append(until(sameDay)) }
            return stops.min()
        }
        let slots = slots.sorted { $0.slot < $1.slot }
        self.init(
            date: date, onCalendar: stored != nil, closed: stored?.closed ?? false, closeReason: stored?.closeReason ?? "",
            capacity: stored?.capacity, sold: stored?.sold ?? 0, retailPriceFen: stored?.retailPriceFen ?? product.retailPriceFen,
            settlementPriceFen: bindingPrice.map { stored?.settlementPriceFen ?? $0 }, allotment: stored?.allotment?.limit,
            allotmentSold: stored?.allotment?.sold ?? 0, slots: slots, minutesToCutoff: cutoff(startMinute: 0, end: nil),
            slotMinutesToCutoff: slots.map { cutoff(startMinute: $0.slot.start, end: $0.slot.end) },
            outsideWindow: daysAhead > (rules.saleDaysAhead ?? Int.max))
    }

    /// Refuses `sale` when the date does not take it: outside the booking window, closed,
    /// a slot missing or unknown, past its cutoff, or more tickets than the day, the slot or
    /// the allotment has left.
    package func requireRoom(for sale: SaleRequest, rules: BookingRules) throws {
        if outsideWindow {
            let today = CalendarDates.dayNumber(sale.now.today) ?? 0
            throw CalendarError.outsideBookingWindow(lastDate: CalendarDates.date(dayNumber: today + (rules.saleDaysAhead ?? 366)))
        }
        if closed { throw CalendarError.dateClosed(date: date, reason: closeReason) }
        let slotIndex: Int?
        if slots.isEmpty {
            guard sale.slot.isEmpty else { throw CalendarError.slotNotFound(sale.slot) }
            slotIndex = nil
            if let minutes = minutesToCutoff, minutes <= 0 { throw CalendarError.pastCutoff }
        } else {
            guard !sale.slot.isEmpty else { throw CalendarError.slotRequired }
            guard let index = slots.firstIndex(where: { $0.slot.description == sale.slot }) else {
                throw CalendarError.slotNotFound(sale.slot)
            }
            slotIndex = index
            if let minutes = slotMinutesToCutoff[index], minutes <= 0 { throw CalendarError.pastCutoff }
        }
        let quantity = sale.quantity
        if let capacity, sold + quantity > capacity {
            throw CalendarError.soldOut(remaining: capacity - sold, scope: "day")
        }
        if let slotIndex, let capacity = slots[slotIndex].capacity, slots[slotIndex].sold + quantity > capacity {
            throw CalendarError.soldOut(remaining: capacity - slots[slotIndex].sold, scope: "slot")
        }
        if let allotment, allotmentSold + quantity > allotment {
            throw CalendarError.soldOut(remaining: allotment - allotmentSold, scope: "allotment")
        }
    }
}

extension CalendarDates {
    /// As the audit log names a change's dates.
    package func described(count: Int) -> String {
        let weekdays = weekdays.isEmpty ? "" : " weekdays " + weekdays.sorted().map(String.init).joined(separator: ",")
        return "\(from)…\(to)\(weekdays) (\(count) dates)"
    }
}

/// What a capacity change would break, date by date: a day or slot limited below what it
/// has sold, or a slot with sales dropped. Both stores note each date's, write only while
/// none is found, and refuse the change with every date at fault.
package struct CapacityConflicts {
    private var below: Set<String> = []
    private var slotSales: Set<String> = []

    package init() {}

    /// Notes `day`'s conflicts under `capacity` and `slots`, given what it has sold and its
    /// slots' rows (`slot`, `sold`); answers whether no date has any so far.
    package mutating func check(day: String, sold: Int, slotRows: [Row], capacity: Int?, slots: [(slot: TimeSlot, capacity: Int)]) -> Bool {
        if let capacity, sold > capacity { below.insert(day) }
        for row in slotRows {
            let name: String = row["slot"]
            let soldInSlot: Int = row["sold"]
            if let kept = slots.first(where: { $0.slot.description == name }) {
                if soldInSlot > kept.capacity { below.insert(day) }
            } else if soldInSlot > 0 {
                slotSales.insert(day)
            }
        }
        return below.isEmpty && slotSales.isEmpty
    }

    /// Refuses the change when any date has a conflict.
    package func requireNone() throws {
        if !below.isEmpty { throw CalendarError.belowSold(dates: below.sorted()) }
        if !slotSales.isEmpty { throw CalendarError.slotsHaveSales(dates: slotSales.sorted()) }
    }
}
