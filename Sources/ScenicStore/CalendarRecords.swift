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

    /// The dates themselves, from SQLite's own calendar so that the store and its checks
    /// agree on every date. strftime's %w counts Sunday as 0.
    func days(_ db: Database) throws -> [String] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                WITH RECURSIVE day(d) AS (SELECT date(?) UNION ALL SELECT date(d, '+1 day') FROM day WHERE d < date(?))
                SELECT d, CAST(strftime('%w', d) AS INTEGER) AS w FROM day
                """,
            arguments: [from, to])
        return rows.compactMap { row in
            let weekday: Int = row["w"] == 0 ? 7 : row["w"]
            return weekdays.isEmpty || weekdays.contains(weekday) ? row["d"] : nil
        }
    }

    /// Days from 1970-01-01 to a YYYY-MM-DD date of the proleptic Gregorian calendar
    /// (Howard Hinnant's days_from_civil): a sale counts days ahead without a query.
    public static func dayNumber(_ date: String) -> Int? {
        let parts = date.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
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
        func padded(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
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

    package init(row: Row) {
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
