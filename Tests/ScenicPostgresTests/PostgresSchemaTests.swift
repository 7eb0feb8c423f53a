import Logging
import PostgresNIO
import ScenicPostgres
import ScenicTestSupport
import Testing

@Suite("The PostgreSQL schema", .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)), .timeLimit(.minutes(2)))
struct PostgresSchemaTests {
    let logger = PostgresTestDatabase.logger

    @Test("a new database is migrated once; opening it again changes nothing")
    func migratesOnce() async throws {
        try await PostgresTestDatabase.with { test in
            let first = try await PostgresDatabase.open(test.url, logger: logger)
            #expect(first.schemaVersion == PostgresSchema.migrations.count)
            first.close()
            let second = try await PostgresDatabase.open(test.url, logger: logger)
            #expect(second.schemaVersion == PostgresSchema.migrations.count)
            let migrations = try await PostgresTestDatabase.withConnection(test.url) { connection in
                try await connection.rows("SELECT identifier FROM scenic_migration ORDER BY identifier").map { try $0.decode(String.self) }
            }
            #expect(migrations == PostgresSchema.migrations.map(\.identifier))
            second.close()
        }
    }

    @Test("four daemons opening one new database at once: each migration runs once and every one opens")
    func migratesOnceUnderConcurrentOpens() async throws {
        try await PostgresTestDatabase.with { test in
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let database = try await PostgresDatabase.open(test.url, logger: logger)
                        defer { database.close() }
                        return database.schemaVersion
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(versions == Array(repeating: PostgresSchema.migrations.count, count: 4))
            let tables = try await PostgresTestDatabase.withConnection(test.url) { connection in
                try await connection.rows(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'voucher'"
                ).map { try $0.decode(Int.self) }
            }
            #expect(tables == [1])
        }
    }

    @Test("the database itself keeps the rules: the credit line, an append-only ledger, vouchers never deleted, the tally")
    func rules() async throws {
        try await PostgresTestDatabase.with { test in
            let database = try await PostgresDatabase.open(test.url, logger: logger)
            defer { database.close() }
            try await PostgresTestDatabase.withConnection(test.url) { db in
                try await db.query(
                    """
                    INSERT INTO distributor (name, phone, password_hash, password_is_initial, created_at, updated_at, credit_limit_fen)
                    VALUES ('Hotel Desk', '13800138000', 'x', true, 0, 0, 500)
                    """, logger: logger)
                try await db.query(
                    "INSERT INTO product (code, name, retail_price_fen, refundable, valid_days, created_at, updated_at) VALUES ('GATE', 'Gate', 1000, true, 1, 0, 0)",
                    logger: logger)
                // Down to minus the credit line, and not a fen further.
                try await db.query("UPDATE distributor SET balance_fen = -500", logger: logger)
                await #expect(throws: PSQLError.self) { try await db.query("UPDATE distributor SET balance_fen = -501", logger: logger) }
                // A phone number that is not a mainland mobile number.
                await #expect(throws: PSQLError.self) {
                    try await db.query(
                        "INSERT INTO distributor (name, phone, password_hash, password_is_initial, created_at, updated_at) VALUES ('X', '12800138000', 'x', true, 0, 0)",
                        logger: logger)
                }

                try await db.query(
                    "INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, actor) VALUES (1, 0, 'adjustment', -500, -500, 'test')",
                    logger: logger)
                await #expect(throws: PSQLError.self) { try await db.query("UPDATE ledger_entry SET amount_fen = 1", logger: logger) }
                await #expect(throws: PSQLError.self) { try await db.query("DELETE FROM ledger_entry", logger: logger) }
                await #expect(throws: PSQLError.self) { try await db.query("TRUNCATE ledger_entry", logger: logger) }

                try await db.query(
                    """
                    INSERT INTO sale_order (distributor_id, product_id, quantity, visit_date, settlement_price_fen, retail_price_fen,
                        refundable, amount_fen, sold_at)
                    VALUES (1, 1, 2, '2026-12-01', 900, 1000, true, 1800, 1800000)
                    """, logger: logger)
                for code in ["1000000000000001", "1000000000000002"] {
                    try await db.query(
                        """
                        INSERT INTO voucher (code, order_id, distributor_id, product_id, visit_date, valid_until,
                            settlement_price_fen, retail_price_fen, refundable, sold_at)
                        VALUES (\(code), 1, 1, 1, '2026-12-01', '2026-12-01', 900, 1000, true, 1800000)
                        """, logger: logger)
                }
                // One code, one voucher.
                await #expect(throws: PSQLError.self) {
                    try await db.query(
                        """
                        INSERT INTO voucher (code, order_id, distributor_id, product_id, visit_date, valid_until,
                            settlement_price_fen, retail_price_fen, refundable, sold_at)
                        VALUES ('1000000000000001', 1, 1, 1, '2026-12-01', '2026-12-01', 900, 1000, true, 1800000)
                        """, logger: logger)
                }
                await #expect(throws: PSQLError.self) { try await db.query("DELETE FROM voucher", logger: logger) }
                try await db.query("UPDATE voucher SET status = 'redeemed' WHERE id = 1", logger: logger)
                try await db.query("UPDATE voucher SET valid_until = '2026-12-03' WHERE id = 2", logger: logger)
                let tally = try await db.rows(
                    "SELECT valid_until::text, status, count FROM voucher_tally WHERE count > 0 ORDER BY valid_until, status"
                ).map { try $0.decode((String, String, Int).self) }
                #expect(tally.map { "\($0.0) \($0.1) \($0.2)" } == ["2026-12-01 redeemed 1", "2026-12-03 valid 1"])
            }
        }
    }

    @Test("hosts are tried in order: one with no server is passed over; with none left, each one's reason")
    func hostsInOrder() async throws {
        try await PostgresTestDatabase.with { test in
            var url = test.url
            url.hosts.insert(.unixSocket(folder: "/nonexistent/scenic", port: 5432), at: 0)
            let database = try await PostgresDatabase.open(url, logger: logger)
            #expect(database.host == test.url.hosts[0])
            database.close()

            url.hosts = [.unixSocket(folder: "/nonexistent/scenic", port: 5432), .unixSocket(folder: "/nonexistent/other", port: 5433)]
            url.connectTimeout = .seconds(2)
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresUnavailable.self) { try await PostgresDatabase.open(url, logger: logger) }
            #expect(error?.reasons.count == 2)
            #expect(error?.description.contains("/nonexistent/other") == true, "\(String(describing: error))")
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }
}
