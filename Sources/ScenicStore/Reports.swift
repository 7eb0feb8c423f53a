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

    package init(distributor: DistributorRecord, openingBalanceFen: Int64, closingBalanceFen: Int64) {
        self.distributor = distributor
        self.openingBalanceFen = openingBalanceFen
        self.closingBalanceFen = closingBalanceFen
    }

    public var computedClosingFen: Int64 {
        openingBalanceFen + recharges.amountFen + adjustments.amountFen + sales.amountFen + refunds.amountFen
            + dateChanges.amountFen
    }
}

extension DistributorStatement {
    /// Adds the ledger's totals of one kind of entry over the period.
    package mutating func add(kind: String, count: Int64, amountFen: Int64, feesFen: Int64) {
        let movement = Movement(count: count, amountFen: amountFen)
        switch LedgerEntryRecord.Kind(rawValue: kind) {
        case .recharge: recharges = movement
        case .adjustment: adjustments = movement
        case .sale: sales = movement
        case .refund:
            refunds = movement
            refundFeesFen = feesFen
        case .dateChange: dateChanges = movement
        case nil: break
        }
    }

    /// Sets the vouchers sold in the period by state.
    package mutating func add(_ states: VoucherStates) {
        // One voucher a ticket, none ever deleted: the tickets sold are the vouchers sold.
        sales.count = states.valid + states.redeemed + states.refunded + states.expired
        vouchersValid = states.valid
        vouchersRedeemed = states.redeemed
        vouchersRefunded = states.refunded
        vouchersExpired = states.expired
    }
}

/// Vouchers sold in a period by state; valid ones past their last day count as expired.
///
/// Whole quarter hours come from `voucher_tally`; the ragged ends of a period that does
/// not start or end on a quarter hour (less than 15 minutes each) are counted from the
/// vouchers sold in them, so the counts are exact for any period. Days begin on a quarter
/// hour in every time zone in use today, so statements of whole days have none.
package struct VoucherStates {
    /// A period cut into the quarter hours it holds whole and its ragged ends.
    package struct Period {
        static let quarter: Millis = 900_000
        /// The whole quarter hours, as `sold_quarter` numbers them; nil when none.
        package let quarters: Range<Millis>?
        /// The parts before the first whole quarter hour and after the last.
        package let raggedEnds: [Range<Millis>]

        package init(from: Millis, until: Millis) {
            let firstWhole = min((from + Self.quarter - 1) / Self.quarter * Self.quarter, until)
            let lastWhole = max(until / Self.quarter * Self.quarter, firstWhole)
            quarters = firstWhole < lastWhole ? firstWhole / Self.quarter..<lastWhole / Self.quarter : nil
            raggedEnds = [from..<firstWhole, lastWhole..<until].filter { !$0.isEmpty }
        }
    }

    private var counts: [String: (count: Int64, past: Int64)] = [:]

    package init() {}

    /// Adds `count` vouchers in `status`, `past` of them past their last day.
    package mutating func add(status: String, count: Int64, past: Int64) {
        counts[status, default: (0, 0)].count += count
        counts[status, default: (0, 0)].past += past
    }

    package var valid: Int64 { (counts[VoucherRecord.Status.valid.rawValue]?.count ?? 0) - expired }
    package var redeemed: Int64 { counts[VoucherRecord.Status.redeemed.rawValue]?.count ?? 0 }
    package var refunded: Int64 { counts[VoucherRecord.Status.refunded.rawValue]?.count ?? 0 }
    package var expired: Int64 { counts[VoucherRecord.Status.valid.rawValue]?.past ?? 0 }
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

    /// A row of a query with the columns `key`, `label`, `sold`, `refunded`, `redeemed`
    /// and `revenue`.
    package init(row: Row) {
        key = row["key"]
        label = row["label"]
        ticketsSold = row["sold"]
        ticketsRefunded = row["refunded"]
        ticketsRedeemed = row["redeemed"]
        settlementRevenueFen = row["revenue"]
    }
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
                statement.add(kind: row["kind"], count: row["count"], amountFen: row["amount"], feesFen: row["fees"])
            }
            statement.add(try Self.voucherStates(db, distributorID: distributorID, from: from, until: until, today: today))
            return statement
        }
    }

    /// Vouchers sold in [from, until) by state; valid ones past `today` count as expired.
    ///
    /// Whole quarter hours come from `voucher_tally`; the ragged ends of a period that
    /// does not start or end on a quarter hour (less than 15 minutes each) are counted from
    /// the vouchers sold in them, so the counts are exact for any period. Days begin on a
    /// quarter hour in every time zone in use today, so statements of whole days have none.
    static func voucherStates(_ db: Database, distributorID: Int64, from: Millis, until: Millis, today: String) throws -> VoucherStates {
        var states = VoucherStates()
        let period = VoucherStates.Period(from: from, until: until)
        for rows in [
            try period.quarters.map { quarters in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT status, sum(count) AS count, sum(CASE WHEN valid_until < ? THEN count ELSE 0 END) AS past
                        FROM voucher_tally WHERE distributor_id = ? AND sold_quarter >= ? AND sold_quarter < ? GROUP BY status
                        """,
                    arguments: [today, distributorID, quarters.lowerBound, quarters.upperBound])
            } ?? []
        ] + (try period.raggedEnds.map { end in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT status, count(*) AS count, sum(valid_until < ?) AS past
                    FROM voucher INDEXED BY voucher_by_sold_at
                    WHERE sold_at >= ? AND sold_at < ? AND distributor_id = ? GROUP BY status
                    """,
                arguments: [today, end.lowerBound, end.upperBound, distributorID])
        }) {
            for row in rows { states.add(status: row["status"], count: row["count"], past: row["past"]) }
        }
        return states
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
            ).map(SalesRow.init(row:))
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
