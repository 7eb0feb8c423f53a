import Foundation

/// RFC 3339 timestamps in UTC with milliseconds, as every API shows time.
public enum ISOTime {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func format(_ millis: Millis) -> String {
        style.format(Date(millis: millis))
    }

    /// Parses RFC 3339 (with or without fractional seconds) or a bare `YYYY-MM-DD`
    /// (midnight UTC); nil when it is neither.
    public static func parse(_ text: String) -> Millis? {
        if let date = try? style.parse(text) { return date.millis }
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text) { return date.millis }
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().parse(text) { return date.millis }
        return nil
    }
}
