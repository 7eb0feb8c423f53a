import GRDB

public struct Movement: Sendable, Equatable {
    public var count: Int64 = 0
    public var amountFen: Int64 = 0
}

public struct DistributorStatement: Sendable, Equatable {
    public var distributor: DistributorRecord
    public var openingBalanceFen: Int64
    public var closingBalanceFen: Int64
    public var recharges = Movement()
    public var adjustments = Movement()
    /// `count` is tickets, from the orders.
    public var sales = Movement()
    /// `amountFen` is what refunds credited, their fees kept the rest.
    public var refunds = Movement()
    public var refundFeesFen: Int64 = 0
    /// `count` is ledger entries (one per change, of one or more vouchers).
    public var dateChanges = Movement()
    public var vouchersValid: Int64 = 0
    public var vouchersRedeemed: Int64 = 0
    public var vouchersRefunded: Int64 = 0
    public var vouchersExpired: Int64 = 0

    public var computedClosingFen: Int64 {
        openingBalanceFen + recharges.amountFen + adjustments.amountFen + sales.amountFen + refunds.amountFen
            + dateChanges.amountFen
    }
}

public enum SalesGrouping: Sendable {
    /// Days in the scenic area's time zone, `utcOffsetSeconds` from UTC.
    case day(utcOffsetSeconds: Int)
    case product
    case distributor
}

public struct SalesRow: Sendable, Equatable {
    public var key: String
    public var label: String
    public var ticketsSold: Int64
    public var ticketsRefunded: Int64
    public var ticketsRedeemed: Int64
    public var settlementRevenueFen: Int64
}

/// Statements and sales reports: every figure is one SQL aggregate over an index, never a
/// walk over rows in Swift.
extension SQLiteStore {
    public func statement(distributorID: Int64, from: Millis, until: Millis, today: String) async throws -> DistributorStatement {
        try await read { db in
            let distributor = try Self.requireDistributor(db, id: distributorID)
            func balance(before instant: Millis) throws -> Int64 {
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT balance_after_fen FROM ledger_entry INDEXED BY ledger_by_distributor_at
                        WHERE distributor_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1
                        """,
                    arguments: [distributorID, instant]) ?? 0
            }
            var statement = DistributorStatement(
                distributor: distributor, openingBalanceFen: try balance(before: from), closingBalanceFen: try balance(before: until))
            let movements = try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, count(*) AS count, sum(amount_fen) AS amount, sum(fee_fen) AS fees
                    FROM ledger_entry INDEXED BY ledger_by_distributor_at
                    WHERE distributor_id = ? AND at >= ? AND at < ? GROUP BY kind
                    """,
                arguments: [distributorID, from, until])
            for row in movements {
                let movement = Movement(count: row["count"], amountFen: row["amount"])
                switch LedgerEntryRecord.Kind(rawValue: row["kind"]) {
                case .recharge: statement.recharges = movement
                case .adjustment: statement.adjustments = movement
                case .sale: statement.sales = movement
                case .refund:
                    statement.refunds = movement
                    statement.refundFeesFen = row["fees"]
                case .dateChange: statement.dateChanges = movement
                case nil: break
                }
            }
            let states = try Self.voucherStates(db, distributorID: distributorID, from: from, until: until, today: today)
            // One voucher a ticket, none ever deleted: the tickets sold are the vouchers sold.
            statement.sales.count = states.valid + states.redeemed + states.refunded + states.expired
            statement.vouchersValid = states.valid
            statement.vouchersRedeemed = states.redeemed
            statement.vouchersRefunded = states.refunded
            statement.vouchersExpired = states.expired
            return statement
        }
    }

