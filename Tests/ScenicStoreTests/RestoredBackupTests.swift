import Foundation
import GRDB
import Testing

@testable import ScenicStore

/// A backup put back in place has lost the vouchers sold after it; their ids are taken again
/// by the next sales, which must not get their codes.
@Suite("Restored backups")
struct RestoredBackupTests {
    @Test("the codes it holds stay valid; the next sale takes a lost voucher's id, but not its code")
    func rekeyed() async throws {
        let path = ScenicStoreTests.temporaryPath()
        let backup = path + ".backup"
        var store = try SQLiteStore.open(at: path)
        try await StoreFixture.seed(store)
        let kept = try await StoreFixture.sell(store, 2)
        _ = try store.backup(to: backup)
        let lost = try await StoreFixture.sell(store, 1)
        try store.close()

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        store = try SQLiteStore.open(at: path)
        for (index, code) in kept.enumerated() {
            #expect(try await StoreFixture.voucherID(store, code) == Int64(index + 1))
        }
        #expect(try await StoreFixture.voucherID(store, lost[0]) == nil)
        let next = try await StoreFixture.sell(store, 1)
        #expect(next != lost)
        #expect(try await StoreFixture.voucherID(store, next[0]) == 3)
        #expect(try await StoreFixture.voucherID(store, lost[0]) == nil)
        try store.close()

        // Opened again, it is no longer a copy: the key stays, and so do the codes.
        store = try SQLiteStore.open(at: path)
        #expect(try await StoreFixture.voucherID(store, next[0]) == 3)
        #expect(try await store.read { try Bool.fetchOne($0, sql: "SELECT is_backup_copy FROM store_info") } == false)
        try store.close()
    }

    @Test("a store that was never a copy keeps making codes under its first key, and no voucher is deleted")
    func notACopy() async throws {
        let path = ScenicStoreTests.temporaryPath()
        var store = try SQLiteStore.open(at: path)
        try await StoreFixture.seed(store)
        let first = try await StoreFixture.sell(store, 1)
        try store.close()
        store = try SQLiteStore.open(at: path)
        #expect(try await StoreFixture.voucherID(store, first[0]) == 1)
        #expect(try await store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM legacy_voucher_code") } == 0)
        await #expect(throws: DatabaseError.self) { try await store.pool.write { try $0.execute(sql: "DELETE FROM voucher") } }
        try store.close()
    }
}
