import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// `scenic-admin calendar …`: what each product may sell on each date (and time slot), at
/// which prices, and when. Every change names a range of dates and, optionally, weekdays.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Capacity, closures, prices by date, allotments and booking rules of a product.",
        discussion: "A date nothing was set for is open, unlimited, and sells at the product's and the bindings' prices.",
        subcommands: [SetCapacity.self, Close.self, Open.self, Prices.self, Allot.self, Rules.self, Show.self]
    )

    /// `--from --to [--weekdays]`: the dates a change applies to.
    struct DateRangeOptions: ParsableArguments {
        @Option(help: "First date, YYYY-MM-DD (today or later).") var from: String
        @Option(help: "Last date, YYYY-MM-DD (inclusive; at most 366 days after --from).") var to: String
        @Option(
            help: "Only these weekdays of the range, comma separated: mon,tue,wed,thu,fri,sat,sun or 1 (Monday) to 7 (Sunday).",
            transform: Weekday.list)
        var weekdays: [Int32]?

        var range: Scenic_V1_DateRange {
            var range = Scenic_V1_DateRange()
            range.fromDate = from
            range.toDate = to
            range.weekdays = weekdays ?? []
            return range
        }
    }

    struct SetCapacity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the dates' daily capacity (or none) and replace their time slots.",
            discussion: """
                Without --slot the dates lose their slots and sell without one. A date or slot cannot go \
                below what it has sold (BELOW_SOLD), nor lose a slot with tickets sold (SLOTS_HAVE_SALES).
                """)
        @Argument(help: "The product's code.") var code: String
        @OptionGroup var dates: DateRangeOptions
        @Option(help: "Tickets a day, over all slots.") var capacity: Int32?
        @Flag(help: "No daily limit (the slots keep theirs).") var unlimited = false
        @Option(
            name: .customLong("slot"), help: "HH:MM-HH:MM=N, repeatable: a time slot and its capacity.",
            transform: Given.parsing(Self.slot))
        var slots: [Given<Scenic_V1_SlotCapacity>] = []
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard (capacity == nil) == unlimited else { throw ValidationError("give either --capacity N or --unlimited") }
        }

        func run() async throws {
            var request = Scenic_V1_SetCapacityRequest()
            request.productCode = code
            request.dates = dates.range
            request.unlimited = unlimited
            request.capacity = capacity ?? 0
            request.slots = slots.map(\.value)
            let given = RequestItems(field: "slots", origins: slots.map { "--slot " + $0.text }, parts: ["slot": "", "capacity": ""])
            let change = try await connection.withClient(AdminRole.self, items: given) { try await $0.setCapacity(request) }
            try Output.emit(change, json: connection.json) { CalendarView.dates(change) + " set" }
        }

        static func slot(_ text: String) throws -> Scenic_V1_SlotCapacity {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let capacity = Int32(parts[1]), capacity >= 0 else {
                throw ValidationError("\(text): expected HH:MM-HH:MM=N, e.g. 09:00-11:00=800")
            }
            var slot = Scenic_V1_SlotCapacity()
            slot.slot = parts[0]
            slot.capacity = capacity
            return slot
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop sales on the dates; tickets already sold stay valid.")
        @Argument(help: "The product's code.") var code: String
        @OptionGroup var dates: DateRangeOptions
        @Option(help: "Why: shown in availability and in the refusal of a sale.") var reason: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_CloseDatesRequest()
            request.productCode = code
            request.dates = dates.range
            request.reason = reason
            let change = try await connection.withClient(AdminRole.self) { try await $0.closeDates(request) }
            try Output.emit(change, json: connection.json) { CalendarView.dates(change) + " closed" }
        }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sell again on closed dates.")
        @Argument(help: "The product's code.") var code: String
        @OptionGroup var dates: DateRangeOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_OpenDatesRequest()
            request.productCode = code
            request.dates = dates.range
            let change = try await connection.withClient(AdminRole.self) { try await $0.openDates(request) }
            try Output.emit(change, json: connection.json) { CalendarView.dates(change) + " opened" }
        }
    }

    struct Prices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the dates' retail price and distributors' settlement prices (weekend and holiday prices).",
            discussion: """
                A settlement price stays at or below its date's retail price (SETTLEMENT_ABOVE_RETAIL), \
                for every distributor bound to the product. Tickets already sold keep their prices.
                """)
        @Argument(help: "The product's code.") var code: String
        @OptionGroup var dates: DateRangeOptions
        @Option(help: "Retail price in yuan on those dates.", transform: YuanArgument.parse) var retail: Int64?
        @Flag(help: "Back to the product's own retail price on those dates.") var productPrice = false
        @Option(
            name: .customLong("settlement"), help: "DISTRIBUTOR_ID=YUAN, repeatable: that distributor's settlement price on those dates.",
            transform: Given.parsing(Self.settlement))
        var settlements: [Given<Scenic_V1_DistributorDatePrice>] = []
        @Option(name: .customLong("binding-price"), help: "DISTRIBUTOR_ID, repeatable: back to that distributor's binding price.")
        var bindingPrices: [Int64] = []
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            if retail != nil, productPrice { throw ValidationError("give --retail YUAN or --product-price, not both") }
            if retail == 0 { throw ValidationError("--retail must be above 0 (--product-price goes back to the product's)") }
            if retail == nil, !productPrice, settlements.isEmpty, bindingPrices.isEmpty {
                throw ValidationError("give --retail, --product-price, --settlement or --binding-price")
            }
        }

        func run() async throws {
            var request = Scenic_V1_SetDatePricesRequest()
            request.productCode = code
            request.dates = dates.range
            // On the wire 0 keeps the retail price and -1 goes back to the product's.
            request.retailPriceFen = productPrice ? -1 : retail ?? 0
            request.settlementPrices = settlements.map(\.value) + bindingPrices.map { id in
                var price = Scenic_V1_DistributorDatePrice()
                price.distributorID = id
                return price
            }
            let given = RequestItems(
                field: "settlement_prices",
                origins: settlements.map { "--settlement " + $0.text } + bindingPrices.map { "--binding-price \($0)" },
                parts: ["distributor_id": "", "settlement_price_fen": ""])
            let change = try await connection.withClient(AdminRole.self, items: given) { try await $0.setDatePrices(request) }
            try Output.emit(change, json: connection.json) { "prices set on " + CalendarView.dates(change) }
        }

        static func settlement(_ text: String) throws -> Scenic_V1_DistributorDatePrice {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = Int64(parts[0]), id > 0, let fen = Yuan.fen(parts[1]), fen > 0 else {
                throw ValidationError("\(text): expected DISTRIBUTOR_ID=YUAN above 0, e.g. 1=98.00 (--binding-price ID goes back to the binding's)")
            }
            var price = Scenic_V1_DistributorDatePrice()
            price.distributorID = id
            price.settlementPriceFen = fen
            return price
        }
    }

    struct Allot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Limit what one distributor may sell a day, inside the day's capacity, or remove the limit.")
        @Argument(help: "The product's code.") var code: String
        @Option(help: "The distributor's id.") var distributor: Int64
        @OptionGroup var dates: DateRangeOptions
        @Option(help: "At most this many tickets a day for the distributor.") var tickets: Int32?
        @Flag(help: "Remove the allotment: no limit but the day's.") var remove = false
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard (tickets == nil) == remove else { throw ValidationError("give either --tickets N or --remove") }
        }

        func run() async throws {
            var request = Scenic_V1_SetAllotmentRequest()
            request.productCode = code
            request.dates = dates.range
            request.distributorID = distributor
            request.allotment = tickets ?? 0
            request.remove = remove
            let change = try await connection.withClient(AdminRole.self) { try await $0.setAllotment(request) }
            try Output.emit(change, json: connection.json) {
                "allotment \(remove ? "removed" : "set") on " + CalendarView.dates(change)
            }
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a product's booking rules, or change the ones given and show the result.")
        @Argument(help: "The product's code.") var code: String
        @Option(help: "Sales open this many days ahead (1–366; 0 for the most, 366).") var daysAhead: Int32?
        @Option(help: "Sales for a date (from its 00:00) or a slot (from its start) stop this many minutes before it; 0 for none.")
        var cutoffMinutes: Int32?
        @Option(help: "HH:MM: same-day sales stop at this time of day; none to remove.") var sameDayUntil: String?
        @Flag(inversion: .prefixedNo, help: "Whether a voucher of a time slot admits only within its slot.") var slotAdmission: Bool?
        @Option(help: "Minutes before and after its slot a voucher still admits (0–1440).") var graceMinutes: Int32?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let changing = daysAhead != nil || cutoffMinutes != nil || sameDayUntil != nil || slotAdmission != nil || graceMinutes != nil
            let rules = try await connection.withClient(AdminRole.self) { client in
                var rules = try await client.bookingRules(productCode: code)
                guard changing else { return rules }
                if let daysAhead { rules.saleDaysAhead = daysAhead }
                if let cutoffMinutes { rules.cutoffMinutes = cutoffMinutes }
                if let sameDayUntil { rules.sameDayUntil = sameDayUntil == "none" ? "" : sameDayUntil }
                if let slotAdmission { rules.slotAdmission = slotAdmission }
                if let graceMinutes { rules.admissionGraceMinutes = graceMinutes }
                return try await client.setBookingRules(rules)
            }
            try Output.emit(rules, json: connection.json) {
                Output.fields([
                    ("product", rules.productCode),
                    ("sales open", "\(rules.saleDaysAhead == 0 ? 366 : rules.saleDaysAhead) days ahead"),
                    ("cutoff", rules.cutoffMinutes == 0 ? "none" : "\(rules.cutoffMinutes) minutes before the date or slot starts"),
                    ("same-day sales until", rules.sameDayUntil.isEmpty ? "no limit" : rules.sameDayUntil),
                    ("slot admission", rules.slotAdmission ? "only within the slot" : "any time of the visit date"),
                    ("admission grace", "\(rules.admissionGraceMinutes) minutes"),
                ])
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a product's dates: status, sold, capacity, prices, cutoff; time slots under their date.",
            discussion: "Times are the scenic area's. At most 62 dates at once.")
        @Argument(help: "The product's code.") var code: String
        @Option(help: "A month, YYYY-MM.") var month: CalendarMonth?
        @Option(help: "First date, YYYY-MM-DD (instead of --month).") var from: String?
        @Option(help: "Last date, YYYY-MM-DD (inclusive).") var to: String?
        @Option(help: "Also this distributor's settlement price and allotment.") var distributor: Int64?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard (month != nil) != (from != nil || to != nil), month != nil || (from != nil && to != nil) else {
                throw ValidationError("give either --month YYYY-MM or --from DATE --to DATE")
            }
        }

        func run() async throws {
            var request = Scenic_V1_AvailabilityRequest()
            request.productCode = code
            request.fromDate = month?.firstDate ?? from ?? ""
            request.toDate = month?.lastDate ?? to ?? ""
            request.distributorID = distributor ?? 0
            let (calendar, timeZone) = try await connection.withClient(AdminRole.self) { client in
                let calendar = try await client.calendar(request)
                guard !connection.json else { return (calendar, "") }
                return (calendar, try await client.serverInfo().timeZone)
            }
            try Output.emit(calendar, json: connection.json) {
                CalendarView.table(calendar, withDistributor: distributor != nil, timeZone: TimeZone(identifier: timeZone))
            }
        }
    }
}

