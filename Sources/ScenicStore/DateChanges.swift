import Foundation
import GRDB

/// Date changes (改签): vouchers keep their codes and move to another visit date, taking
/// the new date's places as a sale would and giving the old ones back, in one transaction.
extension SQLiteStore {
    public func changeDate(
        _ change: DateChangeRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (DateChangeRecord) throws -> Data
    ) async throws -> Once<DateChangeRecord> {
        try await groupWrite { db in
            try Self.once(db, key, at: at, encode: encode) {
                let now = change.now
                guard change.toDate >= now.today else {
                    throw MoneyError.visitDateInPast(visitDate: change.toDate, today: now.today, field: "to_date")
                }
                let vouchers = try change.codes.map { code in
                    let voucher = try Self.requireVoucher(db, code: code, distributorID: change.distributorID)
                    try voucher.requireChangeable(now: now)
                    guard voucher.visitDate != change.toDate || (voucher.slot ?? "") != change.slot else {
                        throw MoneyError.sameDate(code)
                    }
                    return voucher
                }
                // The old places go back first, so that a move within a date (another slot)
                // finds its own place free.
                for voucher in vouchers { try Self.giveBack(db, voucher) }
                var difference: Int64 = 0
                for (productCode, group) in Dictionary(grouping: vouchers, by: \.productCode).sorted(by: { $0.key < $1.key }) {
                    let (_, binding) = try Self.requireSellable(db, distributorID: change.distributorID, productCode: productCode)
                    let sale = SaleRequest(
                        distributorID: change.distributorID, productCode: productCode, quantity: group.count, visitDate: change.toDate,
                        slot: change.slot, buyerName: "", buyerPhone: "", now: now)
                    let prices = try Self.takeCalendar(db, sale: sale, product: binding.product, binding: binding)
                    try Self.checkIDLimits(db, moving: group, codes: change.codes, product: binding.product, toDate: change.toDate)
                    for voucher in group {
                        try Self.redate(db, voucher, to: change.toDate, slot: change.slot, prices: prices)
                        let moved = prices.settlementPriceFen - voucher.settlementPriceFen
                        difference += moved
                        var event = EventRecord.voucher(.dateChanged, voucher, at: at)
                        event.amountFen = moved
                        event.dates = "\(voucher.visitDate)..\(change.toDate)"
                        try event.append(db)
                    }
                }
                let distributor = try Self.requireDistributor(db, id: change.distributorID)
                var balance = distributor.balanceFen
                if difference != 0 {
                    guard difference <= distributor.availableFen else {
                        throw MoneyError.insufficientBalance(balanceFen: distributor.availableFen, requiredFen: difference)
                    }
                    let code = change.codes.count == 1 ? change.codes[0] : ""
                    balance = try Self.appendLedger(
                        db, distributorID: change.distributorID, kind: .dateChange, amountFen: -difference, voucherCode: code,
                        note: "\(change.codes.count) × to \(change.toDate)\(change.slot.isEmpty ? "" : " \(change.slot)")",
                        actor: "distributor:\(change.distributorID)", at: at
                    ).balanceAfterFen
                }
                let moved = try change.codes.map { try Self.requireVoucher(db, code: $0, distributorID: change.distributorID) }
                return DateChangeRecord(vouchers: moved, differenceFen: difference, balanceAfterFen: balance)
            }
        }
    }

    /// Puts a voucher on its new date at that date's prices, as long valid as before. A
    /// real-name ticket's visitor row is copied onto the new date (another ticket of the
    /// order may stay on the old one), so per-ID limits and erasure follow the ticket.
    private static func redate(
        _ db: Database, _ voucher: VoucherRecord, to date: String, slot: String, prices: (retailPriceFen: Int64, settlementPriceFen: Int64)
    ) throws {
        let span = (CalendarDates.dayNumber(voucher.validUntil) ?? 0) - (CalendarDates.dayNumber(voucher.visitDate) ?? 0)
        let validUntil = try String.fetchOne(db, sql: "SELECT date(?, '+' || ? || ' days')", arguments: [date, span]) ?? date
        try db.execute(
            sql: """
                INSERT INTO visitor (order_id, product_id, visit_date, valid_until, id_type, masked_name, masked_id, id_hash, sealed)
                SELECT order_id, product_id, ?, ?, id_type, masked_name, masked_id, id_hash, sealed
                FROM visitor WHERE id = (SELECT visitor_id FROM voucher WHERE id = ?)
                """,
            arguments: [date, validUntil, voucher.id])
        let visitorID: Int64? = db.changesCount > 0 ? db.lastInsertedRowID : nil
        try db.execute(
            sql: """
                UPDATE voucher SET visit_date = ?, valid_until = ?, slot = ?, settlement_price_fen = ?, retail_price_fen = ?,
                    visitor_id = coalesce(?, visitor_id)
                WHERE id = ?
                """,
            arguments: [date, validUntil, slot.isEmpty ? nil : slot, prices.settlementPriceFen, prices.retailPriceFen, visitorID, voucher.id])
    }

    /// Refuses to move real-name tickets onto a period in which their ID would hold more
    /// than the product's limit, counting every distributor's tickets not refunded and not
    /// among those moving.
    private static func checkIDLimits(_ db: Database, moving: [VoucherRecord], codes: [String], product: ProductRecord, toDate: String) throws {
        let rules = product.realName
        guard rules.idLimit > 0 else { return }
        let (first, last) = rules.period(around: toDate)
        let ids = moving.map(\.id)
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let movingByID = try Row.fetchAll(
            db,
            sql: """
                SELECT voucher.code, visitor.id_hash, visitor.masked_id FROM voucher JOIN visitor ON visitor.id = voucher.visitor_id
                WHERE voucher.id IN (\(placeholders)) AND visitor.id_hash IS NOT NULL
                """,
            arguments: StatementArguments(ids))
        let ticketsByHash = Dictionary(grouping: movingByID) { $0["id_hash"] as Data }
        for (hash, tickets) in ticketsByHash.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let held = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM visitor JOIN voucher ON voucher.visitor_id = visitor.id
                    WHERE visitor.id_hash = ? AND visitor.product_id = ? AND visitor.visit_date BETWEEN ? AND ?
                        AND voucher.status != 'refunded' AND voucher.id NOT IN (\(placeholders))
                    """,
                arguments: StatementArguments([hash, product.id, first, last] as [any DatabaseValueConvertible]) + StatementArguments(ids)) ?? 0
            guard held + tickets.count <= rules.idLimit else {
                let code: String = tickets[0]["code"]
                throw RealNameError.idLimitExceededByChange(
                    index: codes.firstIndex(of: code) ?? 0, maskedIDNumber: tickets[0]["masked_id"], limit: rules.idLimit, held: held,
                    period: rules.idLimitPeriod)
            }
        }
    }
}
