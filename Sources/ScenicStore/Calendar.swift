import GRDB

/// How a change treats the retail price of its dates.
public enum RetailPriceChange: Sendable, Equatable {
    case keep
    /// Back to the product's own.
    case product
    case price(Int64)

    /// As the audit log shows a price change: this and the settlement prices it sets.
    package func described(with settlements: [(distributorID: Int64, priceFen: Int64?)]) -> String {
        var parts: [String] = []
        switch self {
        case .keep: break
        case .product: parts.append("retail back to the product's")
        case .price(let fen): parts.append("retail \(fen) fen")
        }
        parts += settlements.map { "distributor \($0.distributorID) " + ($0.priceFen.map { "\($0) fen" } ?? "back to its binding's") }
        return parts.joined(separator: ", ")
    }
}

/// The calendar's writes, each one transaction over all its dates (all or nothing, audited),
/// and its reads. What a sale takes from it is in ``takeCalendar(_:sale:product:binding:)``.
extension SQLiteStore {
    public func setCapacity(
        productCode: String, dates: CalendarDates, capacity: Int?, slots: [(slot: TimeSlot, capacity: Int)], stamp: AuditStamp
    ) async throws -> Int {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            let days = dates.days
            var conflicts = CapacityConflicts()
            for day in days {
                try Self.ensureDay(db, productID: product.id, date: day)
                let sold = try Int.fetchOne(
                    db, sql: "SELECT sold FROM calendar_day WHERE product_id = ? AND visit_date = ?", arguments: [product.id, day]) ?? 0
                let slotRows = try Row.fetchAll(
                    db, sql: "SELECT slot, sold FROM calendar_slot WHERE product_id = ? AND visit_date = ?", arguments: [product.id, day])
                guard conflicts.check(day: day, sold: sold, slotRows: slotRows, capacity: capacity, slots: slots) else { continue }
                try db.execute(
                    sql: "UPDATE calendar_day SET capacity = ? WHERE product_id = ? AND visit_date = ?",
                    arguments: [capacity, product.id, day])
                try db.execute(
                    sql: "DELETE FROM calendar_slot WHERE product_id = ? AND visit_date = ? AND sold = 0",
                    arguments: [product.id, day])
                for (slot, slotCapacity) in slots {
                    try db.execute(
                        sql: """
                            INSERT INTO calendar_slot (product_id, visit_date, slot, capacity) VALUES (?, ?, ?, ?)
                            ON CONFLICT DO UPDATE SET capacity = excluded.capacity
                            """,
                        arguments: [product.id, day, slot.description, slotCapacity])
                }
                try db.execute(
                    sql: """
                        UPDATE calendar_day SET slots = (SELECT count(*) FROM calendar_slot WHERE product_id = ?1 AND visit_date = ?2)
                        WHERE product_id = ?1 AND visit_date = ?2
                        """,
                    arguments: [product.id, day])
            }
            try conflicts.requireNone()
            let limit = capacity.map { "capacity \($0)" } ?? "unlimited"
            let slotText = slots.isEmpty ? "" : ", slots " + slots.map { "\($0.slot)=\($0.capacity)" }.joined(separator: " ")
            try stamp.record(db, target: "product:\(product.code)", summary: "calendar \(dates.described(count: days.count)): \(limit)\(slotText)")
            try Self.availabilityChanged(db, productCode: product.code, dates: dates, at: stamp.at)
            return days.count
        }
    }

    public func setClosed(productCode: String, dates: CalendarDates, reason: String?, stamp: AuditStamp) async throws -> Int {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            let days = dates.days
            for day in days {
                try Self.ensureDay(db, productID: product.id, date: day)
                try db.execute(
                    sql: "UPDATE calendar_day SET closed = ?, close_reason = ? WHERE product_id = ? AND visit_date = ?",
                    arguments: [reason != nil, reason ?? "", product.id, day])
            }
            let summary = reason.map { "closed: \($0)" } ?? "opened"
            try stamp.record(db, target: "product:\(product.code)", summary: "calendar \(dates.described(count: days.count)) \(summary)")
            try Self.availabilityChanged(db, productCode: product.code, dates: dates, at: stamp.at)
            return days.count
        }
    }

    public func setDatePrices(
        productCode: String, dates: CalendarDates, retail: RetailPriceChange, settlements: [(distributorID: Int64, priceFen: Int64?)],
        stamp: AuditStamp
    ) async throws -> Int {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            let days = dates.days
            for (distributorID, _) in settlements {
                guard try Self.bindingPrice(db, distributorID: distributorID, productID: product.id) != nil else {
                    throw CalendarError.bindingNotFound(distributorID: distributorID, productCode: product.code)
                }
            }
            for day in days {
                try Self.ensureDay(db, productID: product.id, date: day)
                switch retail {
                case .keep: break
                case .product, .price:
                    let price: Int64? = if case .price(let fen) = retail { fen } else { nil }
                    try db.execute(
                        sql: "UPDATE calendar_day SET retail_price_fen = ? WHERE product_id = ? AND visit_date = ?",
                        arguments: [price, product.id, day])
                }
                for (distributorID, price) in settlements {
                    if let price {
                        try db.execute(
                            sql: """
                                INSERT INTO calendar_settlement_price (distributor_id, product_id, visit_date, settlement_price_fen)
                                VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET settlement_price_fen = excluded.settlement_price_fen
                                """,
                            arguments: [distributorID, product.id, day, price])
                    } else {
                        try db.execute(
                            sql: "DELETE FROM calendar_settlement_price WHERE distributor_id = ? AND product_id = ? AND visit_date = ?",
                            arguments: [distributorID, product.id, day])
                    }
                }
            }
            // Checked after the writes, over every binding of the product: a lower retail
            // price must not leave anyone's settlement price above it either.
            try Self.requireSettlementWithinRetail(db, productID: product.id, from: dates.from, to: dates.to)
            try stamp.record(
                db, target: "product:\(product.code)",
                summary: "prices \(dates.described(count: days.count)): \(retail.described(with: settlements))")
            try Self.availabilityChanged(db, productCode: product.code, dates: dates, at: stamp.at)
            return days.count
        }
    }

    public func setAllotment(
        productCode: String, dates: CalendarDates, distributorID: Int64, allotment: Int?, stamp: AuditStamp
    ) async throws -> Int {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            _ = try Self.requireDistributor(db, id: distributorID)
            let days = dates.days
            var below: [String] = []
            for day in days {
                try Self.ensureDay(db, productID: product.id, date: day)
                guard let allotment else {
                    try db.execute(
                        sql: "DELETE FROM calendar_allotment WHERE product_id = ? AND visit_date = ? AND distributor_id = ?",
                        arguments: [product.id, day, distributorID])
                    continue
                }
                // Tickets sold and seats held count against an allotment alike: a hold gives
                // its seats back to the allotment when it ends.
                let sold = try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT count(*) FROM voucher WHERE product_id = ?1 AND visit_date = ?2 AND distributor_id = ?3
                                AND status != 'refunded')
                            + (SELECT coalesce(sum(quantity), 0) FROM hold WHERE product_id = ?1 AND visit_date = ?2
                                AND distributor_id = ?3 AND status = 'held')
                        """,
                    arguments: [product.id, day, distributorID]) ?? 0
                guard sold <= allotment else {
                    below.append(day)
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO calendar_allotment (product_id, visit_date, distributor_id, allotment, sold) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT DO UPDATE SET allotment = excluded.allotment
                        """,
                    arguments: [product.id, day, distributorID, allotment, sold])
            }
            if !below.isEmpty { throw CalendarError.belowSold(dates: below) }
            try stamp.record(
                db, target: "product:\(product.code)",
                summary: "allotment \(dates.described(count: days.count)) distributor \(distributorID): "
                    + (allotment.map { "\($0) a day" } ?? "removed"))
            try Self.availabilityChanged(db, productCode: product.code, dates: dates, distributorID: distributorID, at: stamp.at)
            return days.count
        }
    }

    public func setBookingRules(productCode: String, _ rules: BookingRules, stamp: AuditStamp) async throws -> BookingRules {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            try db.execute(
                sql: """
                    UPDATE product SET sale_days_ahead = ?, cutoff_minutes = ?, same_day_until = ?, slot_admission = ?,
                        admission_grace_minutes = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    rules.saleDaysAhead, rules.cutoffMinutes, rules.sameDayUntil, rules.slotAdmission, rules.admissionGraceMinutes,
                    stamp.at, product.id,
                ])
            try stamp.record(db, target: "product:\(product.code)", summary: "booking rules: \(rules)")
            try Self.availabilityChanged(db, productCode: product.code, dates: nil, at: stamp.at)
            return try Self.requireProduct(db, code: productCode).bookingRules
        }
    }

    public func bookingRules(productCode: String) async throws -> BookingRules {
        try await read { db in try Self.requireProduct(db, code: productCode).bookingRules }
    }

    public func calendar(
        productCode: String, from: String, to: String, distributorID: Int64?, now: SceneNow
    ) async throws -> (product: ProductRecord, rules: BookingRules, days: [CalendarDayRecord]) {
        try await read { db in
            let product = try Self.requireProduct(db, code: productCode)
            let rules = product.bookingRules
            let binding = try distributorID.flatMap { try Self.bindingPrice(db, distributorID: $0, productID: product.id) }
            let days = try CalendarDates(from: from, to: to).days.map { day in
                try Self.calendarDay(db, product: product, rules: rules, date: day, distributorID: distributorID, bindingPrice: binding, now: now)
            }
            return (product, rules, days)
        }
    }

    /// Refuses (SETTLEMENT_ABOVE_RETAIL, naming the first distributor's dates) when, on a
    /// date of the product from `from` to `to` that is on the calendar, someone's settlement
    /// price (the date's, else the binding's) is above the retail price (the date's, else
    /// the product's). Run after a write, inside its transaction, by every write that moves
    /// one of those prices: the calendar's, a binding's, the product's. Without `from`, from
    /// the day before today in UTC: at or before today in every time zone, so past dates,
    /// which sell nothing, never block a change.
    static func requireSettlementWithinRetail(_ db: Database, productID: Int64, from: String? = nil, to: String = "9999-12-31") throws {
        let above = try Row.fetchAll(
            db,
            sql: """
                SELECT binding.distributor_id AS distributor_id, day.visit_date AS visit_date
                FROM calendar_day AS day JOIN binding ON binding.product_id = day.product_id
                JOIN product ON product.id = day.product_id
                LEFT JOIN calendar_settlement_price AS price ON price.distributor_id = binding.distributor_id
                    AND price.product_id = day.product_id AND price.visit_date = day.visit_date
                WHERE day.product_id = ?1 AND day.visit_date BETWEEN coalesce(?2, date('now', '-1 day')) AND ?3
                    AND coalesce(price.settlement_price_fen, binding.settlement_price_fen)
                        > coalesce(day.retail_price_fen, product.retail_price_fen)
                ORDER BY 1, 2
                """,
            arguments: [productID, from, to])
        guard let first = above.first else { return }
        let distributorID: Int64 = first["distributor_id"]
        throw CalendarError.settlementAboveRetail(
            distributorID: distributorID, dates: above.filter { $0["distributor_id"] == distributorID }.map { $0["visit_date"] })
    }

    // MARK: - Inside a sale and a refund

    /// Checks the calendar for `sale` and takes its tickets from the day, the slot and the
    /// distributor's allotment, in the sale's transaction; returns the prices of its date.
    static func takeCalendar(
        _ db: Database, sale: SaleRequest, product: ProductRecord, binding: BindingRecord
    ) throws -> (retailPriceFen: Int64, settlementPriceFen: Int64) {
        let rules = product.bookingRules
        let day = try calendarDay(
            db, product: product, rules: rules, date: sale.visitDate, distributorID: sale.distributorID,
            bindingPrice: binding.settlementPriceFen, now: sale.now)
        try day.requireRoom(for: sale, rules: rules)
        let quantity = sale.quantity
        if day.onCalendar {
            try move(
                db, productID: product.id, date: sale.visitDate, slot: sale.slot, distributorID: day.allotment == nil ? nil : sale.distributorID,
                by: quantity)
        }
        return (day.retailPriceFen, day.settlementPriceFen ?? binding.settlementPriceFen)
    }

    /// Gives a refunded voucher's place back to its day, slot and allotment.
    static func giveBack(_ db: Database, _ voucher: VoucherRecord) throws {
        try giveBack(
            db, productID: voucher.productID, date: voucher.visitDate, slot: voucher.slot ?? "", distributorID: voucher.distributorID,
            quantity: 1)
    }

    /// Gives places back to a day, its slot and the distributor's allotment.
    static func giveBack(_ db: Database, productID: Int64, date: String, slot: String, distributorID: Int64, quantity: Int) throws {
        try move(db, productID: productID, date: date, slot: slot, distributorID: distributorID, by: -quantity)
    }

    /// Counts tickets in or out of the date's rows: the day's (a date without one has
    /// nothing to count), the slot's when given, the allotment's when a distributor is given.
    private static func move(_ db: Database, productID: Int64, date: String, slot: String, distributorID: Int64?, by quantity: Int) throws {
        try db.run("UPDATE calendar_day SET sold = sold + ? WHERE product_id = ? AND visit_date = ?", quantity, productID, date)
        guard db.changesCount > 0 else { return }
        if !slot.isEmpty {
            try db.executeCached(
                "UPDATE calendar_slot SET sold = sold + ? WHERE product_id = ? AND visit_date = ? AND slot = ?",
                [quantity, productID, date, slot])
        }
        if let distributorID {
            try db.executeCached(
                "UPDATE calendar_allotment SET sold = sold + ? WHERE product_id = ? AND visit_date = ? AND distributor_id = ?",
                [quantity, productID, date, distributorID])
        }
    }

    // MARK: - Helpers

    /// Gives a date its row, counting the tickets already sold for it.
    private static func ensureDay(_ db: Database, productID: Int64, date: String) throws {
        try db.execute(
            sql: """
                INSERT INTO calendar_day (product_id, visit_date, sold)
                VALUES (?1, ?2, (SELECT count(*) FROM voucher WHERE product_id = ?1 AND visit_date = ?2 AND status != 'refunded')
                    + (SELECT coalesce(sum(quantity), 0) FROM hold WHERE product_id = ?1 AND visit_date = ?2 AND status = 'held'))
                ON CONFLICT DO NOTHING
                """,
            arguments: [productID, date])
    }

    private static func bindingPrice(_ db: Database, distributorID: Int64, productID: Int64) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT settlement_price_fen FROM binding WHERE distributor_id = ? AND product_id = ?",
            arguments: [distributorID, productID])
    }

    /// A date's row with the distributor's allotment and price of it. Built once: the
    /// writer finds a statement by its text's storage (``WriterStatements``).
    private static let calendarDaySQL = """
        SELECT \(StoredCalendarDay.columns)
        FROM calendar_day AS day
        LEFT JOIN calendar_allotment AS allotment ON allotment.product_id = day.product_id
            AND allotment.visit_date = day.visit_date AND allotment.distributor_id = ?1
        LEFT JOIN calendar_settlement_price AS price ON price.distributor_id = ?1
            AND price.product_id = day.product_id AND price.visit_date = day.visit_date
        WHERE day.product_id = ?2 AND day.visit_date = ?3
        """

    private static func calendarDay(
        _ db: Database, product: ProductRecord, rules: BookingRules, date: String, distributorID: Int64?, bindingPrice: Int64?,
        now: SceneNow
    ) throws -> CalendarDayRecord {
        // One read gives the day, the distributor's allotment and its price of the date (a
        // sale for a date without a calendar finds nothing: every calendar setting gives its
        // dates a row); the slots are read only for a date that has them.
        let stored = try db.firstRow(calendarDaySQL, distributorID ?? 0, product.id, date, read: StoredCalendarDay.init(row:))
        var slots: [SlotRecord] = []
        if let stored, stored.slotCount > 0 {
            slots = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT slot, capacity, sold FROM calendar_slot WHERE product_id = ? AND visit_date = ?"),
                arguments: [product.id, date]
            ).compactMap { row in TimeSlot(row[0]).map { SlotRecord(slot: $0, capacity: row[1], sold: row[2]) } }
        }
        return CalendarDayRecord(
            date: date, product: product, rules: rules, stored: stored, slots: slots, bindingPrice: bindingPrice, now: now)
    }
}
