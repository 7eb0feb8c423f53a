import PostgresNIO
import ScenicStore

/// The catalog and the bindings: every batch is one transaction that writes all of it
/// or, naming each bad item, none of it.
extension PostgresStore {
    public func product(code: String) async throws -> ProductRecord? {
        try await read { try await $0.product(code: code) }
    }

    public func products(status: ProductRecord.Status?, matching query: String, afterID: Int64, limit: Int) async throws -> [ProductRecord] {
        try await read { transaction in
            try await transaction.all(
                ProductRecord.self,
                .sql(
                    ProductRecord.select + """
                         WHERE product.id > $1 AND ($2::text IS NULL OR product.status = $2)
                            AND ($3 = '' OR strpos(product.code, $3) > 0 OR strpos(product.name, $3) > 0)
                        ORDER BY product.id LIMIT $4
                        """, afterID, status?.rawValue, query, limit))
        }
    }

    /// Creates every product or, when a code is taken, none. `dryRun` checks and writes nothing.
    public func createProducts(_ products: [NewProduct], stamp: AuditStamp, dryRun: Bool) async throws -> [ProductRecord] {
        try await write { transaction in
            var problems: [BatchItemProblem] = []
            for (index, product) in products.enumerated()
            where try await transaction.value(Int64.self, "SELECT 1 FROM product WHERE code = \(product.code)") != nil {
                problems.append(BatchItemProblem(index: index, kind: .codeTaken))
            }
            guard problems.isEmpty else { throw BatchRejected(problems: problems) }
            guard !dryRun, !products.isEmpty else { return [] }
            var ids: [Int64] = []
            for product in products {
                let id = try await transaction.value(
                    Int64.self,
                    """
                    INSERT INTO product (code, name, retail_price_fen, refundable, valid_days, real_name_mode, id_limit,
                        id_limit_period, created_at, updated_at)
                    VALUES (\(product.code), \(product.name), \(product.retailPriceFen), \(product.refundable), \(product.validDays),
                        \(product.realName.mode.rawValue), \(product.realName.idLimit), \(product.realName.idLimitPeriod.rawValue),
                        \(stamp.at), \(stamp.at))
                    RETURNING id
                    """)
                if let id { ids.append(id) }
            }
            let summary = products.count == 1
                ? "created \(products[0].code) \"\(products[0].name)\" at \(products[0].retailPriceFen) fen"
                : "imported \(products.count) products"
            try await transaction.record(stamp, target: products.count == 1 ? "product:\(products[0].code)" : "", summary: summary)
            return try await transaction.all(
                ProductRecord.self, .sql(ProductRecord.select + " WHERE product.id = ANY($1) ORDER BY product.id", ids))
        }
    }

    public func applyBindings(
        distributorID: Int64, _ items: [PricedCode], change: BindingChange, stamp: AuditStamp
    ) async throws -> [BindingRecord] {
        try await write { transaction in
            _ = try await transaction.requireDistributor(id: distributorID, locked: true)
            var found: [(product: ProductRecord?, bound: Bool)] = []
            // Every product's row held (shared) before anything is written: a change of its
            // retail price or an archiving on another daemon waits for this batch.
            for item in items {
                let product = try await transaction.one(
                    ProductRecord.self, .sql(ProductRecord.select + " WHERE product.code = $1 FOR SHARE OF product", item.code))
                var bound = false
                if let product {
                    bound = try await transaction.value(
                        Int64.self, "SELECT 1 FROM binding WHERE distributor_id = \(distributorID) AND product_id = \(product.id)") != nil
                }
                found.append((product, bound))
            }
            let resolved = try change.resolve(items, found: found)
            for (product, price) in resolved {
                switch change {
                case .bind:
                    try await transaction.run(
                        """
                        INSERT INTO binding (distributor_id, product_id, settlement_price_fen, bound_at, updated_at)
                        VALUES (\(distributorID), \(product.id), \(price), \(stamp.at), \(stamp.at))
                        """)
                case .setPrice:
                    try await transaction.run(
                        """
                        UPDATE binding SET settlement_price_fen = \(price), updated_at = \(stamp.at)
                        WHERE distributor_id = \(distributorID) AND product_id = \(product.id)
                        """)
                }
                // A date's own retail price may be below the product's.
                try await transaction.requireSettlementWithinRetail(productID: product.id)
                var event = EventRecord(kind: change == .bind ? .bindingAdded : .bindingChanged, at: stamp.at, distributorID: distributorID)
                event.productCode = product.code
                event.amountFen = price
                try await transaction.append(event)
            }
            let verb = change == .bind ? "bound" : "price set"
            try await transaction.record(
                stamp, target: "distributor:\(distributorID)",
                summary: "\(verb): " + resolved.map { "\($0.0.code) at \($0.1) fen" }.joined(separator: ", "))
            return try await transaction.bindings(distributorID: distributorID)
        }
    }

