import Foundation
import GRDB
import ScenicTestSupport
import Synchronization
import Testing

@testable import ScenicStore

@Suite("Store")
struct ScenicStoreTests {
    static func temporaryPath() -> String {
        TestScratch.folder("scenic-store-") + "/" + SQLiteStore.fileName
    }

    @Test("opens with WAL, synchronous=FULL and a long WAL on the writer, 1 KiB pages, foreign keys on, migrations applied")
    func durableSettings() throws {
        let store = try SQLiteStore.open(at: Self.temporaryPath())
        #expect(try store.writerSynchronousSetting() == 2)
        #expect(try store.journalMode() == "wal")
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1)
        #expect(try store.pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 40_000)
        #expect(try store.pool.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == SQLiteStore.pageSize)
        #expect(store.schemaVersion == Migrations.migrator.migrations.count)
        try store.close()
    }

    @Test("a second open of the same database is refused while the first holds it")
    func exclusive() throws {
        let path = Self.temporaryPath()
        var first: SQLiteStore? = try SQLiteStore.open(at: path)
        #expect {
            _ = try SQLiteStore.open(at: path)
        } throws: { error in
            guard case StoreError.locked(let lockedPath, let holder)? = error as? StoreError else { return false }
            return lockedPath == path && holder == "\(getpid())"
        }
        try first?.close()
        first = nil
        let reopened = try SQLiteStore.open(at: path)
        #expect(reopened.schemaVersion == Migrations.migrator.migrations.count)
        try reopened.close()
    }

    @Test("a closed store's lock is free at once, even while a copy of its descriptor lives on (a child being spawned)")
    func lockFreedDespiteACopy() throws {
        let path = Self.temporaryPath()
        let store = try SQLiteStore.open(at: path)
        // What a process spawned by another thread holds until its exec: a duplicate of
        // every descriptor, the lock file's included.
        let lockFile = URL(fileURLWithPath: path + ".lock").resolvingSymlinksInPath().path
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
        let original = try #require(descriptors.first {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == lockFile
        })
        let copy = dup(original)
        #expect(copy >= 0)
        defer { close(copy) }
        try store.close()
        let reopened = try SQLiteStore.open(at: path)
        try reopened.close()
    }

    @Test("a closed store leaves its WAL empty")
    func closeEmptiesTheWAL() async throws {
        let path = Self.temporaryPath()
        let store = try SQLiteStore.open(at: path)
        try await store.write { db in
            try db.execute(sql: "CREATE TABLE filler (x BLOB)")
            for _ in 0..<200 { try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(4096))") }
        }
        let size = { (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        #expect(size() > 800_000)
        try store.close()
        #expect(size() == 0)
    }

    @Test("a distributor's voucher list reads an index: by state when filtered by state, else merged from every state's range; a code reads its row by id")
    func voucherListPlans() async throws {
        let store = try SQLiteStore.open(at: Self.temporaryPath())
        func plan(_ configure: (inout VoucherQuery) -> Void) async throws -> String {
            var query = VoucherQuery(limit: 50)
            query.distributorID = 1
            configure(&query)
            let (sql, arguments) = query.statement
            return try await store.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                    .joined(separator: "; ")
            }
        }
        for status in [VoucherRecord.Status.valid, .redeemed, .refunded] {
            #expect(try await plan { $0.status = status }.contains("voucher_by_distributor_status (distributor_id=? AND status=? AND id<?)"))
        }
        let unfiltered = try await plan { $0.fromSoldAt = 0; $0.untilSoldAt = 1 }
        #expect(unfiltered.contains("MERGE (UNION ALL)"))
        #expect(unfiltered.components(separatedBy: "voucher_by_distributor_status (distributor_id=? AND status=? AND id<?)").count == 4)
        #expect(!unfiltered.contains("TEMP B-TREE"))
        // A code leads to its row by id: random codes of before through their own table.
        let byCode = try await store.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + VoucherRecord.select + " WHERE " + VoucherRecord.codeCondition,
                arguments: VoucherRecord.codeArguments("1234567890123452")
            ).map { $0["detail"] as String }.joined(separator: "; ")
        }
        #expect(byCode.contains("SEARCH voucher USING INTEGER PRIMARY KEY (rowid=?)"))
        #expect(byCode.contains("SEARCH legacy_voucher_code USING PRIMARY KEY (code=?)"))
        #expect(!byCode.contains("SCAN"))
        try store.close()
    }

    @Test("the group-commit observer costs the same at the 50,000th batch as at the first")
    func groupCommitObserverStaysCheap() throws {
        let store = try SQLiteStore.open(at: Self.temporaryPath())
        let observed = Mutex(0)
        store.observeGroupCommits { writes, _, _ in observed.withLock { $0 += writes } }
        // A closure that came back from its Mutex wrapped once more each call made the
        // n-th call walk n thunks: 50,000 calls took about a minute; they take milliseconds.
        let started = ContinuousClock.now
        for _ in 0..<50_000 { store.reportGroupCommit(writes: 1, executing: .zero, committing: .zero) }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(observed.withLock { $0 } == 50_000)
        try store.close()
    }

    @Test("reopening applies no migration twice")
    func reopenIsIdempotent() throws {
        let path = Self.temporaryPath()
        try SQLiteStore.open(at: path).close()
        let again = try SQLiteStore.open(at: path)
        #expect(try again.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM store_info") } == 1)
        try again.close()
    }
}
