import Foundation
import GRDB
import ScenicProto
import ScenicRPC
import SwiftProtobuf
import Testing

@testable import ScenicServices
@testable import ScenicStore

extension Harness {
    /// The scenic area's date `days` after today.
    func day(_ days: Int) -> String {
        services.accountPolicy.calendar.day(of: clock.now.addingTimeInterval(Double(days) * 86_400))
    }

    func range(_ from: Int, _ to: Int, weekdays: [Int32] = []) -> Scenic_V1_DateRange {
        var range = Scenic_V1_DateRange()
        range.fromDate = day(from)
        range.toDate = day(to)
        range.weekdays = weekdays
        return range
    }

    @discardableResult
    func setCapacity(
        _ dates: Scenic_V1_DateRange, capacity: Int32?, slots: [(String, Int32)] = [], code: String = "GATE"
    ) async throws -> Int32 {
        var request = Scenic_V1_SetCapacityRequest()
        request.productCode = code
        request.dates = dates
        request.unlimited = capacity == nil
        request.capacity = capacity ?? 0
        request.slots = slots.map { slot, capacity in
            var item = Scenic_V1_SlotCapacity()
            item.slot = slot
            item.capacity = capacity
            return item
        }
        let change: Scenic_V1_CalendarChange = try await call(admin, CalendarAdminService.service, "SetCapacity", request)
        return change.dates
    }

    func calendarCall<Request: SwiftProtobuf.Message>(_ method: String, _ request: Request) async throws -> Scenic_V1_CalendarChange {
        try await call(admin, CalendarAdminService.service, method, request)
    }

    func sell(token: String, on date: String, slot: String = "", quantity: Int32 = 1) async throws -> Scenic_V1_SellResponse {
        var request = Scenic_V1_SellRequest()
        request.productCode = "GATE"
        request.quantity = quantity
        request.visitDate = date
        request.slot = slot
        return try await call(pos, SalesService.service, "Sell", request, token: token)
    }

    func availability(token: String, from: Int, to: Int) async throws -> [Scenic_V1_DayAvailability] {
        var request = Scenic_V1_AvailabilityRequest()
        request.productCode = "GATE"
        request.fromDate = day(from)
        request.toDate = day(to)
        let response: Scenic_V1_AvailabilityResponse = try await call(pos, CatalogService.service, "Availability", request, token: token)
        return response.days
    }
}

@Suite("The calendar")
struct CalendarTests {
    @Test("64 concurrent sellers of 8 distributors against a capacity of 100 and allotments of 15: exactly 100 sold, no allotment exceeded, balances exact; refunds free seats that sell again")
    func noOverselling() async throws {
        let harness = try await Harness()
        var sellers: [(id: Int64, token: String)] = []
        for index in 0..<8 {
            sellers.append(try await harness.seller(phone: "1380013800\(index)", price: 9_800, balance: 10_000_000))
        }
        let date = harness.day(3)
        try await harness.setCapacity(harness.range(3, 3), capacity: 100)
        for seller in sellers {
            var allot = Scenic_V1_SetAllotmentRequest()
            allot.productCode = "GATE"
            allot.dates = harness.range(3, 3)
            allot.distributorID = seller.id
            allot.allotment = 15
            _ = try await harness.calendarCall("SetAllotment", allot)
        }
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for task in 0..<64 {
                let seller = sellers[task % 8]
                group.addTask {
                    var results: [String] = []
                    for _ in 0..<4 {
                        do {
                            _ = try await harness.sell(token: seller.token, on: date)
                            results.append("sold")
                        } catch let error as RPCError {
                            results.append(error.reason ?? "\(error.code)")
                        }
                    }
                    return results.joined(separator: ",")
                }
            }
            return try await group.reduce(into: [String: Int]()) { counts, line in
                for outcome in line.split(separator: ",") { counts[String(outcome), default: 0] += 1 }
            }
        }
        #expect(outcomes == ["sold": 100, "SOLD_OUT": 156])
        for seller in sellers {
            let sold: Int = try await harness.value("SELECT count(*) FROM voucher WHERE distributor_id = \(seller.id)") ?? 0
            #expect(sold <= 15)
            #expect(try await harness.store.money(distributorID: seller.id).balanceFen == 10_000_000 - Int64(sold) * 9_800)
        }
        #expect(try await harness.rowCount("voucher") == 100)
        try await harness.checkLedgerInvariants()

