import Foundation
import GRDB
import PostgresNIO
import ScenicStore

/// The calendar on a shared database. A date's counters are settled by its row: a sale
/// locks the day's row before it reads what the day, its slot and the distributor's
/// allotment have left, so sales on any number of daemons take a date's last seats one
/// after the other. A calendar change holds its product exclusively (an advisory lock that
/// every sale, refund and hold of the product shares) while it gives dates their rows and
/// counts what they have sold: no ticket sold meanwhile goes uncounted.
extension PostgresStore {
    public func setCapacity(
        productCode: String, dates: CalendarDates, capacity: Int?, slots: [(slot: TimeSlot, capacity: Int)], stamp: AuditStamp
    ) async throws -> Int {
        try await write { transaction in
            let product = try await transaction.changingCalendar(of: productCode)
            let days = dates.days
            var conflicts = CapacityConflicts()
            for day in days {
                try await transaction.ensureDay(productID: product.id, date: day)
                let sold = try await transaction.value(
                    Int32.self, "SELECT sold FROM calendar_day WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))") ?? 0
                let slotRows = try await transaction.rows(
                    "SELECT slot, sold FROM calendar_slot WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))")
                guard conflicts.check(day: day, sold: Int(sold), slotRows: slotRows, capacity: capacity, slots: slots) else { continue }
                try await transaction.run(
                    "UPDATE calendar_day SET capacity = \(capacity) WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))")
                try await transaction.run(
                    "DELETE FROM calendar_slot WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day)) AND sold = 0")
                for (slot, slotCapacity) in slots {
                    try await transaction.run(
                        """
                        INSERT INTO calendar_slot (product_id, visit_date, slot, capacity)
                        VALUES (\(product.id), \(CivilDate(day)), \(slot.description), \(slotCapacity))
                        ON CONFLICT (product_id, visit_date, slot) DO UPDATE SET capacity = excluded.capacity
                        """)
                }
                try await transaction.run(
                    """
                    UPDATE calendar_day SET slots = (SELECT count(*) FROM calendar_slot
                        WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day)))
                    WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))
                    """)
            }
            try conflicts.requireNone()
            let limit = capacity.map { "capacity \($0)" } ?? "unlimited"
            let slotText = slots.isEmpty ? "" : ", slots " + slots.map { "\($0.slot)=\($0.capacity)" }.joined(separator: " ")
            try await transaction.record(
                stamp, target: "product:\(product.code)", summary: "calendar \(dates.described(count: days.count)): \(limit)\(slotText)")
            try await transaction.append(.availabilityChanged(productCode: product.code, dates: dates, at: stamp.at))
            return days.count
        }
    }

    public func setClosed(productCode: String, dates: CalendarDates, reason: String?, stamp: AuditStamp) async throws -> Int {
        try await write { transaction in
            let product = try await transaction.changingCalendar(of: productCode)
            let days = dates.days
            for day in days {
                try await transaction.ensureDay(productID: product.id, date: day)
                try await transaction.run(
                    """
                    UPDATE calendar_day SET closed = \(reason != nil), close_reason = \(reason ?? "")
                    WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))
                    """)
            }
            let summary = reason.map { "closed: \($0)" } ?? "opened"
            try await transaction.record(stamp, target: "product:\(product.code)", summary: "calendar \(dates.described(count: days.count)) \(summary)")
            try await transaction.append(.availabilityChanged(productCode: product.code, dates: dates, at: stamp.at))
            return days.count
        }
    }

    public func setDatePrices(
        productCode: String, dates: CalendarDates, retail: RetailPriceChange, settlements: [(distributorID: Int64, priceFen: Int64?)],
        stamp: AuditStamp
    ) async throws -> Int {
        try await write { transaction in
            let product = try await transaction.changingCalendar(of: productCode)
            let days = dates.days
            for (distributorID, _) in settlements {
                guard try await transaction.bindingPrice(distributorID: distributorID, productID: product.id) != nil else {
                    throw CalendarError.bindingNotFound(distributorID: distributorID, productCode: product.code)
                }
            }
            for day in days {
                try await transaction.ensureDay(productID: product.id, date: day)
                switch retail {
                case .keep: break
                case .product, .price:
                    let price: Int64? = if case .price(let fen) = retail { fen } else { nil }
                    try await transaction.run(
                        "UPDATE calendar_day SET retail_price_fen = \(price) WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))")
                }
                for (distributorID, price) in settlements {
                    if let price {
                        try await transaction.run(
                            """
                            INSERT INTO calendar_settlement_price (distributor_id, product_id, visit_date, settlement_price_fen)
                            VALUES (\(distributorID), \(product.id), \(CivilDate(day)), \(price))
                            ON CONFLICT (distributor_id, product_id, visit_date) DO UPDATE SET settlement_price_fen = excluded.settlement_price_fen
                            """)
                    } else {
                        try await transaction.run(
                            """
                            DELETE FROM calendar_settlement_price
                            WHERE distributor_id = \(distributorID) AND product_id = \(product.id) AND visit_date = \(CivilDate(day))
                            """)
                    }
                }
            }
            // After the writes, over every binding of the product: a lower retail price must
            // not leave anyone's settlement price above it either.
            try await transaction.requireSettlementWithinRetail(productID: product.id, from: dates.from, to: dates.to)
            try await transaction.record(
                stamp, target: "product:\(product.code)",
                summary: "prices \(dates.described(count: days.count)): \(retail.described(with: settlements))")
            try await transaction.append(.availabilityChanged(productCode: product.code, dates: dates, at: stamp.at))
            return days.count
        }
    }

