import Foundation
import GRDB
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

/// Outages of the storage underneath: each answers a clear retryable status, writes
/// nothing of the failed call, and the daemon serves again once the condition clears.
@Suite("Storage failures", .enabled(if: TestBackend.isSQLite, "SQLite's own pragmas and file locks; the PostgreSQL store's outages are in ScenicPostgresTests"))
struct StorageFailureTests {
    @Test("a full disk: sales are refused RESOURCE_EXHAUSTED STORAGE_FULL, nothing half written, the same request id succeeds once space is back")
    func diskFull() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 100, balance: 10_000_000)
        // SQLite answers SQLITE_FULL when the file may not grow: the disk-full path
        // without filling a disk (the end-to-end test does that on a small tmpfs).
        try await harness.sqlite!.pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        var failure: RPCError?
        var sold = 0
        for attempt in 0..<2_000 where failure == nil {
            do {
                _ = try await harness.sell(token: token, quantity: 5, requestID: "fill-\(attempt)")
                sold += 1
            } catch let error as RPCError {
                failure = error
            }
        }
        let refused = try #require(failure, "the database never filled")
        #expect(refused.code == .resourceExhausted)
        #expect(refused.reason == "STORAGE_FULL")
        let failedID = "fill-\(sold)"
        let before = try await harness.store.money(distributorID: id).balanceFen
        #expect(before == 10_000_000 - Int64(sold) * 500)
        #expect(try await harness.rowCount("sale_order") == sold)
        #expect(try await harness.rowCount("voucher") == sold * 5)
        try await harness.checkLedgerInvariants()

        try await harness.sqlite!.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        _ = try await harness.sell(token: token, quantity: 5, requestID: failedID)
        #expect(try await harness.store.money(distributorID: id).balanceFen == before - 500)
        #expect(try await harness.rowCount("sale_order") == sold + 1)
        try await harness.checkLedgerInvariants()
    }

    @Test("another program holding the write lock: UNAVAILABLE STORAGE_BUSY, nothing written, served again once it lets go")
    func databaseLocked() async throws {
        let harness = try await Harness()
        let (id, _) = try await harness.seller(balance: 0)
        let intruder = try DatabaseQueue(path: harness.sqlite!.pool.path)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            try? intruder.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                entered.signal()
                release.wait()
                try db.execute(sql: "ROLLBACK")
            }
        }
        holder.start()
        entered.wait()
        let refused = try await expectFailure(.unavailable, reason: "STORAGE_BUSY") {
            _ = try await harness.recharge(id, 5_000, requestID: "locked")
        }
        #expect(refused.message.contains("locked"))
        release.signal()
        #expect(try await harness.store.money(distributorID: id).balanceFen == 0)
        _ = try await harness.recharge(id, 5_000, requestID: "locked")
        _ = try await harness.recharge(id, 5_000, requestID: "locked")
        #expect(try await harness.store.money(distributorID: id).balanceFen == 5_000)
        try await harness.checkLedgerInvariants()
    }

    @Test("a read-only database: writes answer UNAVAILABLE STORAGE_READ_ONLY, reads go on, writes resume when it is writable again")
    func readOnly() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 10_000)
        try await harness.sqlite!.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
        try await expectFailure(.unavailable, reason: "STORAGE_READ_ONLY") {
            _ = try await harness.sell(token: token, requestID: "ro")
        }
        #expect(try await harness.store.money(distributorID: id).balanceFen == 10_000)
        #expect(try await harness.rowCount("sale_order") == 0)
        try await harness.sqlite!.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
        _ = try await harness.sell(token: token, requestID: "ro")
        #expect(try await harness.store.money(distributorID: id).balanceFen == 10_000 - 9_800)
        try await harness.checkLedgerInvariants()
    }
}
