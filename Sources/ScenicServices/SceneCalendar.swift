import Foundation
import ScenicStore

/// Dates as the scenic area lives them: visit dates, "today" and day bounds are in its
/// time zone (default Asia/Shanghai), written YYYY-MM-DD.
public struct SceneCalendar: Sendable {
    public let timeZone: TimeZone
    /// Made once: every sale asks for today and checks its visit date.
    private let calendar: Calendar

    public init(timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    public func day(of date: Date) -> String {
        Self.day(of: calendar.dateComponents([.year, .month, .day], from: date))
    }

    private static func day(of parts: DateComponents) -> String {
        func digits(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(parts.year, 4))-\(digits(parts.month, 2))-\(digits(parts.day, 2))"
    }

    /// The scenic area's day and minute of the day at `date`, for the calendar's cutoffs.
    /// One reading of Foundation's calendar, which costs more than the rest of a sale's checks.
    public func now(of date: Date) -> SceneNow {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return SceneNow(today: Self.day(of: parts), minuteOfDay: (parts.hour ?? 0) * 60 + (parts.minute ?? 0))
    }

    /// The instant a YYYY-MM-DD day begins, or nil when the text is not a real date.
    public func start(of day: String) -> Millis? {
        let parts = day.split(separator: "-")
        guard day.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
            let date = calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth)),
            self.day(of: date) == day
        else { return nil }
        return date.millis
    }

    /// The instant the day after `day` begins.
    public func end(of day: String) -> Millis? {
        guard let start = start(of: day), let next = calendar.date(byAdding: .day, value: 1, to: Date(millis: start)) else {
            return nil
        }
        return next.millis
    }
}