        // Ten refunds free ten seats, which sell again; the eleventh sale finds none.
        let vouchers = try await harness.rows("SELECT code, distributor_id FROM voucher ORDER BY id LIMIT 10")
        for row in vouchers {
            let token = sellers.first { $0.id == row["distributor_id"] }!.token
            _ = try await harness.refund(token: token, [row["code"]])
        }
        var resold = 0
        for seller in sellers where resold < 11 {
            while resold < 11, (try? await harness.sell(token: seller.token, on: date)) != nil { resold += 1 }
        }
        #expect(resold == 10)
        let days = try await harness.availability(token: sellers[0].token, from: 3, to: 3)
        #expect(days.first?.sold == 100 && days.first?.status == .soldOut && days.first?.remaining == 0)
        try await harness.checkLedgerInvariants()
    }

    @Test("a date without a calendar sells as before and writes nothing to the calendar")
    func unlimitedByDefault() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        for _ in 0..<3 { _ = try await harness.sell(token: token, on: harness.day(1), quantity: 5) }
        #expect(try await harness.rowCount("calendar_day") == 0)
        let day = try #require(try await harness.availability(token: token, from: 1, to: 1).first)
        #expect(day.unlimited && day.remaining == -1 && day.status == .available && day.settlementPriceFen == 9_800)
    }

    @Test("time slots: a sale names one, each slot keeps its own capacity, the voucher keeps its slot; a calendar set after sales counts them")
    func slots() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        _ = try await harness.sell(token: token, on: harness.day(2), quantity: 2)
        try await harness.setCapacity(harness.range(2, 2), capacity: 10, slots: [("09:00-11:00", 3), ("11:00-13:00", 5)])
        let slotRequired = try await expectFailure(.invalidArgument) { _ = try await harness.sell(token: token, on: harness.day(2)) }
        #expect(slotRequired.fieldViolations.map(\.reason) == ["SLOT_REQUIRED"])
        let unknown = try await expectFailure(.invalidArgument) { _ = try await harness.sell(token: token, on: harness.day(2), slot: "13:00-15:00") }
        #expect(unknown.fieldViolations.map(\.reason) == ["SLOT_NOT_FOUND"])
        _ = try await harness.sell(token: token, on: harness.day(2), slot: "09:00-11:00", quantity: 3)
        let full = try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") {
            _ = try await harness.sell(token: token, on: harness.day(2), slot: "09:00-11:00")
        }
        #expect(full.metadata["remaining"] == "0")
        // Day: 10 − 2 sold before the calendar − 3 = 5; the second slot has 5 too.
        let tooMany = try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") {
            _ = try await harness.sell(token: token, on: harness.day(2), slot: "11:00-13:00", quantity: 6)
        }
        #expect(tooMany.metadata["remaining"] == "5")
        let day = try #require(try await harness.availability(token: token, from: 2, to: 2).first)
        #expect(day.sold == 5 && day.remaining == 5)
        #expect(day.slots.map(\.slot) == ["09:00-11:00", "11:00-13:00"])
        #expect(day.slots.map(\.remaining) == [0, 5] && day.slots[0].status == .soldOut)
        let vouchers: Scenic_V1_ListVouchersResponse = try await harness.call(
            harness.pos, SalesService.service, "ListVouchers", Scenic_V1_VoucherFilter(), token: token)
        #expect(vouchers.vouchers.filter { $0.slot == "09:00-11:00" }.count == 3)
    }

    @Test("prices by date: the sale charges the date's settlement price and snapshots it; a refund credits exactly that")
    func pricesByDate() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 100_000)
        var prices = Scenic_V1_SetDatePricesRequest()
        prices.productCode = "GATE"
        prices.dates = harness.range(1, 7, weekdays: [6, 7])
        prices.retailPriceFen = 15_000
        var settlement = Scenic_V1_DistributorDatePrice()
        settlement.distributorID = id
        settlement.settlementPriceFen = 12_800
        prices.settlementPrices = [settlement]
        let change = try await harness.calendarCall("SetPrices", prices)
        #expect(change.dates == 2)
        let days = try await harness.availability(token: token, from: 1, to: 7)
        let weekend = try #require(days.first { $0.retailPriceFen == 15_000 })
        #expect(weekend.settlementPriceFen == 12_800)
        let weekday = try #require(days.first { $0.retailPriceFen == 12_000 })
        #expect(weekday.settlementPriceFen == 9_800)

        let sale = try await harness.sell(token: token, on: weekend.date)
        #expect(sale.amountFen == 12_800 && sale.balanceAfterFen == 100_000 - 12_800)
        _ = try await harness.sell(token: token, on: weekday.date)
        // The weekend price changes; the voucher keeps what it was sold at.
        settlement.settlementPriceFen = 11_000
        prices.settlementPrices = [settlement]
        prices.retailPriceFen = 0
        _ = try await harness.calendarCall("SetPrices", prices)
        let refund = try await harness.refund(token: token, sale.voucherCodes)
        #expect(refund.refundedFen == 12_800 && refund.vouchers.first?.retailPriceFen == 15_000)
        try await harness.checkLedgerInvariants()
    }

    @Test("closed dates, the booking window and cutoffs refuse a sale with their reasons; availability shows them closed")
    func bookingRules() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        var close = Scenic_V1_CloseDatesRequest()
        close.productCode = "GATE"
        close.dates = harness.range(1, 1)
        close.reason = "maintenance"
        _ = try await harness.calendarCall("Close", close)
        let closed = try await expectFailure(.failedPrecondition, reason: "DATE_CLOSED") { _ = try await harness.sell(token: token, on: harness.day(1)) }
        #expect(closed.metadata["close_reason"] == "maintenance")

        var rules = Scenic_V1_BookingRules()
        rules.productCode = "GATE"
        rules.saleDaysAhead = 30
        // The harness's clock stands at 16:00 in Shanghai.
        rules.sameDayUntil = "15:00"
        rules.cutoffMinutes = 60
        let _: Scenic_V1_BookingRules = try await harness.call(harness.admin, CalendarAdminService.service, "SetBookingRules", rules)
        try await expectFailure(.failedPrecondition, reason: "OUTSIDE_BOOKING_WINDOW") { _ = try await harness.sell(token: token, on: harness.day(31)) }
        _ = try await harness.sell(token: token, on: harness.day(30))
        try await expectFailure(.failedPrecondition, reason: "PAST_CUTOFF") { _ = try await harness.sell(token: token, on: harness.day(0)) }
        // A slot tomorrow at 09:00 with a cutoff of 60 minutes sells until 08:00 tomorrow.
        try await harness.setCapacity(harness.range(2, 2), capacity: nil, slots: [("09:00-10:00", 10)])
        _ = try await harness.sell(token: token, on: harness.day(2), slot: "09:00-10:00")

        let days = try await harness.availability(token: token, from: 0, to: 2)
        #expect(days.map(\.status) == [.closed, .closed, .limited])  // 9 of 10 left: few
        #expect(days[1].reason == "maintenance")
        #expect(days[2].slots.first?.cutoff.isEmpty == false)
        _ = try await harness.calendarCall("Open", { var open = Scenic_V1_OpenDatesRequest(); open.productCode = "GATE"; open.dates = harness.range(1, 1); return open }())
        _ = try await harness.sell(token: token, on: harness.day(1))
    }

    @Test("at the gate, a voucher of a slot admits only within its slot, widened by the grace, when its product says so")
    func slotAdmission() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        // The harness's clock stands at 16:00 in Shanghai.
        try await harness.setCapacity(harness.range(0, 0), capacity: nil, slots: [("15:00-17:00", 10), ("17:00-18:00", 10)])
        let now = try await harness.sell(token: token, on: harness.day(0), slot: "15:00-17:00").voucherCodes[0]
        let later = try await harness.sell(token: token, on: harness.day(0), slot: "17:00-18:00").voucherCodes
        var rules = Scenic_V1_BookingRules()
        rules.productCode = "GATE"
        rules.slotAdmission = true
        let _: Scenic_V1_BookingRules = try await harness.call(harness.admin, CalendarAdminService.service, "SetBookingRules", rules)
        _ = try await harness.redeem(now)
        let early = try await expectFailure(.failedPrecondition, reason: "NOT_IN_SLOT") { _ = try await harness.redeem(later[0]) }
        #expect(early.metadata["slot"] == "17:00-18:00")
        rules.admissionGraceMinutes = 60
        let _: Scenic_V1_BookingRules = try await harness.call(harness.admin, CalendarAdminService.service, "SetBookingRules", rules)
        _ = try await harness.redeem(later[0])
    }

    @Test("a binding's price or the product's retail price cannot be moved past a date's prices either")
    func bindingAndProductPricesKeepDatesWithinRetail() async throws {
        let harness = try await Harness()
        let (id, _) = try await harness.seller(balance: 0)
        var prices = Scenic_V1_SetDatePricesRequest()
        prices.productCode = "GATE"
        prices.dates = harness.range(3, 3)
        prices.retailPriceFen = 10_000
        _ = try await harness.calendarCall("SetPrices", prices)
        // Under the product's 120.00 but above that date's 100.00.
        let binding = try await expectFailure(.failedPrecondition, reason: "SETTLEMENT_ABOVE_RETAIL") {
            _ = try await harness.bind(id, [("GATE", 10_500)], method: "SetPrices")
        }
        #expect(binding.metadata["dates"] == harness.day(3))
        _ = try await harness.bind(id, [("GATE", 9_900)], method: "SetPrices")

        prices.dates = harness.range(4, 4)
        prices.retailPriceFen = 0
        var settlement = Scenic_V1_DistributorDatePrice()
        settlement.distributorID = id
        settlement.settlementPriceFen = 11_000
        prices.settlementPrices = [settlement]
        _ = try await harness.calendarCall("SetPrices", prices)
        var update = Scenic_V1_UpdateProductRequest()
        update.code = "GATE"
        update.retailPriceFen = 10_500
        let product = try await expectFailure(.failedPrecondition, reason: "SETTLEMENT_ABOVE_RETAIL") {
            let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Update", update)
        }
        #expect(product.metadata["dates"] == harness.day(4))
        #expect(try await harness.store.product(code: "GATE")?.retailPriceFen == 12_000)
    }

    @Test("days between dates are counted without a query, and dates written from them, as Foundation counts them")
    func dayNumbers() {
        #expect(CalendarDates.dayNumber("1970-01-01") == 0)
        #expect(CalendarDates.dayNumber("2000-02-29") == 11_016)
        let formatter = SceneCalendar(timeZone: TimeZone(identifier: "UTC")!)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let days = Int.random(in: -100_000...100_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(days) * 86_400)
            #expect(CalendarDates.dayNumber(formatter.day(of: date)) == days)
            #expect(CalendarDates.date(dayNumber: days) == formatter.day(of: date))
        }
        // Past the four-digit years, and the looser forms dates were always read in.
        for date in ["0000-03-01", "9999-12-31", "10000-01-01", "0001-01-01"] {
            #expect(CalendarDates.dayNumber(date).map(CalendarDates.date(dayNumber:)) == date)
        }
        #expect(CalendarDates.dayNumber("2026-1-5") == CalendarDates.dayNumber("2026-01-05"))
        #expect(CalendarDates.dayNumber("2026-01-0x") == nil)
        #expect(CalendarDates.dayNumber("2026/01/05") == nil)
    }

    static let badChanges: [(String, String, String)] = [
        ("from after to", "dates.to_date", "OUT_OF_RANGE"),
        ("in the past", "dates.from_date", "IN_THE_PAST"),
        ("more than a year", "dates.to_date", "OUT_OF_RANGE"),
        ("weekday 8", "dates.weekdays[0]", "OUT_OF_RANGE"),
        ("not a date", "dates.from_date", "INVALID_DATE"),
        ("overlapping slots", "slots[1].slot", "OVERLAPPING_SLOT"),
        ("a slot that ends before it starts", "slots[0].slot", "INVALID_SLOT"),
        ("a negative capacity", "capacity", "OUT_OF_RANGE"),
        ("an unknown product", "product_code", "PRODUCT_NOT_FOUND"),
    ]

    @Test("bad calendar changes are refused by their field and reason, and write nothing", arguments: badChanges)
    func badChange(_ change: (String, String, String)) async throws {
        let harness = try await Harness()
        _ = try await harness.seller()
        var request = Scenic_V1_SetCapacityRequest()
        request.productCode = "GATE"
        request.dates = harness.range(1, 5)
        request.capacity = 10
        switch change.0 {
        case "from after to": request.dates = harness.range(5, 1)
        case "in the past": request.dates = harness.range(-1, 1)
        case "more than a year": request.dates = harness.range(1, 367)
        case "weekday 8": request.dates.weekdays = [8]
        case "not a date": request.dates.fromDate = "2027-02-30"
        case "overlapping slots":
            request.slots = [("09:00-11:00", 5), ("10:00-12:00", 5)].map { slot, capacity in
                var item = Scenic_V1_SlotCapacity()
                item.slot = slot
                item.capacity = Int32(capacity)
                return item
            }
        case "a slot that ends before it starts":
            var item = Scenic_V1_SlotCapacity()
            item.slot = "11:00-09:00"
            request.slots = [item]
        case "a negative capacity": request.capacity = -1
        default: request.productCode = "NOPE"
        }
        let before = try await harness.rowCount("audit_log")
        let error = try await expectFailure(change.1 == "product_code" ? .notFound : .invalidArgument) {
            _ = try await harness.calendarCall("SetCapacity", request)
        }
        if change.1 == "product_code" {
            #expect(error.reason == change.2)
        } else {
            #expect(error.fieldViolations.map { "\($0.field) \($0.reason)" } == ["\(change.1) \(change.2)"])
        }
        #expect(try await harness.rowCount("calendar_day") == 0)
        #expect(try await harness.rowCount("calendar_slot") == 0)
        #expect(try await harness.rowCount("audit_log") == before)
    }

    @Test("a capacity, slot or allotment below what is sold, a settlement price above the date's retail price, and a retail price below a binding's are refused, naming the dates")
    func belowSoldAndAboveRetail() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 1_000_000)
        _ = try await harness.sell(token: token, on: harness.day(2), quantity: 3)
        let below = try await expectFailure(.failedPrecondition, reason: "BELOW_SOLD") {
            try await harness.setCapacity(harness.range(1, 3), capacity: 2)
        }
        #expect(below.metadata["dates"] == harness.day(2))
        var allot = Scenic_V1_SetAllotmentRequest()
        allot.productCode = "GATE"
        allot.dates = harness.range(2, 2)
        allot.distributorID = id
        allot.allotment = 1
        try await expectFailure(.failedPrecondition, reason: "BELOW_SOLD") { _ = try await harness.calendarCall("SetAllotment", allot) }

        var prices = Scenic_V1_SetDatePricesRequest()
        prices.productCode = "GATE"
        prices.dates = harness.range(1, 3)
        var settlement = Scenic_V1_DistributorDatePrice()
        settlement.distributorID = id
        settlement.settlementPriceFen = 13_000
        prices.settlementPrices = [settlement]
        let above = try await expectFailure(.failedPrecondition, reason: "SETTLEMENT_ABOVE_RETAIL") {
            _ = try await harness.calendarCall("SetPrices", prices)
        }
        #expect(above.metadata["dates"]?.split(separator: ",").count == 3)
        prices.settlementPrices = []
        prices.retailPriceFen = 9_000
        try await expectFailure(.failedPrecondition, reason: "SETTLEMENT_ABOVE_RETAIL") { _ = try await harness.calendarCall("SetPrices", prices) }
        // Nothing of the refused changes stayed.
        #expect(try await harness.rowCount("calendar_day") == 0)
        #expect(try await harness.rowCount("calendar_settlement_price") == 0)
    }
}
