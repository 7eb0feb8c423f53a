import ScenicClient

/// A month of a product's availability drawn as a wall calendar for a terminal: one
/// column per weekday, Monday first, and each day a cell of three lines (the day, what is
/// left, the price), every cell one width so that the columns line up whatever they hold.
/// ASCII and "¥" only: characters a terminal may draw two columns wide (CJK, "∞") would
/// push the rest of their line out of its columns.
public enum CalendarGrid {
    /// The narrowest cell: room for "sold out" and for a price up to ¥99999.99.
    static let minimumCellWidth = 9
    static let weekdayHeaders = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    static let legend = "N left: tickets you may still buy   many: no limit   sold out   closed: not on sale   ¥: your price a ticket"

    /// The grid of `month`; a day `days` does not mention gets its number and nothing else.
    public static func render(_ month: CalendarMonth, days: [Scenic_V1_DayAvailability]) -> String {
        let byDate = Dictionary(days.map { ($0.date, $0) }, uniquingKeysWith: { first, _ in first })
        let cells: [[String]] = (1...month.dayCount).map { day in
            let availability = byDate[month.date(day)]
            return ["\(day)", availability.map { left($0.status, remaining: $0.remaining) } ?? "", availability.map(price) ?? ""]
        }
        let width = max(minimumCellWidth, cells.joined().map(\.count).max() ?? 0)
        func line(_ texts: [String]) -> String {
            var text = texts.map { $0 + String(repeating: " ", count: width - $0.count) }.joined(separator: " ")
            while text.last == " " { text.removeLast() }
            return text
        }
        // Days before the 1st in its first week are empty cells.
        let leading = [[String]?](repeating: nil, count: month.weekday(ofDay: 1) - 1)
        let placed = leading + cells.map { Optional($0) }
        var lines = [month.title, line(weekdayHeaders)]
        for weekStart in stride(from: 0, to: placed.count, by: 7) {
            let week = placed[weekStart..<min(weekStart + 7, placed.count)]
            for row in 0..<3 {
                lines.append(line(week.map { $0?[row] ?? "" }))
            }
            lines.append("")
        }
        lines.append(legend)
        for day in days where day.status == .closed && !day.reason.isEmpty {
            lines.append("closed \(day.date): \(day.reason)")
        }
        // A cell has no room for time slots, and a sale on such a date must name one.
        for day in days where (day.status == .available || day.status == .limited) && !day.slots.isEmpty {
            lines.append("slots \(day.date): " + day.slots.map { "\($0.slot) \(left($0.status, remaining: $0.remaining))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// What is left to buy, or why nothing is.
    static func left(_ status: Scenic_V1_Availability, remaining: Int32) -> String {
        switch status {
        case .closed: "closed"
        case .soldOut: "sold out"
        case .available, .limited: remaining < 0 ? "many" : "\(remaining) left"
        default: ""
        }
    }

    /// The caller's price, on a day it can buy at all.
    static func price(_ day: Scenic_V1_DayAvailability) -> String {
        guard day.status == .available || day.status == .limited, day.settlementPriceFen > 0 else { return "" }
        return "¥" + Output.yuan(day.settlementPriceFen)
    }
}