    public func setAllotment(
        productCode: String, dates: CalendarDates, distributorID: Int64, allotment: Int?, stamp: AuditStamp
    ) async throws -> Int {
        try await write { transaction in
            let product = try await transaction.changingCalendar(of: productCode)
            _ = try await transaction.requireDistributor(id: distributorID)
            let days = dates.days
            var below: [String] = []
            for day in days {
                try await transaction.ensureDay(productID: product.id, date: day)
                guard let allotment else {
                    try await transaction.run(
                        """
                        DELETE FROM calendar_allotment
                        WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day)) AND distributor_id = \(distributorID)
                        """)
                    continue
                }
                // Tickets sold and seats held count against an allotment alike: a hold gives
                // its seats back to the allotment when it ends.
                let sold = try await transaction.value(
                    Int64.self,
                    """
                    SELECT (SELECT count(*) FROM voucher WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))
                            AND distributor_id = \(distributorID) AND status <> 'refunded')
                        + (SELECT coalesce(sum(quantity), 0) FROM hold WHERE product_id = \(product.id) AND visit_date = \(CivilDate(day))
                            AND distributor_id = \(distributorID) AND status = 'held')
                    """) ?? 0
                guard sold <= allotment else {
                    below.append(day)
                    continue
                }
                try await transaction.run(
                    """
                    INSERT INTO calendar_allotment (product_id, visit_date, distributor_id, allotment, sold)
                    VALUES (\(product.id), \(CivilDate(day)), \(distributorID), \(allotment), \(sold))
                    ON CONFLICT (product_id, visit_date, distributor_id) DO UPDATE SET allotment = excluded.allotment
                    """)
            }
            if !below.isEmpty { throw CalendarError.belowSold(dates: below) }
            try await transaction.record(
                stamp, target: "product:\(product.code)",
                summary: "allotment \(dates.described(count: days.count)) distributor \(distributorID): "
                    + (allotment.map { "\($0) a day" } ?? "removed"))
            try await transaction.append(
                .availabilityChanged(productCode: product.code, dates: dates, distributorID: distributorID, at: stamp.at))
            return days.count
        }
    }

    public func calendar(
        productCode: String, from: String, to: String, distributorID: Int64?, now: SceneNow
    ) async throws -> (product: ProductRecord, rules: BookingRules, days: [CalendarDayRecord]) {
        try await read { transaction in
            let product = try await transaction.requireProduct(code: productCode)
            let rules = product.bookingRules
            var bindingPrice: Int64?
            if let distributorID { bindingPrice = try await transaction.bindingPrice(distributorID: distributorID, productID: product.id) }
            var days: [CalendarDayRecord] = []
            for day in CalendarDates(from: from, to: to).days {
                days.append(
                    try await transaction.calendarDay(
                        product: product, date: day, distributorID: distributorID, bindingPrice: bindingPrice, now: now))
            }
            return (product, rules, days)
        }
    }
}

extension PostgresTransaction {
    /// The product whose calendar is about to change, held exclusively until the
    /// transaction ends: sales, refunds and holds of it wait, so that a date given its row
    /// now counts every ticket sold for it.
    func changingCalendar(of productCode: String) async throws -> ProductRecord {
        let product = try await requireProduct(code: productCode)
        try await run("SELECT pg_advisory_xact_lock(\(PostgresStore.calendarLock(productID: product.id)))")
        return product
    }

    /// Shares the products' calendar lock with every other sale, refund and hold until the
    /// transaction ends (in id order, so two such transactions never wait on each other):
    /// taken before anything of the product's dates is read or counted.
    func shareCalendars(productIDs: [Int64]) async throws {
        let keys = Set(productIDs).sorted().map(PostgresStore.calendarLock(productID:))
        try await run(
            .sql("SELECT pg_advisory_xact_lock_shared(key) FROM (SELECT unnest($1::bigint[]) AS key ORDER BY 1) AS keys", keys))
    }

    /// Gives a date its row, counting the tickets already sold and seats held for it.
    func ensureDay(productID: Int64, date: String) async throws {
        let day = CivilDate(date)
        try await run(
            """
            INSERT INTO calendar_day (product_id, visit_date, sold)
            VALUES (\(productID), \(day),
                (SELECT count(*) FROM voucher WHERE product_id = \(productID) AND visit_date = \(day) AND status <> 'refunded')
                + (SELECT coalesce(sum(quantity), 0) FROM hold WHERE product_id = \(productID) AND visit_date = \(day) AND status = 'held'))
            ON CONFLICT (product_id, visit_date) DO NOTHING
            """)
    }

