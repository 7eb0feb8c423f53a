import Foundation
import GRDB

public struct LedgerQuery: Sendable {
    public var distributorID: Int64
    public var from: Millis?
    public var until: Millis?
    public var afterID: Int64 = 0
    public var limit: Int

    public init(distributorID: Int64, from: Millis? = nil, until: Millis? = nil, afterID: Int64 = 0, limit: Int) {
        self.distributorID = distributorID
        self.from = from
        self.until = until
        self.afterID = afterID
        self.limit = limit
    }
}

public struct VoucherQuery: Sendable {
    public enum DateField: Sendable { case soldAt, visitDate }
    public var distributorID: Int64?
    public var productCode = ""
    public var status: VoucherRecord.Status?
    /// Valid vouchers past their last date: status valid and valid_until before this day.
    public var expiredBefore: String?
    /// Excludes expired ones from `status == .valid`.
    public var notExpiredOn: String?
    public var dateField = DateField.soldAt
    public var fromSoldAt: Millis?
    public var untilSoldAt: Millis?
    public var fromVisitDate: String?
    public var toVisitDate: String?
    public var code = ""
    /// true: only vouchers with a refund awaiting approval; false: none of them.
    public var refundPending: Bool?
    public var beforeID: Int64 = .max
    public var limit: Int

    public init(limit: Int) { self.limit = limit }

    /// The SQL that finds the page, newest first, and its arguments.
    var statement: (sql: String, arguments: StatementArguments) {
        // A distributor's vouchers in any state: no index holds them alone (a sale would
        // add to one more), so the page is merged newest first from the index by
        // distributor and state, one range a state, and stops at its size.
        if distributorID != nil, status == nil {
            var arms: [String] = []
            var arguments: StatementArguments = []
            for state in VoucherRecord.Status.allCases {
                let (conditions, values) = conditions(status: state)
                arms.append("SELECT voucher.id FROM voucher WHERE " + conditions)
                arguments += values
            }
            arguments += [limit]
            let page = arms.joined(separator: " UNION ALL ") + " ORDER BY 1 DESC LIMIT ?"
            return (VoucherRecord.select + " WHERE voucher.id IN (\(page)) ORDER BY voucher.id DESC", arguments)
        }
        let (conditions, arguments) = conditions(status: status)
        return (VoucherRecord.select + " WHERE " + conditions + " ORDER BY voucher.id DESC LIMIT ?", arguments + [limit])
    }

    /// The filter on the voucher's own columns, in one state or (nil) any.
    private func conditions(status: VoucherRecord.Status?) -> (String, StatementArguments) {
        var sql = "voucher.id < ?"
        var arguments: StatementArguments = [beforeID]
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            sql += " AND " + condition
            arguments += [value]
        }
        add("voucher.distributor_id = ?", distributorID)
        add("voucher.product_id = (SELECT id FROM product WHERE code = ?)", productCode.isEmpty ? nil : productCode)
        add("voucher.status = ?", status?.rawValue)
        add("voucher.valid_until < ?", expiredBefore)
        add("voucher.valid_until >= ?", notExpiredOn)
        add("voucher.sold_at >= ?", fromSoldAt)
        add("voucher.sold_at < ?", untilSoldAt)
        add("voucher.visit_date >= ?", fromVisitDate)
        add("voucher.visit_date <= ?", toVisitDate)
        if !code.isEmpty {
            sql += " AND " + VoucherRecord.codeCondition
            arguments += VoucherRecord.codeArguments(code)
        }
        if let refundPending {
            sql += " AND voucher.id \(refundPending ? "" : "NOT ")IN (SELECT voucher_id FROM refund_approval WHERE status = 'pending')"
        }
        return (sql, arguments)
    }
}

