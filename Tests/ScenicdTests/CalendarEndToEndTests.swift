import Foundation
import Testing

/// The calendar through both executables against a real daemon: capacity by date and time
/// slot, closed dates, prices by date, allotments and booking rules, as a park sets them
/// and a point of sale meets them.
@Suite("Calendar end to end", .serialized)
struct CalendarEndToEndTests {
    @Test("capacity 3 in two slots of 2 a day: slot required, sold out by slot and by day, closed, priced by date, refunded and sold again")
    func scenario() async throws {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12", "--time-zone", "Asia/Shanghai"])
        let sessions = daemon.dataDirectory + "-sessions"
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory, "XDG_CONFIG_HOME": sessions]
        func admin(_ arguments: String...) async throws -> CommandResult {
            try await CommandResult.run("scenic-admin", arguments, environment: environment)
        }
        func pos(_ arguments: String..., input: String? = nil) async throws -> CommandResult {
            try await CommandResult.run("scenic-pos", arguments, environment: environment, input: input)
        }
        func json(_ result: CommandResult) throws -> [String: Any] {
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        func refused(_ result: CommandResult, _ reason: String) {
            #expect(result.status == 1, "\(result.stdout)")
            #expect(result.stderr.contains(reason), "\(result.stderr)")
        }

        // Dates count from today in the daemon's time zone, so that the test never depends
        // on the day it runs; the first is tomorrow, so that no slot of it has begun.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let now = Date()
        func day(_ offset: Int) -> Date { calendar.date(byAdding: .day, value: offset, to: now)! }
        func date(_ offset: Int) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: day(offset))
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
        // A week from tomorrow holds exactly one Saturday and one Sunday (weekdays 7 and 1).
        let week = (1...7).map(date)
        let weekend = Set((1...7).filter { [1, 7].contains(calendar.component(.weekday, from: day($0))) }.map(date))
        #expect(weekend.count == 2)
        let first = week[0]
        let month = String(first.prefix(7))

        let created = try json(try await admin("distributor", "create", "--name", "Hotel Desk", "--phone", "13800138000", "--json"))
        let password = try #require(created["initialPassword"] as? String)
        #expect(try await pos("login", "--phone", "13800138000", "--password-stdin", input: password + "\n").status == 0)
        #expect(try await pos("passwd", "--password-stdin", input: "\(password)\nthe desk 2026\n").status == 0)
        #expect(try await admin("product", "create", "--code", "GATE", "--name", "Gate ticket", "--price", "120.00").status == 0)
        #expect(try await admin("distributor", "bind", "1", "--product", "GATE=98.00").status == 0)
        #expect(try await admin("distributor", "recharge", "1", "1000.00").status == 0)