    public func updateProduct(code: String, _ changes: ProductChanges, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { transaction in
            let before = try await transaction.requireProduct(code: code, locked: true)
            if let retail = changes.retailPriceFen,
                let highest = try await transaction.value(
                    Int64.self, "SELECT max(settlement_price_fen) FROM binding WHERE product_id = \(before.id)"),
                highest > retail
            {
                throw RetailBelowSettlement(code: code, highestSettlementFen: highest)
            }
            let notes = changes.notes(against: before)
            guard !notes.isEmpty else { return before }
            try await transaction.run(
                """
                UPDATE product SET name = \(changes.name ?? before.name), retail_price_fen = \(changes.retailPriceFen ?? before.retailPriceFen),
                    refundable = \(changes.refundable ?? before.refundable), valid_days = \(changes.validDays ?? before.validDays),
                    updated_at = \(stamp.at)
                WHERE id = \(before.id)
                """)
            if changes.retailPriceFen != nil { try await transaction.requireSettlementWithinRetail(productID: before.id) }
            try await transaction.record(stamp, target: "product:\(code)", summary: notes.joined(separator: "; "))
            return try await transaction.requireProduct(code: code)
        }
    }

    public func archiveProduct(code: String, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { transaction in
            let before = try await transaction.requireProduct(code: code, locked: true)
            guard before.status != .archived else { return before }
            try await transaction.run("UPDATE product SET status = 'archived', updated_at = \(stamp.at) WHERE id = \(before.id)")
            var event = EventRecord(kind: .productArchived, at: stamp.at, distributorID: nil)
            event.productCode = code
            try await transaction.append(event)
            try await transaction.record(stamp, target: "product:\(code)", summary: "archived")
            return try await transaction.requireProduct(code: code)
        }
    }

    public func unbind(distributorID: Int64, codes: [String], stamp: AuditStamp) async throws -> [BindingRecord] {
        try await write { transaction in
            _ = try await transaction.requireDistributor(id: distributorID, locked: true)
            var problems: [BatchItemProblem] = []
            var productIDs: [Int64] = []
            for (index, code) in codes.enumerated() {
                let id = try await transaction.value(
                    Int64.self,
                    """
                    SELECT product.id FROM binding JOIN product ON product.id = binding.product_id
                    WHERE binding.distributor_id = \(distributorID) AND product.code = \(code)
                    """)
                if let id { productIDs.append(id) } else { problems.append(BatchItemProblem(index: index, kind: .notBound)) }
            }
            guard problems.isEmpty else { throw BatchRejected(problems: problems) }
            for (id, code) in zip(productIDs, codes) {
                try await transaction.run("DELETE FROM binding WHERE distributor_id = \(distributorID) AND product_id = \(id)")
                var event = EventRecord(kind: .bindingRemoved, at: stamp.at, distributorID: distributorID)
                event.productCode = code
                try await transaction.append(event)
            }
            try await transaction.record(stamp, target: "distributor:\(distributorID)", summary: "unbound: " + codes.joined(separator: ", "))
            return try await transaction.bindings(distributorID: distributorID)
        }
    }

