import Foundation
import GRDB
import PostgresNIO
import ScenicStore

/// Real-name tickets on a shared database: a per-ID limit is settled by an advisory lock on
/// the ID's hash and product, taken before its tickets are counted, so two daemons selling
/// to one ID count one after the other. The store never sees a name or an ID number in the
/// clear (``SealedVisitor``).
extension PostgresStore {
    public func setRealNameRules(productCode: String, _ rules: RealNameRules, stamp: AuditStamp) async throws -> ProductRecord {
        try await write { transaction in
            let product = try await transaction.requireProduct(code: productCode, locked: true)
            try await transaction.run(
                """
                UPDATE product SET real_name_mode = \(rules.mode.rawValue), id_limit = \(rules.idLimit),
                    id_limit_period = \(rules.idLimitPeriod.rawValue), updated_at = \(stamp.at)
                WHERE id = \(product.id)
                """)
            try await transaction.record(stamp, target: "product:\(product.code)", summary: "real names: \(rules)")
            return try await transaction.requireProduct(code: productCode)
        }
    }

    public func checkIn(
        _ target: CheckInTarget, now: SceneNow, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (VoucherRecord) throws -> Data
    ) async throws -> Once<VoucherRecord> {
        try await write { transaction in
            try await transaction.once(key, at: stamp.at, encode: encode) {
                switch target {
                case .code(let code, let idHash):
                    let voucher = try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: nil, locked: true)
                    if let idHash {
                        let stored = try await transaction.value(
                            Data.self, "SELECT id_hash FROM visitor WHERE id = (SELECT visitor_id FROM voucher WHERE id = \(voucher.id))")
                        guard stored == idHash else { throw RealNameError.visitorMismatch(code: code) }
                    }
                    return try await transaction.admit(voucher, now: now, stamp: stamp, codes: voucherCodes)
                case .visitor(let idHash):
                    let tickets = try await transaction.rows(
                        .sql(
                            """
                            SELECT voucher.id, product.slot_admission, product.admission_grace_minutes
                            FROM voucher JOIN visitor ON visitor.id = voucher.visitor_id JOIN product ON product.id = voucher.product_id
                            WHERE visitor.id_hash = $1 ORDER BY voucher.visit_date DESC, voucher.id LIMIT 100
                            """, idHash))
                    // Locked, then read, in statements of their own: the same visitor at two
                    // gates is let in once, and a refund request filed meanwhile is seen.
                    let ids = tickets.map { $0["id"] as Int64 }
                    try await transaction.run(.sql("SELECT id FROM voucher WHERE id = ANY ($1::bigint[]) ORDER BY id FOR NO KEY UPDATE", ids))
                    let vouchers = Dictionary(
                        uniqueKeysWithValues: try await transaction.all(
                            VoucherRecord.self, .sql(VoucherRecord.select + " WHERE voucher.id = ANY ($1::bigint[])", ids)
                        ).map { ($0.id, $0) })
                    let candidates = tickets.compactMap { ticket in
                        vouchers[ticket["id"]].map { (voucher: $0, rules: BookingRules(row: ticket)) }
                    }
                    let voucher = try VoucherRecord.visitorsTicket(among: candidates, now: now)
                    return try await transaction.admit(voucher, now: now, stamp: stamp, codes: voucherCodes)
                }
            }
        }
    }

    public func revealVisitor(code: String, reason: String, stamp: AuditStamp) async throws -> VisitorRecord {
        try await write { transaction in
            let voucher = try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: nil)
            guard let visitor = voucher.visitor else { throw RealNameError.notRealName(code: code) }
            guard visitor.sealed != nil else { throw RealNameError.personalDataErased(code: code) }
            try await transaction.record(stamp, target: "voucher:\(code)", summary: "revealed the visitor's ID: \(reason)")
            return visitor
        }
    }

    /// Erases the sealed names and numbers of tickets whose last valid day is before
    /// `sealedBefore`, and the ID hashes of those before `hashesBefore`. The erased bytes
    /// leave the table's pages when PostgreSQL vacuums them, and its WAL when the segments
    /// are recycled; a standby and a base backup keep them until they are replaced.
    public func erasePersonalData(sealedBefore: String, hashesBefore: String) async throws -> Int {
        try await write { transaction in
            let sealed = try await transaction.rows(
                "UPDATE visitor SET sealed = NULL WHERE sealed IS NOT NULL AND valid_until < \(CivilDate(sealedBefore)) RETURNING id")
            let hashes = try await transaction.rows(
                "UPDATE visitor SET id_hash = NULL WHERE id_hash IS NOT NULL AND valid_until < \(CivilDate(hashesBefore)) RETURNING id")
            return sealed.count + hashes.count
        }
    }

    public func adoptPersonalDataKey(check: Data) async throws {
        try await write { transaction in
            let stored = try await transaction.value(Data.self, "SELECT personal_data_key_check FROM store_info FOR UPDATE")
            guard stored != check else { return }
            // The ID hashes too: under another key no limit or gate lookup would find them.
            if stored != nil,
                try await transaction.value(
                    Bool.self, "SELECT EXISTS (SELECT 1 FROM visitor WHERE sealed IS NOT NULL OR id_hash IS NOT NULL)") ?? false
            {
                throw RealNameError.keyMismatch
            }
            try await transaction.run(.sql("UPDATE store_info SET personal_data_key_check = $1", check))
        }
    }
}

