import ArgumentParser

/// A month of the Gregorian calendar, as `--month 2026-12` names it: its dates, and the
/// weekday each falls on. Plain arithmetic on calendar dates, so no time zone can shift a
/// day into its neighbour.
public struct CalendarMonth: Sendable, Equatable, ExpressibleByArgument, CustomStringConvertible {
    public let year: Int
    /// 1 = January … 12 = December.
    public let month: Int

    /// `YYYY-MM`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), (1...9999).contains(year), (1...12).contains(month)
        else { return nil }
        self.year = year
        self.month = month
    }

    public init?(argument: String) {
        self.init(argument)
    }

    public var description: String { Self.padded(year, 4) + "-" + Self.padded(month, 2) }

    /// "December 2026".
    public var title: String { Self.names[month - 1] + " \(year)" }

    public var dayCount: Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD` of a day of the month.
    public func date(_ day: Int) -> String { description + "-" + Self.padded(day, 2) }

    public var firstDate: String { date(1) }
    public var lastDate: String { date(dayCount) }

    /// The ISO weekday (1 = Monday … 7 = Sunday) of a day of the month, by Sakamoto's
    /// method.
    public func weekday(ofDay day: Int) -> Int {
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        let sundayBased = (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7
        return sundayBased == 0 ? 7 : sundayBased
    }

    /// The ISO weekday of a `YYYY-MM-DD` date; nil when it is not a date.
    public static func weekday(of date: String) -> Int? {
        guard date.count == 10, let month = CalendarMonth(String(date.prefix(7))), date.dropFirst(7).first == "-" else { return nil }
        let dayText = date.suffix(2)
        guard dayText.allSatisfy(\.isASCIIDigit), let day = Int(dayText), (1...month.dayCount).contains(day) else { return nil }
        return month.weekday(ofDay: day)
    }

    private static let names = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    private static func padded(_ value: Int, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - String(value).count)) + String(value)
    }
}