/// Balances, sales, vouchers and refunds. Each money movement is all or nothing: the
/// balance, the ledger, the order and its vouchers change together in one savepoint of a
/// `BEGIN IMMEDIATE` transaction (shared with the movements arriving at the same moment,
/// see ``GroupCommit``), and concurrent sellers are serialized by SQLite's single writer.
extension SQLiteStore {
    public func recharge(
        distributorID: Int64, amountFen: Int64, note: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: stamp.at, encode: encode) {
                _ = try Self.requireDistributor(db, id: distributorID)
                let entry = try Self.appendLedger(
                    db, distributorID: distributorID, kind: .recharge, amountFen: amountFen, note: note,
                    actor: stamp.actor, at: stamp.at)
                var event = EventRecord(kind: .recharge, at: stamp.at, distributorID: distributorID)
                event.amountFen = amountFen
                event.balanceFen = entry.balanceAfterFen
                try event.append(db)
                try stamp.record(db, target: "distributor:\(distributorID)", summary: "recharged \(amountFen) fen")
                return entry
            }
        }
    }

    public func adjust(
        distributorID: Int64, amountFen: Int64, reason: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: stamp.at, encode: encode) {
                let distributor = try Self.requireDistributor(db, id: distributorID)
                // Never below what holds keep aside, on the balance and the credit line.
                guard distributor.availableFen + amountFen >= 0 else {
                    throw MoneyError.balanceWouldGoNegative(balanceFen: distributor.availableFen)
                }
                let entry = try Self.appendLedger(
                    db, distributorID: distributorID, kind: .adjustment, amountFen: amountFen, note: reason,
                    actor: stamp.actor, at: stamp.at)
                try stamp.record(db, target: "distributor:\(distributorID)", summary: "adjusted \(amountFen) fen: \(reason)")
                return entry
            }
        }
    }

    public func ledger(_ query: LedgerQuery) async throws -> [LedgerEntryRecord] {
        try await read { db in
            _ = try Self.requireDistributor(db, id: query.distributorID)
            // Oldest first by time, then id, the order of the one index by distributor; a
            // page goes on after the entry that ended the one before.
            let after = try Int64.fetchOne(db, sql: "SELECT at FROM ledger_entry WHERE id = ?", arguments: [query.afterID]) ?? .min
            return try LedgerEntryRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM ledger_entry INDEXED BY ledger_by_distributor_at
                    WHERE distributor_id = ? AND (at, id) > (?, ?) AND at >= ? AND at < ?
                    ORDER BY at, id LIMIT ?
                    """,
                arguments: [query.distributorID, after, query.afterID, query.from ?? .min, query.until ?? .max, query.limit])
        }
    }

    public func money(distributorID: Int64) async throws -> DistributorRecord {
        try await read { try Self.requireDistributor($0, id: distributorID) }
    }

    public func sell(
        _ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data
    ) async throws -> Once<SaleRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: at, encode: encode) {
                // Checked here, after the replay lookup: a retry after midnight still gets
                // its first answer.
                guard sale.visitDate >= sale.now.today else {
                    throw MoneyError.visitDateInPast(visitDate: sale.visitDate, today: sale.now.today)
                }
                let (distributor, binding) = try Self.requireSellable(db, distributorID: sale.distributorID, productCode: sale.productCode)
                let product = binding.product
                try Self.checkVisitors(db, sale: sale, product: product)
                let prices = try Self.takeCalendar(db, sale: sale, product: product, binding: binding)
                let amount = prices.settlementPriceFen * Int64(sale.quantity)
                guard distributor.availableFen >= amount else {
                    throw MoneyError.insufficientBalance(balanceFen: distributor.availableFen, requiredFen: amount)
                }
                return try Self.writeSale(db, sale, product: product, prices: prices, at: at, issuer: self.voucherIssuer)
            }
        }
    }

    /// A distributor's binding to a product on sale by its code. Built once: the
    /// writer finds a statement by its text's storage (``WriterStatements``).
    private static let sellableBindingSQL =
        BindingRecord.select + " WHERE binding.distributor_id = ? AND product.code = ? AND product.status = 'on_sale'"

    /// A distributor's standing by id.
    private static let standingSQL = "SELECT \(DistributorStanding.columns) FROM distributor WHERE id = ?"

    /// The distributor's standing, if it may sell now, and its binding to the product, if on sale.
    static func requireSellable(_ db: Database, distributorID: Int64, productCode: String) throws -> (DistributorStanding, BindingRecord) {
        guard let distributor = try db.firstRow(standingSQL, distributorID, read: DistributorStanding.init(columns:)) else {
            throw AccountStoreError.distributorNotFound(distributorID)
        }
        guard distributor.status == .active, !distributor.passwordIsInitial else { throw MoneyError.distributorInactive }
        guard
            let binding = try db.firstRow(sellableBindingSQL, distributorID, productCode, read: BindingRecord.init(columns:))
        else { throw MoneyError.productNotAuthorized(productCode) }
        return (distributor, binding)
    }

    /// Writes a sale whose checks passed and whose tickets the calendar gave: the order, its
    /// visitors, one voucher per ticket at `prices`, and the ledger entry that charges it.
    static func writeSale(
        _ db: Database, _ sale: SaleRequest, product: ProductRecord, prices: (retailPriceFen: Int64, settlementPriceFen: Int64), at: Millis,
        issuer: VoucherIssuer
    ) throws -> SaleRecord {
        let amount = prices.settlementPriceFen * Int64(sale.quantity)
        try db.run(
            """
            INSERT INTO sale_order (distributor_id, product_id, quantity, visit_date, settlement_price_fen,
                retail_price_fen, refundable, amount_fen, buyer_name, buyer_phone, sold_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            sale.distributorID, product.id, sale.quantity, sale.visitDate, prices.settlementPriceFen,
            prices.retailPriceFen, product.refundable, amount, sale.buyerName, sale.buyerPhone, at)
        let orderID = db.lastInsertedRowID
        let validUntil = CalendarDates.dayNumber(sale.visitDate).map { CalendarDates.date(dayNumber: $0 + product.validDays - 1) }
            ?? sale.visitDate
        let visitorIDs = try Self.insertVisitors(
            db, sale.visitors, orderID: orderID, productID: product.id, visitDate: sale.visitDate, validUntil: validUntil)
        var codes: [String] = []
        for index in 0..<sale.quantity {
            let (id, code) = try issuer.next(db)
            // One visitor per ticket, or the order's one visitor for all of them.
            let visitorID = visitorIDs.isEmpty ? nil : visitorIDs[min(index, visitorIDs.count - 1)]
            try db.run(
                """
                INSERT INTO voucher (id, code, order_id, distributor_id, product_id, visit_date, valid_until,
                    settlement_price_fen, retail_price_fen, refundable, sold_at, slot, visitor_id, refund_policy_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                id, code, orderID, sale.distributorID, product.id, sale.visitDate, validUntil, prices.settlementPriceFen,
                prices.retailPriceFen, product.refundable, at, sale.slot.isEmpty ? nil : sale.slot, visitorID,
                product.refundable ? product.refundPolicyID : nil)
            codes.append(code)
        }
        let entry = try Self.appendLedger(
            db, distributorID: sale.distributorID, kind: .sale, amountFen: -amount, orderID: orderID,
            note: "\(sale.quantity) × \(product.code)", actor: "distributor:\(sale.distributorID)", at: at)
        return SaleRecord(orderID: orderID, voucherCodes: codes, amountFen: amount, balanceAfterFen: entry.balanceAfterFen)
    }

    public func vouchers(_ query: VoucherQuery) async throws -> [VoucherRecord] {
        try await read { db in
            // Expired vouchers are found by walking valid ones newest first, past every one
            // still in date: all of them (a second for a million) when none has expired,
            // which the tally tells from a few rows.
            if let day = query.expiredBefore, try !Self.anyExpired(db, before: day, distributorID: query.distributorID) {
                return []
            }
            let (sql, arguments) = query.statement
            // Cached: the merged page is a long statement to compile, and one of few shapes.
            return try VoucherRecord.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
        }
    }

    /// Whether any voucher (of the distributor, if given) is valid with its last day before `day`.
    static func anyExpired(_ db: Database, before day: String, distributorID: Int64?) throws -> Bool {
        var sql = "SELECT 1 FROM voucher_tally WHERE status = 'valid' AND valid_until < ? AND count > 0"
        var arguments: StatementArguments = [day]
        if let distributorID {
            sql += " AND distributor_id = ?"
            arguments += [distributorID]
        }
        return try Bool.fetchOne(db, sql: sql + " LIMIT 1", arguments: arguments) ?? false
    }

    public func redeem(
        code: String, now: SceneNow, key: RequestKey?, stamp: AuditStamp, encode: @escaping @Sendable (VoucherRecord) throws -> Data
    ) async throws -> Once<VoucherRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: stamp.at, encode: encode) {
                try Self.admit(db, try Self.requireVoucher(db, code: code, distributorID: nil), now: now, stamp: stamp)
            }
        }
    }

    /// Redeems `voucher` if it admits now: valid, its day (or days), its slot.
    static func admit(_ db: Database, _ voucher: VoucherRecord, now: SceneNow, stamp: AuditStamp) throws -> VoucherRecord {
        try checkAdmits(db, voucher, now: now)
        try db.execute(
            sql: "UPDATE voucher SET status = 'redeemed', redeemed_at = ?, redeemed_by = ? WHERE id = ?",
            arguments: [stamp.at, stamp.actor, voucher.id])
        try EventRecord.voucher(.voucherRedeemed, voucher, at: stamp.at).append(db)
        return try requireVoucher(db, code: voucher.code, distributorID: nil)
    }

    /// Why `voucher` does not admit now, if it does not.
    static func checkAdmits(_ db: Database, _ voucher: VoucherRecord, now: SceneNow) throws {
        try voucher.requireAdmits(now: now, rules: try admissionRules(db, productID: voucher.productID))
    }

    /// The rules a product's vouchers are admitted by (its slots and their grace).
    static func admissionRules(_ db: Database, productID: Int64) throws -> BookingRules {
        try db.firstRow(
            "SELECT slot_admission, admission_grace_minutes FROM product WHERE id = ?", productID, read: BookingRules.init(row:)
        ) ?? BookingRules()
    }

    public func undoRedemption(code: String, reason: String, window: Millis, stamp: AuditStamp) async throws -> VoucherRecord {
        try await write { db in
            let voucher = try Self.requireVoucher(db, code: code, distributorID: nil)
            guard voucher.status == .redeemed, let redeemedAt = voucher.redeemedAt else { throw MoneyError.notRedeemed(code) }
            guard stamp.at - redeemedAt <= window else { throw MoneyError.undoWindowClosed(code) }
            try db.execute(
                sql: "UPDATE voucher SET status = 'valid', redeemed_at = NULL, redeemed_by = NULL WHERE id = ?", arguments: [voucher.id])
            try EventRecord.voucher(.redemptionUndone, voucher, at: stamp.at).append(db)
            try stamp.record(db, target: "voucher:\(code)", summary: "redemption undone: \(reason)")
            return try Self.requireVoucher(db, code: code, distributorID: nil)
        }
    }

    /// Moves a balance; answers the distributor's standing after it.
    private static let moveBalanceSQL =
        "UPDATE distributor SET balance_fen = balance_fen + ? WHERE id = ? RETURNING \(DistributorStanding.columns)"

    /// Moves the balance by `amountFen` and records it; the schema's CHECK keeps the
    /// balance at or above minus the credit line.
    static func appendLedger(
        _ db: Database, distributorID: Int64, kind: LedgerEntryRecord.Kind, amountFen: Int64, orderID: Int64? = nil,
        voucherCode: String = "", note: String = "", actor: String, at: Millis, feeFen: Int64 = 0
    ) throws -> LedgerEntryRecord {
        guard
            let distributor = try db.firstRow(moveBalanceSQL, amountFen, distributorID, read: DistributorStanding.init(columns:))
        else { throw AccountStoreError.distributorNotFound(distributorID) }
        let balance = distributor.balanceFen
        try LowBalanceAlert.update(db, distributor, at: at)
        // A ledger reads in the order it was written, by time: an entry is never dated
        // before the one before it, even when the clock steps back.
        let written = try db.firstRow(
            """
            INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, order_id, voucher_code, note, actor, fee_fen)
            VALUES (?1, max(?2, coalesce((SELECT max(at) FROM ledger_entry WHERE distributor_id = ?1), ?2)),
                ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            RETURNING id, at
            """,
            distributorID, at, kind.rawValue, amountFen, balance, orderID, voucherCode, note, actor, feeFen,
            read: { row in (id: row["id"] as Int64, at: row["at"] as Millis) })
        guard let (id, at) = written else { throw DatabaseError(message: "a ledger entry was not written") }
        // The rest of the row is known here: no read back on the write path.
        return LedgerEntryRecord(
            id: id, distributorID: distributorID, at: at, kind: kind, amountFen: amountFen,
            balanceAfterFen: balance, orderID: orderID, voucherCode: voucherCode, note: note, actor: actor, feeFen: feeFen)
    }

    /// A voucher by code; one of another distributor is as missing as one that does not exist.
    static func requireVoucher(_ db: Database, code: String, distributorID: Int64?) throws -> VoucherRecord {
        let voucher = try VoucherRecord.fetchOne(
            db.cachedStatement(sql: VoucherRecord.select + " WHERE " + VoucherRecord.codeCondition),
            arguments: VoucherRecord.codeArguments(code))
        guard let voucher, distributorID == nil || voucher.distributorID == distributorID else {
            throw MoneyError.voucherNotFound(code)
        }
        return voucher
    }

    /// Runs `body` once per request key: a retry with the same content gets the stored
    /// answer; other content under the same id is refused. A failed body rolls back with
    /// the transaction, so its id stays free.
    static func once<T: Sendable>(
        _ db: Database, _ key: RequestKey?, at: Millis, encode: (T) throws -> Data, _ body: () throws -> T
    ) throws -> Once<T> {
        guard let key else { return .first(try body()) }
        if let (method, fingerprint, response) = try db.firstRow(
            "SELECT method, fingerprint, response FROM request_log WHERE scope = ? AND request_id = ?", key.scope, key.requestID,
            read: { row in (row["method"] as String, row["fingerprint"] as Data, row["response"] as Data) })
        {
            guard method == key.method, fingerprint == key.fingerprint else { throw MoneyError.requestIDReused(key.requestID) }
            return .replay(response)
        }
        let value = try body()
        try db.run(
            "INSERT INTO request_log (scope, request_id, method, fingerprint, response, at) VALUES (?, ?, ?, ?, ?, ?)",
            key.scope, key.requestID, key.method, key.fingerprint, try encode(value), at)
        return .first(value)
    }
}

extension VoucherRecord {
    /// Why the voucher does not admit now under its product's booking `rules`, if it does
    /// not: valid, its day (or days), and its slot (with the grace) when the product
    /// admits by slot.
    package func requireAdmits(now: SceneNow, rules: BookingRules) throws {
        try requireUnused()
        guard now.today >= visitDate else { throw MoneyError.notYetValid(code: code, visitDate: visitDate) }
        guard now.today <= validUntil else { throw MoneyError.voucherExpired(code: code, validUntil: validUntil) }
        guard rules.slotAdmission, let text = slot, let window = TimeSlot(text) else { return }
        let grace = rules.admissionGraceMinutes
        guard (window.start - grace...window.end + grace).contains(now.minuteOfDay) else {
            throw CalendarError.notInSlot(code: code, slot: text)
        }
    }

    /// Refuses a voucher used, refunded or with a refund awaiting approval: what nothing
    /// else may happen to.
    package func requireUnused() throws {
        switch status {
        case .redeemed: throw MoneyError.alreadyRedeemed(code: code, at: redeemedAt ?? 0)
        case .refunded: throw MoneyError.voucherRefunded(code)
        case .valid: break
        }
        guard !refundPending else { throw MoneyError.refundPending(code) }
    }
}