extension PostgresTransaction {
    /// Checks that a sale names the visitors its product's mode needs and that none of
    /// them would hold more tickets than the per-ID limit allows, counting every
    /// distributor's tickets not refunded; each ID's lock is held until the sale commits.
    func checkVisitors(sale: SaleRequest, product: ProductRecord) async throws {
        let rules = product.realName
        try rules.requireVisitors(for: sale, productCode: product.code)
        guard rules.idLimit > 0 else { return }
        try await lockIDs(sale.visitors.map(\.idHash), productID: product.id)
        let (first, last) = rules.period(around: sale.visitDate)
        for (index, visitor) in sale.visitors.enumerated() {
            let held = try await heldTickets(idHash: visitor.idHash, productID: product.id, from: first, to: last)
            try rules.requireWithinLimit(sale, visitor: index, held: held)
        }
    }

    /// Takes the per-ID limit's lock of each ID for the product, in one order for every
    /// transaction.
    func lockIDs(_ hashes: [Data], productID: Int64) async throws {
        for hex in Set(hashes.map { $0.map { String(format: "%02x", $0) }.joined() }).sorted() {
            try await run("SELECT pg_advisory_xact_lock(hashtextextended(\(hex), \(productID)))")
        }
    }

    /// Tickets of an ID for the product with a visit date from `from` to `to`, not refunded.
    func heldTickets(idHash: Data, productID: Int64, from: String, to: String, excluding: [Int64] = []) async throws -> Int {
        let count = try await value(
            Int64.self,
            .sql(
                """
                SELECT count(*) FROM visitor JOIN voucher ON voucher.visitor_id = visitor.id
                WHERE visitor.id_hash = $1 AND visitor.product_id = $2 AND visitor.visit_date BETWEEN $3::date AND $4::date
                    AND voucher.status <> 'refunded' AND NOT voucher.id = ANY ($5::bigint[])
                """, idHash, productID, from, to, excluding))
        return Int(count ?? 0)
    }

    /// Writes a sale's visitors, answering their row ids in order.
    func insertVisitors(_ visitors: [SealedVisitor], orderID: Int64, productID: Int64, visitDate: String, validUntil: String) async throws
        -> [Int64]
    {
        var ids: [Int64] = []
        for visitor in visitors {
            let id = try await value(
                Int64.self,
                .sql(
                    """
                    INSERT INTO visitor (order_id, product_id, visit_date, valid_until, id_type, masked_name, masked_id, id_hash, sealed)
                    VALUES ($1, $2, $3::date, $4::date, $5, $6, $7, $8, $9) RETURNING id
                    """, orderID, productID, visitDate, validUntil, visitor.idType, visitor.maskedName, visitor.maskedIDNumber,
                    visitor.idHash, visitor.sealed))
            guard let id else { throw PostgresStoreFault(what: "a visitor was not written") }
            ids.append(id)
        }
        return ids
    }
}
