import Foundation
import GRDB
import PostgresNIO
import ScenicStore

/// Holds on a shared database: a hold takes its seats and keeps its amount aside under the
/// same locks as a sale; confirming, releasing or expiring one locks its row first, so a
/// hold ends once however many daemons reach for it, and each daemon's timer expires
/// holds that are due without waiting for the others' (`FOR UPDATE SKIP LOCKED`).
extension PostgresStore {
    public func hold(
        _ request: HoldRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (HoldRecord) throws -> Data
    ) async throws -> Once<HoldRecord> {
        try await write { transaction in
            try await transaction.once(key, at: at, encode: encode) {
                let sale = request.sale
                guard sale.visitDate >= sale.now.today else {
                    throw MoneyError.visitDateInPast(visitDate: sale.visitDate, today: sale.now.today)
                }
                let (distributor, binding) = try await transaction.requireSellable(distributorID: sale.distributorID, productCode: sale.productCode)
                let prices = try await transaction.takeCalendar(sale: sale, product: binding.product, binding: binding)
                let amount = prices.settlementPriceFen * Int64(sale.quantity)
                guard distributor.availableFen >= amount else {
                    throw MoneyError.insufficientBalance(balanceFen: distributor.availableFen, requiredFen: amount)
                }
                try await transaction.run("UPDATE distributor SET held_fen = held_fen + \(amount) WHERE id = \(sale.distributorID)")
                let id = try await transaction.value(
                    Int64.self,
                    """
                    INSERT INTO hold (distributor_id, product_id, visit_date, slot, quantity, settlement_price_fen,
                        retail_price_fen, amount_fen, created_at, expires_at)
                    VALUES (\(sale.distributorID), \(binding.product.id), \(CivilDate(sale.visitDate)), \(sale.slot.isEmpty ? nil : sale.slot),
                        \(sale.quantity), \(prices.settlementPriceFen), \(prices.retailPriceFen), \(amount), \(at), \(request.expiresAt))
                    RETURNING id
                    """)
                guard let id else { throw PostgresStoreFault(what: "a hold was not written") }
                return try await transaction.requireHold(id: id, distributorID: sale.distributorID)
            }
        }
    }

    public func confirmHold(
        id: Int64, _ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data
    ) async throws -> Once<SaleRecord> {
        try await write { transaction in
            try await transaction.once(key, at: at, encode: encode) {
                // The distributor before the hold, in the order every money movement locks.
                let distributor = try await transaction.requireDistributor(id: sale.distributorID, locked: true)
                let hold = try await transaction.requireHold(id: id, distributorID: sale.distributorID, locked: true)
                try hold.requireLive(at: at)
                // A hold made late in the evening may outlive its visit date.
                guard hold.visitDate >= sale.now.today else {
                    throw MoneyError.visitDateInPast(visitDate: hold.visitDate, today: sale.now.today)
                }
                let binding = try await transaction.requireBinding(of: distributor, productCode: hold.productCode)
                var sale = sale
                sale.productCode = hold.productCode
                sale.visitDate = hold.visitDate
                sale.slot = hold.slot ?? ""
                sale.quantity = hold.quantity
                try await transaction.checkVisitors(sale: sale, product: binding.product)
                try await transaction.run("UPDATE distributor SET held_fen = held_fen - \(hold.amountFen) WHERE id = \(hold.distributorID)")
                let record = try await transaction.writeSale(
                    sale, distributor: distributor, product: binding.product, prices: (hold.retailPriceFen, hold.settlementPriceFen),
                    codes: voucherCodes, at: at)
                try await transaction.run("UPDATE hold SET status = 'confirmed', ended_at = \(at), order_id = \(record.orderID) WHERE id = \(hold.id)")
                try await transaction.append(.hold(.holdConfirmed, hold, at: at))
                return record
            }
        }
    }

    public func releaseHold(
        id: Int64, distributorID: Int64, key: RequestKey?, at: Millis, encode: @escaping @Sendable (HoldRecord) throws -> Data
    ) async throws -> Once<HoldRecord> {
        try await write { transaction in
            try await transaction.once(key, at: at, encode: encode) {
                _ = try await transaction.requireDistributor(id: distributorID, locked: true)
                let hold = try await transaction.requireHold(id: id, distributorID: distributorID, locked: true)
                try hold.requireLive(at: at)
                try await transaction.shareCalendars(productIDs: [hold.productID])
                try await transaction.end(hold, as: .released, at: at)
                return try await transaction.requireHold(id: id, distributorID: distributorID)
            }
        }
    }

    public func expireHolds(at now: Millis) async throws -> (expired: Int, nextDue: Millis?) {
        let expired = try await write { transaction in
            // Distributors first, in id order, as every sale locks its distributor before
            // its dates; holds another daemon is ending are left to it.
            let due = try await transaction.all(
                HoldRecord.self,
                .sql(HoldRecord.select + " WHERE hold.status = 'held' AND hold.expires_at <= $1 ORDER BY hold.expires_at LIMIT 1000", now))
            try await transaction.run(
                .sql("SELECT id FROM distributor WHERE id = ANY ($1::bigint[]) ORDER BY id FOR NO KEY UPDATE", Set(due.map(\.distributorID)).sorted()))
            try await transaction.shareCalendars(productIDs: due.map(\.productID))
            var expired = 0
            for candidate in due {
                guard
                    let hold = try await transaction.one(
                        HoldRecord.self,
                        .sql(HoldRecord.select + " WHERE hold.id = $1 AND hold.status = 'held' FOR NO KEY UPDATE OF hold SKIP LOCKED", candidate.id))
                else { continue }
                try await transaction.end(hold, as: .expired, at: now)
                expired += 1
            }
            return expired
        }
        let next = try await read { try await $0.value(Int64.self, "SELECT min(expires_at) FROM hold WHERE status = 'held'") }
        return (expired, next)
    }
}

extension PostgresTransaction {
    func requireHold(id: Int64, distributorID: Int64, locked: Bool = false) async throws -> HoldRecord {
        guard
            let hold = try await one(
                HoldRecord.self, .sql(HoldRecord.select + " WHERE hold.id = $1" + (locked ? " FOR NO KEY UPDATE OF hold" : ""), id)),
            hold.distributorID == distributorID
        else { throw HoldError.notFound(id) }
        return hold
    }

    /// Releases or expires a held hold whose distributor is locked and whose product's
    /// calendar is shared: the seats back to the calendar, the amount back to what may be
    /// spent.
    func end(_ hold: HoldRecord, as status: HoldRecord.Status, at: Millis) async throws {
        try await move(
            productID: hold.productID, date: hold.visitDate, slot: hold.slot ?? "", distributorID: hold.distributorID, by: -hold.quantity)
        try await run("UPDATE distributor SET held_fen = held_fen - \(hold.amountFen) WHERE id = \(hold.distributorID)")
        try await run("UPDATE hold SET status = \(status.rawValue), ended_at = \(at) WHERE id = \(hold.id)")
        try await append(.hold(status == .expired ? .holdExpired : .holdReleased, hold, at: at))
    }
}
