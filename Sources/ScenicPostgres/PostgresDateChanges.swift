import Foundation
import GRDB
import PostgresNIO
import ScenicStore

/// Date changes (改签) on a shared database: the distributor, then its vouchers, then the
/// products' calendars and the visitors' IDs are locked before anything moves, as a sale
/// and a refund lock them.
extension PostgresStore {
    public func changeDate(
        _ change: DateChangeRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (DateChangeRecord) throws -> Data
    ) async throws -> Once<DateChangeRecord> {
        try await write { transaction in
            try await transaction.once(key, at: at, encode: encode) {
                let now = change.now
                guard change.toDate >= now.today else {
                    throw MoneyError.visitDateInPast(visitDate: change.toDate, today: now.today, field: "to_date")
                }
                // Locked first, as every money movement does; moving tickets leaves the balance as it is.
                let distributor = try await transaction.requireDistributor(id: change.distributorID, locked: true)
                var vouchers: [VoucherRecord] = []
                for code in change.codes {
                    let voucher = try await transaction.requireVoucher(
                        code: code, codes: voucherCodes, distributorID: change.distributorID, locked: true)
                    try voucher.requireChangeable(now: now)
                    guard voucher.visitDate != change.toDate || (voucher.slot ?? "") != change.slot else { throw MoneyError.sameDate(code) }
                    vouchers.append(voucher)
                }
                try await transaction.shareCalendars(productIDs: vouchers.map(\.productID))
                // The old places go back first, so that a move within a date (another slot)
                // finds its own place free.
                for voucher in vouchers { try await transaction.giveBack(voucher) }
                var difference: Int64 = 0
                for (productCode, group) in Dictionary(grouping: vouchers, by: \.productCode).sorted(by: { $0.key < $1.key }) {
                    let binding = try await transaction.requireBinding(of: distributor, productCode: productCode)
                    let sale = SaleRequest(
                        distributorID: change.distributorID, productCode: productCode, quantity: group.count, visitDate: change.toDate,
                        slot: change.slot, buyerName: "", buyerPhone: "", now: now)
                    let prices = try await transaction.takeCalendar(sale: sale, product: binding.product, binding: binding)
                    try await transaction.checkIDLimits(moving: group, codes: change.codes, product: binding.product, toDate: change.toDate)
                    for voucher in group {
                        try await transaction.redate(voucher, to: change.toDate, slot: change.slot, prices: prices)
                        let moved = prices.settlementPriceFen - voucher.settlementPriceFen
                        difference += moved
                        var event = EventRecord.voucher(.dateChanged, voucher, at: at)
                        event.amountFen = moved
                        event.dates = "\(voucher.visitDate)..\(change.toDate)"
                        try await transaction.append(event)
                    }
                }
                var balance = distributor.balanceFen
                if difference != 0 {
                    guard difference <= distributor.availableFen else {
                        throw MoneyError.insufficientBalance(balanceFen: distributor.availableFen, requiredFen: difference)
                    }
                    balance = try await transaction.appendLedger(
                        distributorID: distributor.id, kind: .dateChange, amountFen: -difference, voucherCode: change.codes.count == 1 ? change.codes[0] : "",
                        note: "\(change.codes.count) × to \(change.toDate)\(change.slot.isEmpty ? "" : " \(change.slot)")",
                        actor: "distributor:\(change.distributorID)", at: at
                    ).balanceAfterFen
                }
                var moved: [VoucherRecord] = []
                for code in change.codes {
                    moved.append(try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: change.distributorID))
                }
                return DateChangeRecord(vouchers: moved, differenceFen: difference, balanceAfterFen: balance)
            }
        }
    }
}

extension PostgresTransaction {
    /// Puts a voucher on its new date at that date's prices, as long valid as before. A
    /// real-name ticket's visitor row is copied onto the new date (another ticket of the
    /// order may stay on the old one), so per-ID limits and erasure follow the ticket.
    func redate(_ voucher: VoucherRecord, to date: String, slot: String, prices: (retailPriceFen: Int64, settlementPriceFen: Int64)) async throws {
        let span = (CalendarDates.dayNumber(voucher.validUntil) ?? 0) - (CalendarDates.dayNumber(voucher.visitDate) ?? 0)
        let validUntil = CalendarDates.dayNumber(date).map { CalendarDates.date(dayNumber: $0 + span) } ?? date
        let visitorID = try await value(
            Int64.self,
            """
            INSERT INTO visitor (order_id, product_id, visit_date, valid_until, id_type, masked_name, masked_id, id_hash, sealed)
            SELECT order_id, product_id, \(CivilDate(date)), \(CivilDate(validUntil)), id_type, masked_name, masked_id, id_hash, sealed
            FROM visitor WHERE id = (SELECT visitor_id FROM voucher WHERE id = \(voucher.id))
            RETURNING id
            """)
        try await run(
            """
            UPDATE voucher SET visit_date = \(CivilDate(date)), valid_until = \(CivilDate(validUntil)), slot = \(slot.isEmpty ? nil : slot),
                settlement_price_fen = \(prices.settlementPriceFen), retail_price_fen = \(prices.retailPriceFen),
                visitor_id = coalesce(\(visitorID)::bigint, visitor_id)
            WHERE id = \(voucher.id)
            """)
    }

    /// Refuses to move real-name tickets onto a period in which their ID would hold more
    /// than the product's limit, counting every distributor's tickets not refunded and not
    /// among those moving; each ID's lock is held until the change commits.
    func checkIDLimits(moving: [VoucherRecord], codes: [String], product: ProductRecord, toDate: String) async throws {
        let rules = product.realName
        guard rules.idLimit > 0 else { return }
        let (first, last) = rules.period(around: toDate)
        let ids = moving.map(\.id)
        let movingByID = try await rows(
            .sql(
                """
                SELECT voucher.code, visitor.id_hash, visitor.masked_id FROM voucher JOIN visitor ON visitor.id = voucher.visitor_id
                WHERE voucher.id = ANY ($1::bigint[]) AND visitor.id_hash IS NOT NULL
                """, ids))
        let ticketsByHash = Dictionary(grouping: movingByID) { $0["id_hash"] as Data }
        try await lockIDs(Array(ticketsByHash.keys), productID: product.id)
        for (hash, tickets) in ticketsByHash.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let held = try await heldTickets(idHash: hash, productID: product.id, from: first, to: last, excluding: ids)
            guard held + tickets.count <= rules.idLimit else {
                let code: String = tickets[0]["code"]
                throw RealNameError.idLimitExceededByChange(
                    index: codes.firstIndex(of: code) ?? 0, maskedIDNumber: tickets[0]["masked_id"], limit: rules.idLimit, held: held,
                    period: rules.idLimitPeriod)
            }
        }
    }
}
