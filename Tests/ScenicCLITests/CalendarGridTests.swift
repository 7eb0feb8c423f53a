import Foundation
import ScenicClient
import Testing

@testable import ScenicCLI

@Suite("The point of sale's month grid")
struct CalendarGridTests {
    static func day(
        _ date: String, _ status: Scenic_V1_Availability, remaining: Int32 = -1, priceFen: Int64 = 9800, reason: String = "",
        slots: [(String, Scenic_V1_Availability, Int32)] = []
    ) -> Scenic_V1_DayAvailability {
        var day = Scenic_V1_DayAvailability()
        day.date = date
        day.status = status
        day.remaining = remaining
        day.unlimited = remaining < 0
        day.settlementPriceFen = priceFen
        day.reason = reason
        day.slots = slots.map { name, status, remaining in
            var slot = Scenic_V1_SlotAvailability()
            slot.slot = name
            slot.status = status
            slot.remaining = remaining
            return slot
        }
        return day
    }

    /// Every day of `month` available and unlimited at ¥98.00, with `overrides` in place.
    static func month(_ month: CalendarMonth, _ overrides: [Scenic_V1_DayAvailability] = []) -> [Scenic_V1_DayAvailability] {
        (1...month.dayCount).map { number in
            let date = month.date(number)
            return overrides.first { $0.date == date } ?? day(date, .available)
        }
    }

    /// The grid's lines: the title, the header, then three lines and a blank one a week.
    struct Grid {
        let lines: [String]
        /// Where each column starts, read from the header.
        let columns: [Int]

        init(_ text: String) throws {
            lines = text.components(separatedBy: "\n")
            let header = lines[1]
            columns = try ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].map { name in
                let range = try #require(header.range(of: name))
                return header.distance(from: header.startIndex, to: range.lowerBound)
            }
        }

        /// The three lines of a week (0 is the first), cut into their seven cells, trimmed.
        func week(_ index: Int) -> [[String]] {
            (0..<3).map { row in
                let line = Array(lines[2 + index * 4 + row])
                return columns.indices.map { column in
                    let start = columns[column]
                    let end = column + 1 < columns.count ? columns[column + 1] : max(line.count, start)
                    guard start < line.count else { return "" }
                    return String(line[start..<min(end, line.count)]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
    }

    @Test("columns are evenly spaced and every cell starts at its column, whatever its width")
    func columnsLineUp() throws {
        let december = try #require(CalendarMonth("2026-12"))
        let days = Self.month(december, [
            Self.day("2026-12-02", .limited, remaining: 3, priceFen: 12_345_678),
            Self.day("2026-12-09", .available, remaining: 1200),
            Self.day("2026-12-16", .soldOut, remaining: 0),
        ])
        let grid = try Grid(CalendarGrid.render(december, days: days))
        let width = grid.columns[1] - grid.columns[0]
        #expect(grid.columns == (0..<7).map { $0 * width })
        // The widest text, "¥123456.78", widens every cell alike.
        #expect(width == "¥123456.78".count + 1)
        let weekLines = grid.lines[2...].prefix { !$0.hasPrefix("N left") }.filter { !$0.isEmpty }
        #expect(weekLines.count == 5 * 3)
        for line in weekLines {
            let characters = Array(line)
            for column in grid.columns.dropFirst() where column <= characters.count {
                #expect(characters[column - 1] == " ", "a cell runs into the next column in \(line)")
            }
            for (offset, character) in characters.enumerated() where character != " " {
                let previous = offset == 0 ? " " : characters[offset - 1]
                if previous == " ", offset >= 2, !grid.columns.contains(offset) {
                    // A cell's text may hold one space ("3 left"), never start off its column.
                    #expect(characters[offset - 2] != " ", "text off its column in \(line)")
                }
            }
        }
        #expect(grid.week(0)[0] == ["", "1", "2", "3", "4", "5", "6"])
        #expect(grid.week(0)[1][2] == "3 left")
        #expect(grid.week(0)[2][2] == "¥123456.78")
        #expect(grid.week(1)[1][2] == "1200 left")
        #expect(grid.week(1)[1][0] == "many")
    }

    @Test("a month starting on Sunday puts the 1st under Su and leaves the six days before it blank")
    func monthStartingOnSunday() throws {
        let november = try #require(CalendarMonth("2026-11"))
        #expect(november.weekday(ofDay: 1) == 7)
        let grid = try Grid(CalendarGrid.render(november, days: Self.month(november)))
        #expect(grid.lines[0] == "November 2026")
        #expect(grid.lines[1].hasPrefix("Mo"))
        #expect(grid.week(0)[0] == ["", "", "", "", "", "", "1"])
        #expect(grid.week(0)[1] == ["", "", "", "", "", "", "many"])
        #expect(grid.week(0)[2] == ["", "", "", "", "", "", "¥98.00"])
        #expect(grid.lines[2].prefix(grid.columns[6]).allSatisfy { $0 == " " })
        #expect(grid.week(1)[0] == ["2", "3", "4", "5", "6", "7", "8"])
        // 30 days from a Sunday: six weeks, the last holding only Monday the 30th.
        #expect(grid.week(5)[0] == ["30", "", "", "", "", "", ""])
        #expect(grid.lines[2 + 5 * 4] == "30")
    }

    @Test("sold-out and closed days say so and show no price; closed reasons, and the slots of dates on sale, follow the grid")
    func soldOutAndClosed() throws {
        let november = try #require(CalendarMonth("2026-11"))
        let days = Self.month(november, [
            Self.day("2026-11-03", .soldOut, remaining: 0, slots: [("09:00-11:00", .soldOut, 0)]),
            Self.day("2026-11-04", .closed, remaining: 5, reason: "Gate maintenance", slots: [("09:00-11:00", .closed, 5)]),
            Self.day("2026-11-05", .closed, remaining: -1),
            Self.day("2026-11-06", .limited, remaining: 2, slots: [("09:00-11:00", .soldOut, 0), ("14:00-16:00", .limited, 2)]),
        ])
        let text = CalendarGrid.render(november, days: days)
        let grid = try Grid(text)
        let week = grid.week(1)
        #expect(week[0] == ["2", "3", "4", "5", "6", "7", "8"])
        #expect(week[1] == ["many", "sold out", "closed", "closed", "2 left", "many", "many"])
        #expect(week[2] == ["¥98.00", "", "", "", "¥98.00", "¥98.00", "¥98.00"])
        #expect(text.contains("\n" + CalendarGrid.legend + "\n"))
        #expect(text.contains("\nclosed 2026-11-04: Gate maintenance"))
        #expect(!text.contains("closed 2026-11-05"))
        // Only dates that can still be bought list their slots.
        #expect(text.hasSuffix("\nclosed 2026-11-04: Gate maintenance\nslots 2026-11-06: 09:00-11:00 sold out, 14:00-16:00 2 left"))
    }

    @Test("a day the answer leaves out keeps its number and nothing else")
    func missingDay() throws {
        let february = try #require(CalendarMonth("2027-02"))
        let days = Self.month(february).filter { $0.date != "2027-02-10" }
        let grid = try Grid(CalendarGrid.render(february, days: days))
        // 1 February 2027 is a Monday.
        #expect(grid.week(1)[0] == ["8", "9", "10", "11", "12", "13", "14"])
        #expect(grid.week(1)[1][2] == "")
        #expect(grid.week(1)[2][2] == "")
    }
}
