import GRDB

public enum BindingChange: Sendable {
    /// New bindings only.
    case bind
    /// New prices for existing bindings only.
    case setPrice

    /// The batch's products and prices, each item with what the store holds of it (its
    /// product, nil for no such code, and whether the distributor has it bound); throws
    /// ``BatchRejected`` naming every item that cannot take its price.
    package func resolve(_ items: [PricedCode], found: [(product: ProductRecord?, bound: Bool)]) throws -> [(ProductRecord, Int64)] {
        var problems: [BatchItemProblem] = []
        var resolved: [(ProductRecord, Int64)] = []
        for (index, (item, found)) in zip(items, found).enumerated() {
            if let problem = problem(product: found.product, bound: found.bound, settlementPriceFen: item.settlementPriceFen) {
                problems.append(BatchItemProblem(index: index, kind: problem))
            } else if let product = found.product {
                resolved.append((product, item.settlementPriceFen))
            }
        }
        guard problems.isEmpty else { throw BatchRejected(problems: problems) }
        return resolved
    }

    private func problem(product: ProductRecord?, bound: Bool, settlementPriceFen: Int64) -> BatchItemProblem.Kind? {
        guard let product else { return .unknownProduct }
        if product.status == .archived { return .archivedProduct }
        if self == .bind, bound { return .alreadyBound }
        if self == .setPrice, !bound { return .notBound }
        if settlementPriceFen > product.retailPriceFen { return .aboveRetail(retailFen: product.retailPriceFen) }
        return nil
    }
}

/// The catalog and the bindings: every batch is one transaction that writes all of it
/// or, naming each bad item, none of it.
extension SQLiteStore {
    public func product(code: String) async throws -> ProductRecord? {
        try await read { try Self.fetchProduct($0, code: code) }
    }