    public func setBookingRules(productCode: String, _ rules: BookingRules, stamp: AuditStamp) async throws -> BookingRules {
        try await write { transaction in
            let product = try await transaction.requireProduct(code: productCode, locked: true)
            try await transaction.run(
                """
                UPDATE product SET sale_days_ahead = \(rules.saleDaysAhead), cutoff_minutes = \(rules.cutoffMinutes),
                    same_day_until = \(rules.sameDayUntil), slot_admission = \(rules.slotAdmission),
                    admission_grace_minutes = \(rules.admissionGraceMinutes), updated_at = \(stamp.at)
                WHERE id = \(product.id)
                """)
            try await transaction.record(stamp, target: "product:\(product.code)", summary: "booking rules: \(rules)")
            try await transaction.append(.availabilityChanged(productCode: product.code, dates: nil, at: stamp.at))
            return try await transaction.requireProduct(code: productCode).bookingRules
        }
    }

    public func bookingRules(productCode: String) async throws -> BookingRules {
        try await read { try await $0.requireProduct(code: productCode).bookingRules }
    }

    public func bindings(distributorID: Int64) async throws -> [BindingRecord] {
        try await read { transaction in
            _ = try await transaction.requireDistributor(id: distributorID)
            return try await transaction.bindings(distributorID: distributorID)
        }
    }

    public func sellableProducts(distributorID: Int64) async throws -> [BindingRecord] {
        try await read { transaction in
            try await transaction.all(
                BindingRecord.self,
                .sql(BindingRecord.select + " WHERE binding.distributor_id = $1 AND product.status = 'on_sale' ORDER BY product.code", distributorID))
        }
    }
}

extension PostgresTransaction {
    func product(code: String) async throws -> ProductRecord? {
        try await one(ProductRecord.self, .sql(ProductRecord.select + " WHERE product.code = $1", code))
    }

    /// The product; `locked` holds its row until the transaction ends (as an update that
    /// changes no key, so sales and bindings that only refer to it go on).
    func requireProduct(code: String, locked: Bool = false) async throws -> ProductRecord {
        let product =
            locked
            ? try await one(ProductRecord.self, .sql(ProductRecord.select + " WHERE product.code = $1 FOR NO KEY UPDATE OF product", code))
            : try await product(code: code)
        guard let product else { throw ProductNotFound(code: code) }
        return product
    }

    /// Refuses a settlement price (a binding's, or a date's own) above the retail price of
    /// a date from `from` (else yesterday in UTC: at or before today in every time zone) to
    /// `to`, naming the first distributor and its dates.
    func requireSettlementWithinRetail(productID: Int64, from: String? = nil, to: String = "9999-12-31") async throws {
        let above = try await rows(
            """
            SELECT binding.distributor_id AS distributor_id, day.visit_date AS visit_date
            FROM calendar_day AS day JOIN binding ON binding.product_id = day.product_id
            JOIN product ON product.id = day.product_id
            LEFT JOIN calendar_settlement_price AS price ON price.distributor_id = binding.distributor_id
                AND price.product_id = day.product_id AND price.visit_date = day.visit_date
            WHERE day.product_id = \(productID)
                AND day.visit_date BETWEEN coalesce(\(from)::date, (now() AT TIME ZONE 'UTC')::date - 1) AND \(to)::date
                AND coalesce(price.settlement_price_fen, binding.settlement_price_fen)
                    > coalesce(day.retail_price_fen, product.retail_price_fen)
            ORDER BY 1, 2
            """)
        guard let first = above.first else { return }
        let distributorID: Int64 = first["distributor_id"]
        throw CalendarError.settlementAboveRetail(
            distributorID: distributorID, dates: above.filter { $0["distributor_id"] == distributorID }.map { $0["visit_date"] })
    }

    func bindings(distributorID: Int64) async throws -> [BindingRecord] {
        try await all(BindingRecord.self, .sql(BindingRecord.select + " WHERE binding.distributor_id = $1 ORDER BY product.code", distributorID))
    }
}
