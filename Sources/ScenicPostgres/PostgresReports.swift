import GRDB
import PostgresNIO
import ScenicStore

/// Statements and sales reports: every figure is one SQL aggregate.
extension PostgresStore {
    public func statement(distributorID: Int64, from: Millis, until: Millis, today: String) async throws -> DistributorStatement {
        try await read { transaction in
            let distributor = try await transaction.requireDistributor(id: distributorID)
            func balance(before instant: Millis) async throws -> Int64 {
                try await transaction.value(
                    Int64.self,
                    """
                    SELECT balance_after_fen FROM ledger_entry WHERE distributor_id = \(distributorID) AND at < \(instant)
                    ORDER BY at DESC, id DESC LIMIT 1
                    """) ?? 0
            }
            var statement = DistributorStatement(
                distributor: distributor, openingBalanceFen: try await balance(before: from),
                closingBalanceFen: try await balance(before: until))
            for row in try await transaction.rows(
                """
                SELECT kind, count(*) AS count, sum(amount_fen)::bigint AS amount, sum(fee_fen)::bigint AS fees
                FROM ledger_entry WHERE distributor_id = \(distributorID) AND at >= \(from) AND at < \(until) GROUP BY kind
                """)
            {
                statement.add(kind: row["kind"], count: row["count"], amountFen: row["amount"], feesFen: row["fees"])
            }
            var states = VoucherStates()
            let period = VoucherStates.Period(from: from, until: until)
            var rows: [GRDB.Row] = []
            if let quarters = period.quarters {
                rows += try await transaction.rows(
                    """
                    SELECT status, sum(count)::bigint AS count,
                        sum(CASE WHEN valid_until < \(CivilDate(today)) THEN count ELSE 0 END)::bigint AS past
                    FROM voucher_tally WHERE distributor_id = \(distributorID)
                        AND sold_quarter >= \(quarters.lowerBound) AND sold_quarter < \(quarters.upperBound)
                    GROUP BY status
                    """)
            }
            for end in period.raggedEnds {
                rows += try await transaction.rows(
                    """
                    SELECT status, count(*) AS count, count(*) FILTER (WHERE valid_until < \(CivilDate(today))) AS past
                    FROM voucher WHERE sold_at >= \(end.lowerBound) AND sold_at < \(end.upperBound) AND distributor_id = \(distributorID)
                    GROUP BY status
                    """)
            }
            for row in rows { states.add(status: row["status"], count: row["count"], past: row["past"]) }
            statement.add(states)
            return statement
        }
    }

    public func salesReport(from: Millis, until: Millis, by grouping: SalesGrouping) async throws -> [SalesRow] {
        let (key, label, join): (String, String, String) =
            switch grouping {
            case .day(let offset):
                ("to_char(to_timestamp(voucher.sold_at / 1000 + \(offset)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')", "''", "")
            case .product: ("product.code", "product.name", "JOIN product ON product.id = voucher.product_id")
            case .distributor: ("distributor.id::text", "distributor.name", "JOIN distributor ON distributor.id = voucher.distributor_id")
            }
        return try await read { transaction in
            try await transaction.rows(
                .sql(
                    """
                    SELECT \(key) AS key, \(label) AS label, count(*) AS sold,
                        count(*) FILTER (WHERE voucher.status = 'refunded') AS refunded,
                        count(*) FILTER (WHERE voucher.status = 'redeemed') AS redeemed,
                        coalesce(sum(voucher.settlement_price_fen) FILTER (WHERE voucher.status <> 'refunded'), 0)::bigint AS revenue
                    FROM voucher \(join)
                    WHERE voucher.sold_at >= $1 AND voucher.sold_at < $2
                    GROUP BY 1, 2 ORDER BY \(key) COLLATE "C"
                    """, from, until)
            ).map(SalesRow.init(row:))
        }
    }
}