    func bindingPrice(distributorID: Int64, productID: Int64) async throws -> Int64? {
        try await value(
            Int64.self, "SELECT settlement_price_fen FROM binding WHERE distributor_id = \(distributorID) AND product_id = \(productID)")
    }

    /// The date as the distributor sees it now. `locked` first locks the day's row (when it
    /// has one), so that what it has left is read after the sales before it committed.
    func calendarDay(
        product: ProductRecord, date: String, distributorID: Int64?, bindingPrice: Int64?, now: SceneNow, locked: Bool = false
    ) async throws -> CalendarDayRecord {
        let day = CivilDate(date)
        if locked {
            let onCalendar = try await rows(
                "SELECT 1 FROM calendar_day WHERE product_id = \(product.id) AND visit_date = \(day) FOR NO KEY UPDATE")
            guard !onCalendar.isEmpty else {
                return CalendarDayRecord(
                    date: date, product: product, rules: product.bookingRules, stored: nil, slots: [], bindingPrice: bindingPrice, now: now)
            }
        }
        let stored = try await rows(
            """
            SELECT \(unescaped: StoredCalendarDay.columns)
            FROM calendar_day AS day
            LEFT JOIN calendar_allotment AS allotment ON allotment.product_id = day.product_id
                AND allotment.visit_date = day.visit_date AND allotment.distributor_id = \(distributorID ?? 0)
            LEFT JOIN calendar_settlement_price AS price ON price.distributor_id = \(distributorID ?? 0)
                AND price.product_id = day.product_id AND price.visit_date = day.visit_date
            WHERE day.product_id = \(product.id) AND day.visit_date = \(day)
            """
        ).first.map(StoredCalendarDay.init(row:))
        var slots: [SlotRecord] = []
        if let stored, stored.slotCount > 0 {
            slots = try await rows("SELECT slot, capacity, sold FROM calendar_slot WHERE product_id = \(product.id) AND visit_date = \(day)")
                .compactMap { row in TimeSlot(row["slot"]).map { SlotRecord(slot: $0, capacity: row["capacity"], sold: row["sold"]) } }
        }
        return CalendarDayRecord(
            date: date, product: product, rules: product.bookingRules, stored: stored, slots: slots, bindingPrice: bindingPrice, now: now)
    }

    /// Checks the calendar for `sale` and takes its tickets from the day, the slot and the
    /// distributor's allotment; returns the prices of its date. The product's calendar lock
    /// must be shared already.
    func takeCalendar(sale: SaleRequest, product: ProductRecord, binding: BindingRecord) async throws -> (
        retailPriceFen: Int64, settlementPriceFen: Int64
    ) {
        let day = try await calendarDay(
            product: product, date: sale.visitDate, distributorID: sale.distributorID, bindingPrice: binding.settlementPriceFen,
            now: sale.now, locked: true)
        try day.requireRoom(for: sale, rules: product.bookingRules)
        if day.onCalendar {
            try await move(
                productID: product.id, date: sale.visitDate, slot: sale.slot, distributorID: day.allotment == nil ? nil : sale.distributorID,
                by: sale.quantity)
        }
        return (day.retailPriceFen, day.settlementPriceFen ?? binding.settlementPriceFen)
    }

    /// Gives a refunded or moved voucher's place back to its day, slot and allotment.
    func giveBack(_ voucher: VoucherRecord) async throws {
        try await move(
            productID: voucher.productID, date: voucher.visitDate, slot: voucher.slot ?? "", distributorID: voucher.distributorID, by: -1)
    }

    /// Counts tickets in or out of the date's rows: the day's (a date without one has
    /// nothing to count), the slot's when given, the allotment's when a distributor is
    /// given. The day's row is updated first, so its lock orders every change of the date.
    func move(productID: Int64, date: String, slot: String, distributorID: Int64?, by quantity: Int) async throws {
        let day = CivilDate(date)
        let counted = try await rows(
            "UPDATE calendar_day SET sold = sold + \(quantity) WHERE product_id = \(productID) AND visit_date = \(day) RETURNING 1")
        guard !counted.isEmpty else { return }
        if !slot.isEmpty {
            try await run(
                """
                UPDATE calendar_slot SET sold = sold + \(quantity)
                WHERE product_id = \(productID) AND visit_date = \(day) AND slot = \(slot)
                """)
        }
        if let distributorID {
            try await run(
                """
                UPDATE calendar_allotment SET sold = sold + \(quantity)
                WHERE product_id = \(productID) AND visit_date = \(day) AND distributor_id = \(distributorID)
                """)
        }
    }
}

extension PostgresStore {
    /// The advisory lock of a product's calendar: a key of its own beside the event lock's.
    static func calendarLock(productID: Int64) -> Int64 { calendarLockBase | productID }
    /// What a calendar's lock key is, but for its product's id: "cal" read as a number.
    static let calendarLockBase: Int64 = 0x6361_6C00_0000_0000
}
