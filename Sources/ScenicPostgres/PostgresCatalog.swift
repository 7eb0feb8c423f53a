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
            for item in items {
                let product = try await transaction.product(code: item.code)
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

    func bindings(distributorID: Int64) async throws -> [BindingRecord] {
        try await all(BindingRecord.self, .sql(BindingRecord.select + " WHERE binding.distributor_id = $1 ORDER BY product.code", distributorID))
    }
}