        // The week: 3 tickets a day, in a morning and an afternoon slot of 2 each.
        let set = try await admin(
            "calendar", "set", "GATE", "--from", first, "--to", week[6], "--capacity", "3", "--slot", "09:00-11:00=2", "--slot",
            "14:00-16:00=2")
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "7 dates set\n")
        let both = try await admin("calendar", "set", "GATE", "--from", first, "--to", first, "--capacity", "3", "--unlimited")
        #expect(both.status != 0)
        #expect(both.stderr.contains("either --capacity N or --unlimited"))

        let shown = try await admin("calendar", "show", "GATE", "--month", month)
        #expect(shown.status == 0, "\(shown.stderr)")
        let firstRow = try #require(shown.stdout.split(separator: "\n").first { $0.hasPrefix(first) })
        #expect(firstRow.split(separator: " ", omittingEmptySubsequences: true).prefix(8).map(String.init)
            == [first, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][calendar.component(.weekday, from: day(1)) - 1], "limited", "0",
                "3", "0%", "3", "120.00"])
        #expect(shown.stdout.contains("\n  09:00-11:00  "))
        #expect(shown.stdout.contains("\n  14:00-16:00  "))

        let grid = try await pos("availability", "GATE", "--month", month)
        #expect(grid.status == 0, "\(grid.stderr)")
        #expect(grid.stdout.contains("\nMo        Tu        We        Th        Fr        Sa        Su\n"))
        #expect(grid.stdout.contains("3 left"))
        #expect(grid.stdout.contains("¥98.00"))
        #expect(grid.stdout.contains("\nslots \(first): 09:00-11:00 2 left, 14:00-16:00 2 left\n"))

        // A date sold by slots needs one; a slot and the day each stop at their capacity.
        refused(
            try await pos("sell", "--product", "GATE", "--quantity", "1", "--visit-date", first),
            "field slot: this date sells by time slot: name one (SLOT_REQUIRED)")
        let morning = try json(
            try await pos("sell", "--product", "GATE", "--quantity", "2", "--visit-date", first, "--slot", "09:00-11:00", "--json"))
        #expect(morning["amountFen"] as? String == "19600")
        let morningCodes = try #require(morning["voucherCodes"] as? [String])
        let slotFull = try await pos("sell", "--product", "GATE", "--quantity", "1", "--visit-date", first, "--slot", "09:00-11:00")
        refused(slotFull, "reason: SOLD_OUT")
        #expect(slotFull.stderr.contains("sold out (slot)"))
        let dayNearlyFull = try await pos("sell", "--product", "GATE", "--quantity", "2", "--visit-date", first, "--slot", "14:00-16:00")
        refused(dayNearlyFull, "reason: SOLD_OUT")
        #expect(dayNearlyFull.stderr.contains("only 1 left (day)"))
        #expect(try await pos("sell", "--product", "GATE", "--quantity", "1", "--visit-date", first, "--slot", "14:00-16:00").status == 0)
        let full = try json(try await pos("availability", "GATE", "--month", month, "--json"))
        let fullDay = try #require((full["days"] as? [[String: Any]])?.first { $0["date"] as? String == first })
        #expect(fullDay["status"] as? String == "AVAILABILITY_SOLD_OUT")
        #expect(!(try await pos("availability", "GATE", "--month", month)).stdout.contains("slots \(first)"))

        // A closed date refuses sales and says why.
        #expect(
            try await admin("calendar", "close", "GATE", "--from", week[1], "--to", week[1], "--reason", "Gate maintenance").stdout
                == "1 date closed\n")
        let closed = try await pos("sell", "--product", "GATE", "--quantity", "1", "--visit-date", week[1], "--slot", "09:00-11:00")
        refused(closed, "reason: DATE_CLOSED")
        #expect(closed.stderr.contains("Gate maintenance"))
        #expect(try await pos("availability", "GATE", "--month", String(week[1].prefix(7)))
            .stdout.contains("\nclosed \(week[1]): Gate maintenance"))

        // Weekend retail prices, and this distributor's own price on one date, which its sale is charged.
        #expect(try await admin("calendar", "prices", "GATE", "--from", first, "--to", week[6], "--weekdays", "sat,sun", "--retail", "150.00")
            .stdout == "prices set on 2 dates\n")
        #expect(try await admin("calendar", "prices", "GATE", "--from", week[2], "--to", week[2], "--settlement", "1=90.00").stdout
            == "prices set on 1 date\n")
        let priced = try json(try await admin("calendar", "show", "GATE", "--from", first, "--to", week[6], "--distributor", "1", "--json"))
        let pricedDays = try #require(priced["days"] as? [[String: Any]])
        #expect(pricedDays.map { $0["date"] as? String } == week)
        for entry in pricedDays {
            let visit = try #require(entry["date"] as? String)
            #expect(entry["retailPriceFen"] as? String == (weekend.contains(visit) ? "15000" : "12000"), "\(visit)")
            #expect(entry["settlementPriceFen"] as? String == (visit == week[2] ? "9000" : "9800"), "\(visit)")
        }
        let cheaper = try json(
            try await pos("sell", "--product", "GATE", "--quantity", "2", "--visit-date", week[2], "--slot", "09:00-11:00", "--json"))
        #expect(cheaper["amountFen"] as? String == "18000")
        #expect(try await pos("balance").stdout == "¥526.00\n")
        let vouchers = try json(try await pos("vouchers", "--json"))
        let onThatDate = (vouchers["vouchers"] as? [[String: Any]] ?? []).filter { $0["visitDate"] as? String == week[2] }
        #expect(onThatDate.count == 2)
        #expect(onThatDate.allSatisfy { $0["settlementPriceFen"] as? String == "9000" && $0["slot"] as? String == "09:00-11:00" })
        #expect(try await pos("vouchers").stdout.contains("\(week[2]) 09:00-11:00"))

        // A refund gives its seat back to the day and the slot, and it sells again.
        #expect(try await pos("refund", morningCodes[0]).status == 0)
        let again = try await pos("sell", "--product", "GATE", "--quantity", "1", "--visit-date", first, "--slot", "09:00-11:00")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await pos("balance").stdout == "¥526.00\n")

        // Capacity cannot go below what is sold.
        refused(
            try await admin(
                "calendar", "set", "GATE", "--from", week[2], "--to", week[2], "--capacity", "1", "--slot", "09:00-11:00=2", "--slot",
                "14:00-16:00=2"),
            "reason: BELOW_SOLD")

        // An allotment limits one distributor inside the day.
        #expect(try await admin("calendar", "allot", "GATE", "--distributor", "1", "--from", week[3], "--to", week[3], "--tickets", "1")
            .stdout == "allotment set on 1 date\n")
        let allotted = try await pos("sell", "--product", "GATE", "--quantity", "2", "--visit-date", week[3], "--slot", "09:00-11:00")
        refused(allotted, "reason: SOLD_OUT")
        #expect(allotted.stderr.contains("only 1 left (allotment)"))
        let allotmentRow = try #require(
            (try await admin("calendar", "show", "GATE", "--from", week[3], "--to", week[3], "--distributor", "1")).stdout
                .split(separator: "\n").first { $0.hasPrefix(week[3]) })
        #expect(allotmentRow.contains(" 0/1 "))

        // Booking rules: only the flags given change.
        let rules = try await admin("calendar", "rules", "GATE")
        #expect(rules.stdout.contains("366 days ahead"))
        let changed = try json(
            try await admin("calendar", "rules", "GATE", "--days-ahead", "30", "--slot-admission", "--grace-minutes", "15", "--json"))
        #expect(changed["saleDaysAhead"] as? Int == 30)
        #expect(changed["slotAdmission"] as? Bool == true)
        #expect(changed["admissionGraceMinutes"] as? Int == 15)
        let kept = try json(try await admin("calendar", "rules", "GATE", "--no-slot-admission", "--json"))
        #expect(kept["saleDaysAhead"] as? Int == 30)
        #expect(kept["slotAdmission"] as? Bool == false)
        refused(try await pos("sell", "--product", "GATE", "--quantity", "1", "--visit-date", date(40)), "reason: OUTSIDE_BOOKING_WINDOW")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
