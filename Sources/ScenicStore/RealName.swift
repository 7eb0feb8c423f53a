import Foundation
import GRDB

/// Real-name tickets: the visitors a sale names, per-ID limits, the gate's lookups by ID,
/// and the end of personal data. The store never sees a name or an ID number in the
/// clear: its caller seals them and hashes the number under keys the store does not hold.
extension SQLiteStore {
    public func setRealNameRules(productCode: String, _ rules: RealNameRules, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { db in
            let product = try Self.requireProduct(db, code: productCode)
            try db.execute(
                sql: "UPDATE product SET real_name_mode = ?, id_limit = ?, id_limit_period = ?, updated_at = ? WHERE id = ?",
                arguments: [rules.mode.rawValue, rules.idLimit, rules.idLimitPeriod.rawValue, stamp.at, product.id])
            try stamp.record(db, target: "product:\(product.code)", summary: "real names: \(rules)")
            return try Self.requireProduct(db, code: productCode)
        }
    }

    /// Checks that a sale names the visitors its product's mode needs and that none of
    /// them would hold more tickets than the per-ID limit allows, counting every
    /// distributor's tickets not refunded. Runs inside the sale's write transaction, so
    /// concurrent sales for one ID are counted one after the other.
    static func checkVisitors(_ db: Database, sale: SaleRequest, product: ProductRecord) throws {
        let rules = product.realName
        try rules.requireVisitors(for: sale, productCode: product.code)
        guard rules.idLimit > 0 else { return }
        let (first, last) = rules.period(around: sale.visitDate)
        for (index, visitor) in sale.visitors.enumerated() {
            let held = try Int.fetchOne(
                db.cachedStatement(sql: """
                    SELECT count(*) FROM visitor JOIN voucher ON voucher.visitor_id = visitor.id
                    WHERE visitor.id_hash = ? AND visitor.product_id = ? AND visitor.visit_date BETWEEN ? AND ?
                        AND voucher.status != 'refunded'
                    """),
                arguments: [visitor.idHash, product.id, first, last]) ?? 0
            try rules.requireWithinLimit(sale, visitor: index, held: held)
        }
    }

    /// Writes a sale's visitors, answering their row ids in order.
    static func insertVisitors(
        _ db: Database, _ visitors: [SealedVisitor], orderID: Int64, productID: Int64, visitDate: String, validUntil: String
    ) throws -> [Int64] {
        guard !visitors.isEmpty else { return [] }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO visitor (order_id, product_id, visit_date, valid_until, id_type, masked_name, masked_id, id_hash, sealed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        return try visitors.map { visitor in
            try insert.execute(arguments: [
                orderID, productID, visitDate, validUntil, visitor.idType, visitor.maskedName, visitor.maskedIDNumber, visitor.idHash,
                visitor.sealed,
            ])
            return db.lastInsertedRowID
        }
    }

    public func checkIn(
        _ target: CheckInTarget, now: SceneNow, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (VoucherRecord) throws -> Data
    ) async throws -> Once<VoucherRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: stamp.at, encode: encode) {
                switch target {
                case .code(let code, let idHash):
                    let voucher = try Self.requireVoucher(db, code: code, distributorID: nil)
                    if let idHash {
                        let stored = try Data.fetchOne(
                            db, sql: "SELECT id_hash FROM visitor WHERE id = (SELECT visitor_id FROM voucher WHERE id = ?)",
                            arguments: [voucher.id])
                        guard stored == idHash else { throw RealNameError.visitorMismatch(code: code) }
                    }
                    return try Self.admit(db, voucher, now: now, stamp: stamp)
                case .visitor(let idHash):
                    return try Self.admit(db, try Self.visitorsTicket(db, idHash: idHash, now: now), now: now, stamp: stamp)
                }
            }
        }
    }

    /// The one ticket of the visitor that admits now (``VoucherRecord/visitorsTicket(among:now:)``).
    static func visitorsTicket(_ db: Database, idHash: Data, now: SceneNow) throws -> VoucherRecord {
        let vouchers = try VoucherRecord.fetchAll(
            db, sql: VoucherRecord.select + " WHERE visitor.id_hash = ? ORDER BY voucher.visit_date DESC, voucher.id LIMIT 100",
            arguments: [idHash])
        return try VoucherRecord.visitorsTicket(
            among: vouchers.map { voucher in
                (voucher, try admissionRules(db, productID: voucher.productID))
            }, now: now)
    }

    public func revealVisitor(code: String, reason: String, stamp: AuditStamp) async throws -> VisitorRecord {
        try await write { db in
            let voucher = try Self.requireVoucher(db, code: code, distributorID: nil)
            guard let visitor = voucher.visitor else { throw RealNameError.notRealName(code: code) }
            guard visitor.sealed != nil else { throw RealNameError.personalDataErased(code: code) }
            try stamp.record(db, target: "voucher:\(code)", summary: "revealed the visitor's ID: \(reason)")
            return visitor
        }
    }

    /// Erases the sealed names and numbers of tickets whose last valid day is before
    /// `sealedBefore`, and the ID hashes of those before `hashesBefore`; answers how many
    /// visitors lost either. A hash may outlive the sealed data: a per-ID limit of a week or
    /// a month counts visits up to 31 days back. The WAL is emptied afterwards so that the
    /// erased bytes leave the disk (secure_delete zeroes them in the database file).
    public func erasePersonalData(sealedBefore: String, hashesBefore: String) async throws -> Int {
        let erased = try await write { db in
            try db.execute(
                sql: "UPDATE visitor SET sealed = NULL WHERE sealed IS NOT NULL AND valid_until < ?", arguments: [sealedBefore])
            let sealed = db.changesCount
            try db.execute(
                sql: "UPDATE visitor SET id_hash = NULL WHERE id_hash IS NOT NULL AND valid_until < ?", arguments: [hashesBefore])
            return sealed + db.changesCount
        }
        if erased > 0 {
            try await writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        return erased
    }

    public func adoptPersonalDataKey(check: Data) async throws {
        try await write { db in
            let stored = try Data.fetchOne(db, sql: "SELECT personal_data_key_check FROM store_info")
            guard stored != check else { return }
            // The ID hashes too: under another key no limit or gate lookup would find them.
            if stored != nil,
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM visitor WHERE sealed IS NOT NULL OR id_hash IS NOT NULL)") ?? false
            {
                throw RealNameError.keyMismatch
            }
            try db.execute(sql: "UPDATE store_info SET personal_data_key_check = ?", arguments: [check])
        }
    }
}
