import Foundation
import GRDB
import ScenicNumbering
import Testing

@testable import ScenicStore

/// Migrations carry a database made by an earlier schema over whole.
@Suite("Migrations")
struct MigrationTests {
    /// A database at 0013 (before credit lines and refund rules, in 4 KiB pages), with a
    /// distributor who sold a ticket, then opened by today's store: 0014 rebuilds
    /// `distributor` and `ledger_entry`, 0015 merges indexes, and the pages become 1 KiB.
    @Test("0013 to today: every row, reference, index and trigger kept through the rebuilds and the new page size")
    func moneyPoliciesMigration() throws {
        let path = ScenicStoreTests.temporaryPath()
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "0013_visitor_erasure_indexes")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO distributor (id, name, phone, password_hash, password_is_initial, balance_fen, created_at, updated_at,
                    low_balance_threshold_fen, held_fen)
                VALUES (7, 'West Lake Travel', '13800138000', 'h', 0, 1200, 1, 2, 500, 200);
                INSERT INTO session (distributor_id, token_hash, created_at, last_used_at, expires_at) VALUES (7, x'01', 1, 1, 9);
                INSERT INTO product (id, code, name, retail_price_fen, refundable, valid_days, created_at, updated_at)
                    VALUES (3, 'GATE', 'Gate', 12000, 1, 1, 1, 1);
                INSERT INTO binding VALUES (7, 3, 8800, 1, 1);
                INSERT INTO sale_order (id, distributor_id, product_id, quantity, visit_date, settlement_price_fen, retail_price_fen,
                    refundable, amount_fen, sold_at) VALUES (11, 7, 3, 1, '2027-01-15', 8800, 12000, 1, 8800, 5);
                INSERT INTO voucher (code, order_id, distributor_id, product_id, visit_date, valid_until, settlement_price_fen,
                    retail_price_fen, refundable, sold_at) VALUES ('1234567890123452', 11, 7, 3, '2027-01-15', '2027-01-15', 8800, 12000, 1, 5);
                INSERT INTO ledger_entry (id, distributor_id, at, kind, amount_fen, balance_after_fen, actor)
                    VALUES (1, 7, 1, 'recharge', 10000, 10000, 'uid:0');
                INSERT INTO ledger_entry (id, distributor_id, at, kind, amount_fen, balance_after_fen, order_id, note, actor)
                    VALUES (2, 7, 5, 'sale', -8800, 1200, 11, '1 × GATE', 'distributor:7');
                INSERT INTO hold (distributor_id, product_id, visit_date, quantity, settlement_price_fen, retail_price_fen, amount_fen,
                    created_at, expires_at) VALUES (7, 3, '2027-01-16', 1, 200, 12000, 200, 6, 99);
                """)
        }
        try queue.close()

        let store = try SQLiteStore.open(at: path)
        try store.pool.read { db in
            let distributor = try #require(try DistributorRecord.fetchOne(db, sql: "SELECT * FROM distributor WHERE id = 7"))
            #expect(distributor.name == "West Lake Travel" && distributor.balanceFen == 1200 && distributor.heldFen == 200)
            #expect(distributor.lowBalanceThresholdFen == 500 && distributor.creditLimitFen == 0)
            let entries = try LedgerEntryRecord.fetchAll(db, sql: "SELECT * FROM ledger_entry ORDER BY id")
            #expect(entries.map(\.amountFen) == [10000, -8800] && entries.map(\.balanceAfterFen) == [10000, 1200])
            #expect(entries.allSatisfy { $0.feeFen == 0 } && entries[1].orderID == 11 && entries[1].note == "1 × GATE")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            // Other tables still name `distributor`, not the table it was rebuilt in.
            let schema = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL").joined(separator: "\n")
            #expect(!schema.contains("new_distributor") && !schema.contains("new_ledger_entry"))
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('distributor', 'ledger_entry')")
            #expect(Set(indexes).isSuperset(of: ["distributor_by_status", "ledger_by_distributor_at"]))
            // 0015: one ledger index by distributor, and the 4 KiB pages of before rewritten.
            #expect(!indexes.contains("ledger_by_distributor"))
            #expect(try Int.fetchOne(db, sql: "PRAGMA page_size") == SQLiteStore.pageSize)
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
        }
        try store.pool.write { db in
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE ledger_entry SET amount_fen = 1 WHERE id = 1") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "DELETE FROM ledger_entry WHERE id = 1") }
            // Below zero only down to the credit line, and holds within balance + line.
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE distributor SET balance_fen = -1 WHERE id = 7") }
            try db.execute(sql: "UPDATE distributor SET credit_limit_fen = 1000 WHERE id = 7")
            try db.execute(sql: "UPDATE distributor SET balance_fen = -800 WHERE id = 7")
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE distributor SET balance_fen = -801 WHERE id = 7") }
        }
        try store.close()
    }

    /// A database at 0015, whose vouchers have codes drawn at random, opened by today's
    /// store: 0016 rebuilds `voucher` without the index of codes.
    @Test("0015 to today: random codes still find their vouchers; new codes come from ids, skipping one a random code took")
    func voucherCodesMigration() async throws {
        let path = ScenicStoreTests.temporaryPath()
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "0015_fewer_pages_a_sale")
        let key = try await queue.read { try Data.fetchOne($0, sql: "SELECT public_number_key FROM store_info") }
        let codes = VoucherCodes(key: Array(try #require(key)))
        // Voucher 2's random code is the one id 3 would take: new vouchers start at 4.
        let randomCodes = ["1234567890123452", codes.code(for: 3)]
        try await queue.write { db in
            try db.execute(sql: StoreFixture.seller)
            try db.execute(sql: """
                INSERT INTO sale_order (id, distributor_id, product_id, quantity, visit_date, settlement_price_fen, retail_price_fen,
                    refundable, amount_fen, sold_at) VALUES (11, 7, 3, 2, '2027-01-15', 8800, 12000, 1, 17600, 5);
                """)
            for (index, code) in randomCodes.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO voucher (id, code, order_id, distributor_id, product_id, visit_date, valid_until,
                            settlement_price_fen, retail_price_fen, refundable, sold_at)
                        VALUES (?, ?, 11, 7, 3, '2027-01-15', '2027-01-15', 8800, 12000, 1, 5)
                        """,
                    arguments: [index + 1, code])
            }
        }
        try queue.close()

        let store = try SQLiteStore.open(at: path)
        try await store.pool.read { db in
            for (index, code) in randomCodes.enumerated() {
                #expect(try SQLiteStore.requireVoucher(db, code: code, distributorID: 7).id == Int64(index + 1))
            }
            // Voucher 1's id has a code of its own, which was never issued: it finds nothing.
            #expect(throws: MoneyError.voucherNotFound(codes.code(for: 1))) {
                try SQLiteStore.requireVoucher(db, code: codes.code(for: 1), distributorID: nil)
            }
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'voucher'")
            #expect(Set(indexes) == ["voucher_by_sold_at", "voucher_by_visit_date", "voucher_by_distributor_status", "voucher_by_visitor"])
            let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'voucher'")
            #expect(Set(triggers) == ["voucher_tally_sold", "voucher_tally_moved", "voucher_tally_redated", "voucher_is_never_deleted"])
            let schema = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL").joined(separator: "\n")
            #expect(!schema.contains("new_voucher"))
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }

        let sold = try await StoreFixture.sell(store, 2)
        #expect(sold == [codes.code(for: 4), codes.code(for: 5)])
        for (offset, code) in sold.enumerated() {
            #expect(try await StoreFixture.voucherID(store, code) == Int64(4 + offset))
        }
        let tally = try await store.pool.read { try Int.fetchOne($0, sql: "SELECT sum(count) FROM voucher_tally WHERE distributor_id = 7") }
        #expect(tally == 4)  // two sold before, two after
        try store.close()
    }
}
