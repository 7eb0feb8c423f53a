import Foundation
import GRDB
import Testing

@testable import ScenicStore

/// A backup put back in place has lost the vouchers sold after it; their ids are taken again
/// by the next sales, which must not get their codes.
@Suite("Restored backups")
struct RestoredBackupTests {
    /// Distributor 7, who may sell product GATE (id 3) at ¥88.00 with ¥1,000.00.
    static let seller = """
        INSERT INTO distributor (id, name, phone, password_hash, password_is_initial, balance_fen, created_at, updated_at)
        VALUES (7, 'West Lake Travel', '13800138000', 'h', 0, 100000, 1, 2);
        INSERT INTO product (id, code, name, retail_price_fen, refundable, valid_days, created_at, updated_at)
            VALUES (3, 'GATE', 'Gate', 12000, 1, 1, 1, 1);
        INSERT INTO binding VALUES (7, 3, 8800, 1, 1);
        """

    static func seed(_ store: ScenicStore) async throws {
        try await store.pool.write { try $0.execute(sql: seller) }
    }

    static func sell(_ store: ScenicStore, _ quantity: Int) async throws -> [String] {
        let sale = SaleRequest(
            distributorID: 7, productCode: "GATE", quantity: quantity, visitDate: "2027-01-16", buyerName: "", buyerPhone: "",
            now: SceneNow(today: "2027-01-15", minuteOfDay: 600))
        guard case .first(let sold) = try await store.sell(sale, key: nil, at: 1_000, encode: { _ in Data() }) else {
            Issue.record("a sale without a request id is always a first answer")
            return []
        }
        return sold.voucherCodes
    }

    static func voucherID(_ store: ScenicStore, _ code: String) async throws -> Int64? {
        try await store.read { db in try? ScenicStore.requireVoucher(db, code: code, distributorID: 7).id }
    }

    @Test("the codes it holds stay valid; the next sale takes a lost voucher's id, but not its code")
    func rekeyed() async throws {
        let path = ScenicStoreTests.temporaryPath()
        let backup = path + ".backup"
        var store = try ScenicStore.open(at: path)
        try await Self.seed(store)
        let kept = try await Self.sell(store, 2)
        _ = try store.backup(to: backup)
        let lost = try await Self.sell(store, 1)
        try store.close()

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        store = try ScenicStore.open(at: path)
        for (index, code) in kept.enumerated() {
            #expect(try await Self.voucherID(store, code) == Int64(index + 1))
        }
        #expect(try await Self.voucherID(store, lost[0]) == nil)
        let next = try await Self.sell(store, 1)
        #expect(next != lost)
        #expect(try await Self.voucherID(store, next[0]) == 3)
        #expect(try await Self.voucherID(store, lost[0]) == nil)
        try store.close()

        // Opened again, it is no longer a copy: the key stays, and so do the codes.
        store = try ScenicStore.open(at: path)
        #expect(try await Self.voucherID(store, next[0]) == 3)
        #expect(try await store.read { try Bool.fetchOne($0, sql: "SELECT is_backup_copy FROM store_info") } == false)
        try store.close()
    }

    @Test("a store that was never a copy keeps making codes under its first key, and no voucher is deleted")
    func notACopy() async throws {
        let path = ScenicStoreTests.temporaryPath()
        var store = try ScenicStore.open(at: path)
        try await Self.seed(store)
        let first = try await Self.sell(store, 1)
        try store.close()
        store = try ScenicStore.open(at: path)
        #expect(try await Self.voucherID(store, first[0]) == 1)
        #expect(try await store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM legacy_voucher_code") } == 0)
        await #expect(throws: DatabaseError.self) { try await store.pool.write { try $0.execute(sql: "DELETE FROM voucher") } }
        try store.close()
    }
}
