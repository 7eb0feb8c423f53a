import Testing

@testable import ScenicCLI

@Suite("Months and weekdays in the clients")
struct CalendarMonthTests {
    @Test("a month's dates, length and title")
    func month() throws {
        let december = try #require(CalendarMonth("2026-12"))
        #expect(december.firstDate == "2026-12-01")
        #expect(december.lastDate == "2026-12-31")
        #expect(december.title == "December 2026")
        #expect(CalendarMonth("2024-02")?.dayCount == 29)
        #expect(CalendarMonth("2100-02")?.dayCount == 28)
        #expect(CalendarMonth("2000-02")?.dayCount == 29)
        #expect(CalendarMonth("0999-01")?.description == "0999-01")
    }

    @Test(arguments: ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "", "２０２６-01", "2026-+1"])
    func notAMonth(_ text: String) {
        #expect(CalendarMonth(text) == nil)
    }

    @Test("weekdays of dates, checked against dates whose weekday is known")
    func weekdays() {
        #expect(CalendarMonth.weekday(of: "2026-11-29") == 7)
        #expect(CalendarMonth.weekday(of: "2026-11-30") == 1)
        #expect(CalendarMonth.weekday(of: "2024-02-29") == 4)
        #expect(CalendarMonth.weekday(of: "2000-01-01") == 6)
        #expect(CalendarMonth.weekday(of: "2027-01-01") == 5)
        #expect(CalendarMonth.weekday(of: "2026-02-29") == nil)
        #expect(CalendarMonth.weekday(of: "2026-11-3") == nil)
        #expect(CalendarMonth.weekday(of: "2026-11x30") == nil)
    }

    @Test("--weekdays takes names and numbers, comma separated, and names what it refuses")
    func weekdayList() throws {
        #expect(try Weekday.list("sat,sun") == [6, 7])
        #expect(try Weekday.list("Mon, 3,FRI") == [1, 3, 5])
        #expect(Weekday.name(6) == "sat")
        for bad in ["funday", "0", "8", "sat,,sun", ""] {
            #expect(throws: (any Error).self) { try Weekday.list(bad) }
        }
    }
}