/// The calendar as the back office reads it.
enum CalendarView {
    /// "1 date", "7 dates".
    static func dates(_ change: Scenic_V1_CalendarChange) -> String {
        change.dates == 1 ? "1 date" : "\(change.dates) dates"
    }

    static func status(_ status: Scenic_V1_Availability) -> String {
        switch status {
        case .available: "available"
        case .limited: "limited"
        case .soldOut: "sold out"
        case .closed: "closed"
        default: "?"
        }
    }

    /// One row a date, its time slots indented under it.
    static func table(_ calendar: Scenic_V1_AvailabilityResponse, withDistributor: Bool, timeZone: TimeZone?) -> String {
        func counts(unlimited: Bool, capacity: Int32, sold: Int32, remaining: Int32) -> [String] {
            // Floor, so that 100% means full.
            let load = unlimited || capacity == 0 ? "-" : "\(Int(sold) * 100 / Int(capacity))%"
            return ["\(sold)", unlimited ? "unlimited" : "\(capacity)", load, remaining < 0 ? "-" : "\(remaining)"]
        }
        var rows: [[String]] = []
        for day in calendar.days {
            var row = [day.date, Weekday.name(CalendarMonth.weekday(of: day.date) ?? 0), status(day.status)]
            row += counts(unlimited: day.unlimited, capacity: day.capacity, sold: day.sold, remaining: day.remaining)
            row.append(Output.yuan(day.retailPriceFen))
            if withDistributor {
                row.append(day.settlementPriceFen == 0 ? "not bound" : Output.yuan(day.settlementPriceFen))
                row.append(day.allotment < 0 ? "-" : "\(day.allotmentSold)/\(day.allotment)")
            }
            rows.append(row + [localTime(day.cutoff, in: timeZone), day.reason])
            for slot in day.slots {
                var slotRow = ["  " + slot.slot, "", status(slot.status)]
                slotRow += counts(unlimited: slot.unlimited, capacity: slot.capacity, sold: slot.sold, remaining: slot.remaining)
                slotRow += [""] + (withDistributor ? ["", ""] : [])
                rows.append(slotRow + [localTime(slot.cutoff, in: timeZone), ""])
            }
        }
        let headers = ["DATE", "DAY", "STATUS", "SOLD", "CAPACITY", "LOAD", "LEFT", "RETAIL"]
            + (withDistributor ? ["SETTLEMENT", "ALLOTMENT"] : []) + ["CUTOFF", "REASON"]
        return calendar.productCode + "\n" + Output.table(headers, rows)
    }

    /// An RFC 3339 instant as the scenic area's `YYYY-MM-DD HH:MM`, since slots and dates
    /// are in its time; "-" for none, and the instant as it came when the zone is unknown.
    static func localTime(_ instant: String, in timeZone: TimeZone?) -> String {
        guard !instant.isEmpty else { return "-" }
        guard let timeZone, let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(instant) else { return instant }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