    /// Vouchers sold in [from, until) by state; valid ones past `today` count as expired.
    ///
    /// Whole quarter hours come from `voucher_tally`; the ragged ends of a period that
    /// does not start or end on a quarter hour (less than 15 minutes each) are counted from
    /// the vouchers sold in them, so the counts are exact for any period. Days begin on a
    /// quarter hour in every time zone in use today, so statements of whole days have none.
    static func voucherStates(
        _ db: Database, distributorID: Int64, from: Millis, until: Millis, today: String
    ) throws -> (valid: Int64, redeemed: Int64, refunded: Int64, expired: Int64) {
        let quarter: Millis = 900_000
        let firstWhole = min((from + quarter - 1) / quarter * quarter, until)
        let lastWhole = max(until / quarter * quarter, firstWhole)
        var counts: [String: (count: Int64, past: Int64)] = [:]
        func add(_ rows: [Row]) {
            for row in rows {
                let status: String = row["status"]
                counts[status, default: (0, 0)].count += row["count"]
                counts[status, default: (0, 0)].past += row["past"]
            }
        }
        if firstWhole < lastWhole {
            add(try Row.fetchAll(
                db,
                sql: """
                    SELECT status, sum(count) AS count, sum(CASE WHEN valid_until < ? THEN count ELSE 0 END) AS past
                    FROM voucher_tally WHERE distributor_id = ? AND sold_quarter >= ? AND sold_quarter < ? GROUP BY status
                    """,
                arguments: [today, distributorID, firstWhole / quarter, lastWhole / quarter]))
        }
        for (start, end) in [(from, firstWhole), (lastWhole, until)] where start < end {
            add(try Row.fetchAll(
                db,
                sql: """
                    SELECT status, count(*) AS count, sum(valid_until < ?) AS past
                    FROM voucher INDEXED BY voucher_by_sold_at
                    WHERE sold_at >= ? AND sold_at < ? AND distributor_id = ? GROUP BY status
                    """,
                arguments: [today, start, end, distributorID]))
        }
        let valid = counts[VoucherRecord.Status.valid.rawValue] ?? (0, 0)
        return (
            valid.count - valid.past, counts[VoucherRecord.Status.redeemed.rawValue]?.count ?? 0,
            counts[VoucherRecord.Status.refunded.rawValue]?.count ?? 0, valid.past
        )
    }

    public func salesReport(from: Millis, until: Millis, by grouping: SalesGrouping) async throws -> [SalesRow] {
        try await read { db in
            let (key, label, join): (String, String, String) =
                switch grouping {
                case .day(let offset): ("date(voucher.sold_at / 1000 + \(offset), 'unixepoch')", "''", "")
                case .product: ("product.code", "product.name", "JOIN product ON product.id = voucher.product_id")
                case .distributor: ("CAST(distributor.id AS TEXT)", "distributor.name", "JOIN distributor ON distributor.id = voucher.distributor_id")
                }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(key) AS key, \(label) AS label, count(*) AS sold,
                        sum(voucher.status = 'refunded') AS refunded, sum(voucher.status = 'redeemed') AS redeemed,
                        sum(CASE WHEN voucher.status = 'refunded' THEN 0 ELSE voucher.settlement_price_fen END) AS revenue
                    FROM voucher INDEXED BY voucher_by_sold_at \(join)
                    WHERE voucher.sold_at >= ? AND voucher.sold_at < ?
                    GROUP BY 1 ORDER BY 1
                    """,
                arguments: [from, until]
            ).map {
                SalesRow(
                    key: $0["key"], label: $0["label"], ticketsSold: $0["sold"], ticketsRefunded: $0["refunded"],
                    ticketsRedeemed: $0["redeemed"], settlementRevenueFen: $0["revenue"])
            }
        }
    }

    public func setLowBalanceThreshold(distributorID: Int64, thresholdFen: Int64, stamp: AuditStamp) async throws -> DistributorRecord {
        try await write { db in
            _ = try Self.requireDistributor(db, id: distributorID)
            try db.execute(
                sql: "UPDATE distributor SET low_balance_threshold_fen = ?, updated_at = ? WHERE id = ?",
                arguments: [thresholdFen, stamp.at, distributorID])
            try LowBalanceAlert.update(db, try Self.requireDistributor(db, id: distributorID), at: stamp.at)
            try stamp.record(db, target: "distributor:\(distributorID)", summary: "low-balance alert at \(thresholdFen) fen")
            return try Self.requireDistributor(db, id: distributorID)
        }
    }
}
