import Foundation
import PostgresNIO
import ScenicNumbering
import ScenicStore

/// Balances, the ledger and sales. A money movement locks its distributor's row first and
/// decides on the balance it then reads; the balance, the ledger, the order and its
/// vouchers change in one transaction, so sellers on any number of daemons never spend
/// the same fen twice.
extension PostgresStore {
    public func recharge(
        distributorID: Int64, amountFen: Int64, note: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord> {
        try await write { transaction in
            try await transaction.once(key, at: stamp.at, encode: encode) {
                _ = try await transaction.requireDistributor(id: distributorID, locked: true)
                let entry = try await transaction.appendLedger(
                    distributorID: distributorID, kind: .recharge, amountFen: amountFen, note: note, actor: stamp.actor, at: stamp.at)
                var event = EventRecord(kind: .recharge, at: stamp.at, distributorID: distributorID)
                event.amountFen = amountFen
                event.balanceFen = entry.balanceAfterFen
                try await transaction.append(event)
                try await transaction.record(stamp, target: "distributor:\(distributorID)", summary: "recharged \(amountFen) fen")
                return entry
            }
        }
    }

    public func adjust(
        distributorID: Int64, amountFen: Int64, reason: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord> {
        try await write { transaction in
            try await transaction.once(key, at: stamp.at, encode: encode) {
                let distributor = try await transaction.requireDistributor(id: distributorID, locked: true)
                // Never below what holds keep aside, on the balance and the credit line.
                guard distributor.availableFen + amountFen >= 0 else {
                    throw MoneyError.balanceWouldGoNegative(balanceFen: distributor.availableFen)
                }
                let entry = try await transaction.appendLedger(
                    distributorID: distributorID, kind: .adjustment, amountFen: amountFen, note: reason, actor: stamp.actor, at: stamp.at)
                try await transaction.record(stamp, target: "distributor:\(distributorID)", summary: "adjusted \(amountFen) fen: \(reason)")
                return entry
            }
        }
    }

    public func ledger(_ query: LedgerQuery) async throws -> [LedgerEntryRecord] {
        try await read { transaction in
            _ = try await transaction.requireDistributor(id: query.distributorID)
            // Oldest first by time, then id; a page goes on after the entry that ended the one before.
            let after = try await transaction.value(Int64.self, "SELECT at FROM ledger_entry WHERE id = \(query.afterID)") ?? .min
            return try await transaction.all(
                LedgerEntryRecord.self,
                """
                SELECT * FROM ledger_entry
                WHERE distributor_id = \(query.distributorID) AND (at, id) > (\(after), \(query.afterID))
                    AND at >= \(query.from ?? .min) AND at < \(query.until ?? .max)
                ORDER BY at, id LIMIT \(query.limit)
                """)
        }
    }

    public func money(distributorID: Int64) async throws -> DistributorRecord {
        try await read { try await $0.requireDistributor(id: distributorID) }
    }

    /// Sells the tickets: the distributor's row locked, then the checks (the per-ID limit's
    /// and the date's locks taken), then the order, one voucher per ticket (its code made
    /// from its id) and the ledger entry that pays for them.
    public func sell(
        _ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data
    ) async throws -> Once<SaleRecord> {
        try await write { transaction in
            try await transaction.once(key, at: at, encode: encode) {
                // Checked after the replay lookup: a retry after midnight still gets its first answer.
                guard sale.visitDate >= sale.now.today else {
                    throw MoneyError.visitDateInPast(visitDate: sale.visitDate, today: sale.now.today)
                }
                let (distributor, binding) = try await transaction.requireSellable(distributorID: sale.distributorID, productCode: sale.productCode)
                let product = binding.product
                try await transaction.checkVisitors(sale: sale, product: product)
                let prices = try await transaction.takeCalendar(sale: sale, product: product, binding: binding)
                let amount = prices.settlementPriceFen * Int64(sale.quantity)
                guard distributor.availableFen >= amount else {
                    throw MoneyError.insufficientBalance(balanceFen: distributor.availableFen, requiredFen: amount)
                }
                return try await transaction.writeSale(sale, distributor: distributor, product: product, prices: prices, codes: voucherCodes, at: at)
            }
        }
    }
}

extension PostgresTransaction {
    /// Runs `body` once per request key: a retry with the same content gets the stored
    /// answer; other content under the same id is refused. Two daemons given one key at
    /// once: the second's insert waits for the first's transaction, then finds its row,
    /// and the whole transaction starts again to answer with it.
    func once<T: Sendable>(
        _ key: RequestKey?, at: Millis, encode: (T) throws -> Data, _ body: () async throws -> T
    ) async throws -> Once<T> {
        guard let key else { return .first(try await body()) }
        // The same key on two daemons at once: the second waits here for the first to
        // commit, then finds its answer (two int keys: apart from the one-key locks). The
        // lookup is a statement of its own, after the wait: one that shared the lock's
        // statement would read a snapshot from before it, miss the first's answer and
        // refuse the sale on the balance the first had spent.
        try await run("SELECT pg_advisory_xact_lock(hashtext(\(key.scope)), hashtext(\(key.requestID)))")
        if let row = try await rows(
            "SELECT method, fingerprint, response FROM request_log WHERE scope = \(key.scope) AND request_id = \(key.requestID)"
        ).first {
            guard row["method"] == key.method, row["fingerprint"] == key.fingerprint else {
                throw MoneyError.requestIDReused(key.requestID)
            }
            return .replay(row["response"])
        }
        let value = try await body()
        // A unique violation here (the same key committed meanwhile) ends the transaction;
        // the caller's retry of it then finds the answer above.
        try await run(
            """
            INSERT INTO request_log (scope, request_id, method, fingerprint, response, at)
            VALUES (\(key.scope), \(key.requestID), \(key.method), \(key.fingerprint), \(try encode(value)), \(at))
            """)
        return .first(value)
    }

    /// Moves the balance of the distributor `distributorID` (locked by the caller) by
    /// `amountFen` and records it; the schema's check keeps the balance at or above minus
    /// the credit line.
    func appendLedger(
        distributorID: Int64, kind: LedgerEntryRecord.Kind, amountFen: Int64, orderID: Int64? = nil,
        voucherCode: String = "", note: String = "", actor: String, at: Millis, feeFen: Int64 = 0
    ) async throws -> LedgerEntryRecord {
        // The balance and its entry in one round trip; the entry is never dated before the
        // one before it, even when a daemon's clock is behind.
        guard
            let row = try await rows(
                """
                WITH moved AS (
                    UPDATE distributor SET balance_fen = balance_fen + \(amountFen) WHERE id = \(distributorID) RETURNING *),
                entry AS (
                    INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, order_id, voucher_code, note,
                        actor, fee_fen)
                    SELECT moved.id, greatest(\(at), (SELECT max(at) FROM ledger_entry WHERE distributor_id = \(distributorID))),
                        \(kind.rawValue), \(amountFen), moved.balance_fen, \(orderID), \(voucherCode), \(note), \(actor), \(feeFen)
                    FROM moved
                    RETURNING id, at)
                SELECT moved.*, entry.id AS entry_id, entry.at AS entry_at FROM moved, entry
                """
            ).first
        else { throw AccountStoreError.distributorNotFound(distributorID) }
        let moved = try DistributorRecord(row: row)
        try await updateLowBalanceAlert(moved, at: at)
        return LedgerEntryRecord(
            id: row["entry_id"], distributorID: moved.id, at: row["entry_at"], kind: kind, amountFen: amountFen,
            balanceAfterFen: moved.balanceFen, orderID: orderID, voucherCode: voucherCode, note: note, actor: actor, feeFen: feeFen)
    }

    /// One SMS when the available amount falls below the distributor's threshold, not one
    /// per sale after that (``LowBalanceAlert``).
    func updateLowBalanceAlert(_ distributor: DistributorRecord, at: Millis) async throws {
        guard let below = LowBalanceAlert.change(for: distributor) else { return }
        try await run("UPDATE distributor SET low_balance_alerted = \(below) WHERE id = \(distributor.id)")
        guard below else { return }
        try await append(LowBalanceAlert.event(for: distributor, at: at))
        try await enqueue(LowBalanceAlert.sms(for: distributor), at: at)
    }

    /// The distributor, locked, if it may sell now, and its binding to the product, if on
    /// sale, with the product's calendar shared (``requireBinding(of:productCode:)``).
    func requireSellable(distributorID: Int64, productCode: String) async throws -> (DistributorRecord, BindingRecord) {
        let distributor = try await requireDistributor(id: distributorID, locked: true)
        return (distributor, try await requireBinding(of: distributor, productCode: productCode))
    }

    /// The binding of `distributor` (locked by the caller), if it may sell now, to the
    /// product, if on sale. The statement also shares the product's calendar lock until the
    /// transaction ends, as ``shareCalendars(productIDs:)`` does, saving a sale a round
    /// trip: the binding it reads is not what a calendar change alters, and the date's row
    /// is locked and read after it, in statements of their own.
    func requireBinding(of distributor: DistributorRecord, productCode: String) async throws -> BindingRecord {
        guard distributor.status == .active, !distributor.passwordIsInitial else { throw MoneyError.distributorInactive }
        guard
            let binding = try await one(
                BindingRecord.self,
                .sql(
                    "SELECT pg_advisory_xact_lock_shared(\(PostgresStore.calendarLockBase) | product.id)::text AS calendar_shared, "
                        + BindingRecord.select.dropFirst("SELECT ".count)
                        + " WHERE binding.distributor_id = $1 AND product.code = $2 AND product.status = 'on_sale'",
                    distributor.id, productCode))
        else { throw MoneyError.productNotAuthorized(productCode) }
        return binding
    }

    /// Writes a sale whose checks passed and whose tickets the calendar gave: the order, its
    /// visitors, one voucher per ticket at `prices`, and the ledger entry that charges the
    /// locked `distributor`.
    func writeSale(
        _ sale: SaleRequest, distributor: DistributorRecord, product: ProductRecord, prices: (retailPriceFen: Int64, settlementPriceFen: Int64),
        codes voucherCodes: VoucherCodes, at: Millis
    ) async throws -> SaleRecord {
        let amount = prices.settlementPriceFen * Int64(sale.quantity)
        // The order and every ticket's id in one round trip.
        let ordered = try await rows(
            """
            WITH placed AS (
                INSERT INTO sale_order (distributor_id, product_id, quantity, visit_date, settlement_price_fen,
                    retail_price_fen, refundable, amount_fen, buyer_name, buyer_phone, sold_at)
                VALUES (\(sale.distributorID), \(product.id), \(sale.quantity), \(CivilDate(sale.visitDate)),
                    \(prices.settlementPriceFen), \(prices.retailPriceFen), \(product.refundable), \(amount),
                    \(sale.buyerName), \(sale.buyerPhone), \(at))
                RETURNING id)
            SELECT placed.id AS order_id, nextval(pg_get_serial_sequence('voucher', 'id')) AS voucher_id
            FROM placed, generate_series(1, \(sale.quantity))
            """)
        guard let orderID = ordered.first?["order_id"] as Int64? else { throw PostgresStoreFault(what: "an order was not written") }
        let validUntil = CalendarDates.dayNumber(sale.visitDate).map { CalendarDates.date(dayNumber: $0 + product.validDays - 1) }
            ?? sale.visitDate
        let visitorIDs = try await insertVisitors(
            sale.visitors, orderID: orderID, productID: product.id, visitDate: sale.visitDate, validUntil: validUntil)
        // Every ticket in one statement: one row of values a ticket, the visitor's (one a
        // ticket, or the order's one for all) its only difference.
        let ids = ordered.map { $0["voucher_id"] as Int64 }
        let codes = ids.map(voucherCodes.code(for:))
        // 0 for none: a visitor's id is never 0.
        let visitors: [Int64] = ids.indices.map { visitorIDs.isEmpty ? 0 : visitorIDs[min($0, visitorIDs.count - 1)] }
        try await run(
            .sql(
                """
                INSERT INTO voucher (id, code, order_id, distributor_id, product_id, visit_date, valid_until,
                    settlement_price_fen, retail_price_fen, refundable, sold_at, slot, visitor_id, refund_policy_id)
                SELECT ticket.id, ticket.code, $3, $4, $5, $6::date, $7::date, $8, $9, $10, $11, $12, nullif(ticket.visitor_id, 0), $13
                FROM unnest($1::bigint[], $2::text[], $14::bigint[]) AS ticket (id, code, visitor_id)
                """, ids, codes, orderID, sale.distributorID, product.id, sale.visitDate, validUntil, prices.settlementPriceFen,
                prices.retailPriceFen, product.refundable, at, sale.slot.isEmpty ? nil : sale.slot,
                product.refundable ? product.refundPolicyID : nil, visitors))
        let entry = try await appendLedger(
            distributorID: distributor.id, kind: .sale, amountFen: -amount, orderID: orderID, note: "\(sale.quantity) × \(product.code)",
            actor: "distributor:\(sale.distributorID)", at: at)
        return SaleRecord(orderID: orderID, voucherCodes: codes, amountFen: amount, balanceAfterFen: entry.balanceAfterFen)
    }
}

extension PostgresQuery {
    /// `sql` with `$1`, `$2`… bound to `values` in order (nil binds NULL), for SQL shared
    /// with the SQLite store's record reads.
    static func sql(_ sql: String, _ values: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> PostgresQuery {
        var bindings = PostgresBindings()
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