    public func products(status: ProductRecord.Status?, matching query: String, afterID: Int64, limit: Int) async throws -> [ProductRecord] {
        try await read { db in
            var sql = ProductRecord.select + " WHERE product.id > ?"
            var arguments: StatementArguments = [afterID]
            if let status {
                sql += " AND product.status = ?"
                arguments += [status.rawValue]
            }
            if !query.isEmpty {
                sql += " AND (instr(product.code, ?) > 0 OR instr(product.name, ?) > 0)"
                arguments += [query, query]
            }
            sql += " ORDER BY product.id LIMIT ?"
            arguments += [limit]
            return try ProductRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// Creates every product or, when a code is taken, none. `dryRun` checks and writes nothing.
    @discardableResult
    public func createProducts(_ products: [NewProduct], stamp: AuditStamp, dryRun: Bool = false) async throws -> [ProductRecord] {
        try await write { db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM product WHERE code = ?")
            var problems: [BatchItemProblem] = []
            for (index, product) in products.enumerated() where try Bool.fetchOne(exists, arguments: [product.code]) ?? false {
                problems.append(BatchItemProblem(index: index, kind: .codeTaken))
            }
            guard problems.isEmpty else { throw BatchRejected(problems: problems) }
            guard !dryRun, !products.isEmpty else { return [] }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO product (code, name, retail_price_fen, refundable, valid_days, real_name_mode, id_limit,
                    id_limit_period, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var firstID: Int64?
            for product in products {
                try insert.execute(arguments: [
                    product.code, product.name, product.retailPriceFen, product.refundable, product.validDays,
                    product.realName.mode.rawValue, product.realName.idLimit, product.realName.idLimitPeriod.rawValue, stamp.at, stamp.at,
                ])
                firstID = firstID ?? db.lastInsertedRowID
            }
            let summary = products.count == 1
                ? "created \(products[0].code) \"\(products[0].name)\" at \(products[0].retailPriceFen) fen"
                : "imported \(products.count) products"
            try stamp.record(db, target: products.count == 1 ? "product:\(products[0].code)" : "", summary: summary)
            return try ProductRecord.fetchAll(
                db, sql: ProductRecord.select + " WHERE product.id >= ? ORDER BY product.id", arguments: [firstID])
        }
    }

    public func updateProduct(code: String, _ changes: ProductChanges, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { db in
            let before = try Self.requireProduct(db, code: code)
            if let retail = changes.retailPriceFen,
                let highest = try Int64.fetchOne(
                    db, sql: "SELECT max(settlement_price_fen) FROM binding WHERE product_id = ?", arguments: [before.id]),
                highest > retail
            {
                throw RetailBelowSettlement(code: code, highestSettlementFen: highest)
            }
            let notes = changes.notes(against: before)
            guard !notes.isEmpty else { return before }
            try db.execute(
                sql: """
                    UPDATE product SET name = ?, retail_price_fen = ?, refundable = ?, valid_days = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    changes.name ?? before.name, changes.retailPriceFen ?? before.retailPriceFen,
                    changes.refundable ?? before.refundable, changes.validDays ?? before.validDays, stamp.at, before.id,
                ])
            if changes.retailPriceFen != nil { try Self.requireSettlementWithinRetail(db, productID: before.id) }
            try stamp.record(db, target: "product:\(code)", summary: notes.joined(separator: "; "))
            return try Self.requireProduct(db, code: code)
        }
    }

    public func archiveProduct(code: String, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { db in
            let before = try Self.requireProduct(db, code: code)
            guard before.status != .archived else { return before }
            try db.execute(
                sql: "UPDATE product SET status = 'archived', updated_at = ? WHERE id = ?", arguments: [stamp.at, before.id])
            var event = EventRecord(kind: .productArchived, at: stamp.at, distributorID: nil)
            event.productCode = code
            try event.append(db)
            try stamp.record(db, target: "product:\(code)", summary: "archived")
            return try Self.requireProduct(db, code: code)
        }
    }

    public func applyBindings(
        distributorID: Int64, _ items: [PricedCode], change: BindingChange, stamp: AuditStamp
    ) async throws -> [BindingRecord] {
        try await write { db in
            _ = try Self.requireDistributor(db, id: distributorID)
            let found = try items.map { item in
                let product = try Self.fetchProduct(db, code: item.code)
                let bound = try product.map {
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM binding WHERE distributor_id = ? AND product_id = ?", arguments: [distributorID, $0.id])
                        ?? false
                } ?? false
                return (product, bound)
            }
            let resolved = try change.resolve(items, found: found)
            for (product, price) in resolved {
                switch change {
                case .bind:
                    try db.execute(
                        sql: """
                            INSERT INTO binding (distributor_id, product_id, settlement_price_fen, bound_at, updated_at)
                            VALUES (?, ?, ?, ?, ?)
                            """,
                        arguments: [distributorID, product.id, price, stamp.at, stamp.at])
                case .setPrice:
                    try db.execute(
                        sql: "UPDATE binding SET settlement_price_fen = ?, updated_at = ? WHERE distributor_id = ? AND product_id = ?",
                        arguments: [price, stamp.at, distributorID, product.id])
                }
                // A date's own retail price may be below the product's.
                try Self.requireSettlementWithinRetail(db, productID: product.id)
                var event = EventRecord(kind: change == .bind ? .bindingAdded : .bindingChanged, at: stamp.at, distributorID: distributorID)
                event.productCode = product.code
                event.amountFen = price
                try event.append(db)
            }
            let verb = change == .bind ? "bound" : "price set"
            try stamp.record(
                db, target: "distributor:\(distributorID)",
                summary: "\(verb): " + resolved.map { "\($0.0.code) at \($0.1) fen" }.joined(separator: ", "))
            return try Self.bindings(db, distributorID: distributorID)
        }
    }

    public func unbind(distributorID: Int64, codes: [String], stamp: AuditStamp) async throws -> [BindingRecord] {
        try await write { db in
            _ = try Self.requireDistributor(db, id: distributorID)
            var problems: [BatchItemProblem] = []
            var productIDs: [Int64] = []
            for (index, code) in codes.enumerated() {
                let id = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT product.id FROM binding JOIN product ON product.id = binding.product_id
                        WHERE binding.distributor_id = ? AND product.code = ?
                        """,
                    arguments: [distributorID, code])
                if let id { productIDs.append(id) } else { problems.append(.init(index: index, kind: .notBound)) }
            }
            guard problems.isEmpty else { throw BatchRejected(problems: problems) }
            for (id, code) in zip(productIDs, codes) {
                try db.execute(
                    sql: "DELETE FROM binding WHERE distributor_id = ? AND product_id = ?", arguments: [distributorID, id])
                var event = EventRecord(kind: .bindingRemoved, at: stamp.at, distributorID: distributorID)
                event.productCode = code
                try event.append(db)
            }
            try stamp.record(db, target: "distributor:\(distributorID)", summary: "unbound: " + codes.joined(separator: ", "))
            return try Self.bindings(db, distributorID: distributorID)
        }
    }

    public func bindings(distributorID: Int64) async throws -> [BindingRecord] {
        try await read { db in
            _ = try Self.requireDistributor(db, id: distributorID)
            return try Self.bindings(db, distributorID: distributorID)
        }
    }

    public func sellableProducts(distributorID: Int64) async throws -> [BindingRecord] {
        try await read { db in
            try BindingRecord.fetchAll(
                db, sql: BindingRecord.select + " WHERE binding.distributor_id = ? AND product.status = 'on_sale' ORDER BY product.code",
                arguments: [distributorID])
        }
    }

    static func bindings(_ db: Database, distributorID: Int64) throws -> [BindingRecord] {
        try BindingRecord.fetchAll(
            db, sql: BindingRecord.select + " WHERE binding.distributor_id = ? ORDER BY product.code", arguments: [distributorID])
    }

    static func fetchProduct(_ db: Database, code: String) throws -> ProductRecord? {
        try ProductRecord.fetchOne(db, sql: ProductRecord.select + " WHERE product.code = ?", arguments: [code])
    }

    static func requireProduct(_ db: Database, code: String) throws -> ProductRecord {
        guard let product = try fetchProduct(db, code: code) else { throw ProductNotFound(code: code) }
        return product
    }
}
