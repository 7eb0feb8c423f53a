import Foundation
import GRDB

/// A hold as the point of sale asks for it, validated by the caller.
public struct HoldRequest: Sendable {
    public var sale: SaleRequest
    public var expiresAt: Millis

    public init(sale: SaleRequest, expiresAt: Millis) {
        self.sale = sale
        self.expiresAt = expiresAt
    }
}

/// Holds: a sale in two steps for a platform whose customer is still paying. A hold takes
/// the seats from the calendar and keeps the amount aside (`distributor.held_fen`) in one
/// transaction; a confirmation turns it into the sale at the held price, a release or the
/// expiry gives both back. The schema keeps `held_fen` between 0 and the balance, so no
/// sale can spend money a hold kept aside.
extension SQLiteStore {
    public func hold(
        _ request: HoldRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (HoldRecord) throws -> Data
    ) async throws -> Once<HoldRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: at, encode: encode) {
                let sale = request.sale
                guard sale.visitDate >= sale.now.today else {
                    throw MoneyError.visitDateInPast(visitDate: sale.visitDate, today: sale.now.today)
                }
                let (distributor, binding) = try Self.requireSellable(db, distributorID: sale.distributorID, productCode: sale.productCode)
                let prices = try Self.takeCalendar(db, sale: sale, product: binding.product, binding: binding)
                let amount = prices.settlementPriceFen * Int64(sale.quantity)
                guard distributor.availableFen >= amount else {
                    throw MoneyError.insufficientBalance(balanceFen: distributor.availableFen, requiredFen: amount)
                }
                try db.execute(
                    sql: "UPDATE distributor SET held_fen = held_fen + ? WHERE id = ?", arguments: [amount, sale.distributorID])
                try db.execute(
                    sql: """
                        INSERT INTO hold (distributor_id, product_id, visit_date, slot, quantity, settlement_price_fen,
                            retail_price_fen, amount_fen, created_at, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        sale.distributorID, binding.product.id, sale.visitDate, sale.slot.isEmpty ? nil : sale.slot, sale.quantity,
                        prices.settlementPriceFen, prices.retailPriceFen, amount, at, request.expiresAt,
                    ])
                return try Self.requireHold(db, id: db.lastInsertedRowID, distributorID: sale.distributorID)
            }
        }
    }

    public func confirmHold(
        id: Int64, _ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data
    ) async throws -> Once<SaleRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: at, encode: encode) {
                let hold = try Self.requireLiveHold(db, id: id, distributorID: sale.distributorID, at: at)
                // A hold made late in the evening may outlive its visit date.
                guard hold.visitDate >= sale.now.today else {
                    throw MoneyError.visitDateInPast(visitDate: hold.visitDate, today: sale.now.today)
                }
                let (_, binding) = try Self.requireSellable(db, distributorID: sale.distributorID, productCode: hold.productCode)
                var sale = sale
                sale.productCode = hold.productCode
                sale.visitDate = hold.visitDate
                sale.slot = hold.slot ?? ""
                sale.quantity = hold.quantity
                try Self.checkVisitors(db, sale: sale, product: binding.product)
                try db.execute(
                    sql: "UPDATE distributor SET held_fen = held_fen - ? WHERE id = ?", arguments: [hold.amountFen, hold.distributorID])
                let record = try Self.writeSale(
                    db, sale, product: binding.product, prices: (hold.retailPriceFen, hold.settlementPriceFen), at: at,
                    issuer: self.voucherIssuer)
                try db.execute(
                    sql: "UPDATE hold SET status = 'confirmed', ended_at = ?, order_id = ? WHERE id = ?",
                    arguments: [at, record.orderID, hold.id])
                try EventRecord.hold(.holdConfirmed, hold, at: at).append(db)
                return record
            }
        }
    }

    public func releaseHold(
        id: Int64, distributorID: Int64, key: RequestKey?, at: Millis, encode: @escaping @Sendable (HoldRecord) throws -> Data
    ) async throws -> Once<HoldRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: at, encode: encode) {
                let hold = try Self.requireLiveHold(db, id: id, distributorID: distributorID, at: at)
                try Self.end(db, hold, as: .released, at: at)
                return try Self.requireHold(db, id: id, distributorID: distributorID)
            }
        }
    }

    public func expireHolds(at now: Millis) async throws -> (expired: Int, nextDue: Millis?) {
        try await write { db in
            let due = try HoldRecord.fetchAll(
                db, sql: HoldRecord.select + " WHERE hold.status = 'held' AND hold.expires_at <= ? ORDER BY hold.expires_at LIMIT 1000",
                arguments: [now])
            for hold in due { try Self.end(db, hold, as: .expired, at: now) }
            let next = try Millis.fetchOne(db, sql: "SELECT min(expires_at) FROM hold WHERE status = 'held'")
            return (due.count, next)
        }
    }

    public func holds(distributorID: Int64, status: HoldRecord.Status?, limit: Int) async throws -> [HoldRecord] {
        try await read { db in
            var sql = HoldRecord.select + " WHERE hold.distributor_id = ?"
            var arguments: StatementArguments = [distributorID]
            if let status {
                sql += " AND hold.status = ?"
                arguments += [status.rawValue]
            }
            return try HoldRecord.fetchAll(db, sql: sql + " ORDER BY hold.id DESC LIMIT ?", arguments: arguments + [limit])
        }
    }

    /// A hold of the distributor still held at `at`.
    private static func requireLiveHold(_ db: Database, id: Int64, distributorID: Int64, at: Millis) throws -> HoldRecord {
        let hold = try requireHold(db, id: id, distributorID: distributorID)
        try hold.requireLive(at: at)
        return hold
    }

    private static func requireHold(_ db: Database, id: Int64, distributorID: Int64) throws -> HoldRecord {
        guard
            let hold = try HoldRecord.fetchOne(db, sql: HoldRecord.select + " WHERE hold.id = ?", arguments: [id]),
            hold.distributorID == distributorID
        else { throw HoldError.notFound(id) }
        return hold
    }

    /// Releases or expires a held hold: the seats back to the calendar, the amount back to
    /// what may be spent.
    private static func end(_ db: Database, _ hold: HoldRecord, as status: HoldRecord.Status, at: Millis) throws {
        try giveBack(
            db, productID: hold.productID, date: hold.visitDate, slot: hold.slot ?? "", distributorID: hold.distributorID,
            quantity: hold.quantity)
        try db.execute(
            sql: "UPDATE distributor SET held_fen = held_fen - ? WHERE id = ?", arguments: [hold.amountFen, hold.distributorID])
        try db.execute(sql: "UPDATE hold SET status = ?, ended_at = ? WHERE id = ?", arguments: [status.rawValue, at, hold.id])
        try EventRecord.hold(status == .expired ? .holdExpired : .holdReleased, hold, at: at).append(db)
    }
}
