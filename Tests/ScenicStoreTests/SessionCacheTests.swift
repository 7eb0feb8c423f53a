import Foundation
import GRDB
import Testing

@testable import ScenicStore

@Suite("Session cache")
struct SessionCacheTests {
    let store: SQLiteStore
    let distributorID: Int64
    let token = Data("token".utf8)
    let stamp = AuditStamp(actor: "admin", method: "test", at: 1_000)

    init() async throws {
        store = try SQLiteStore.open(at: ScenicStoreTests.temporaryPath())
        distributorID = try await store.createDistributor(
            name: "Lakeside Travel", phone: "13800000001", passwordHash: "hash",
            sms: OutgoingSMS(phone: "13800000001", body: "welcome", holdsSecret: false), stamp: stamp
        ).id
        try await store.startSession(distributorID: distributorID, tokenHash: token, expiresAt: 1_000_000, stamp: stamp)
    }

    func isCached() -> Bool {
        if case .found = store.sessionCache.lookup(token) { true } else { false }
    }

    @Test("a session found once is found again without a read, until it ends")
    func endedSessionIsNeverServed() async throws {
        #expect(!isCached())
        let (session, _) = try #require(try await store.openSession(tokenHash: token))
        #expect(isCached())
        try await store.endSession(id: session.id, reason: "logged out", at: 2_000)
        #expect(!isCached())
        #expect(try await store.openSession(tokenHash: token) == nil)
    }

    @Test("a change to the distributor's account drops its entry; money moving does not")
    func accountChangesInvalidateMoneyDoesNot() async throws {
        _ = try await store.openSession(tokenHash: token)
        try await store.write { db in
            try db.execute(sql: "UPDATE distributor SET balance_fen = balance_fen + 100 WHERE id = ?", arguments: [distributorID])
        }
        #expect(isCached())
        try await store.write { db in
            try db.execute(sql: "UPDATE distributor SET password_is_initial = 0 WHERE id = ?", arguments: [distributorID])
        }
        #expect(!isCached())
        let (_, distributor) = try #require(try await store.openSession(tokenHash: token))
        #expect(!distributor.passwordIsInitial && distributor.balanceFen == 100)
        _ = try await store.setDistributorStatus(id: distributorID, .disabled, stamp: stamp)
        #expect(try await store.openSession(tokenHash: token) == nil)
    }

    @Test("a change drops the entries of the session or distributor it touched, and no others")
    func onlyWhatChangedIsDropped() async throws {
        let other = Data("other token".utf8)
        let otherID = try await store.createDistributor(
            name: "Hilltop Hotel", phone: "13800000002", passwordHash: "hash",
            sms: OutgoingSMS(phone: "13800000002", body: "welcome", holdsSecret: false), stamp: stamp
        ).id
        try await store.startSession(distributorID: otherID, tokenHash: other, expiresAt: 1_000_000, stamp: stamp)
        let (session, _) = try #require(try await store.openSession(tokenHash: token))
        _ = try await store.openSession(tokenHash: other)
        try await store.touchSession(id: session.id, at: 70_000)
        #expect(!isCached())
        guard case .found = store.sessionCache.lookup(other) else { Issue.record("another session's entry was dropped"); return }
        #expect(try await store.openSession(tokenHash: token)?.0.lastUsedAt == 70_000)
        _ = try await store.setDistributorStatus(id: otherID, .disabled, stamp: stamp)
        #expect(isCached())
        #expect(try await store.openSession(tokenHash: other) == nil)
    }

    @Test("a change rolled back leaves the cache as it was")
    func rollbackKeepsEntries() async throws {
        _ = try await store.openSession(tokenHash: token)
        await #expect(throws: DatabaseError.self) {
            try await store.write { db in
                try db.execute(sql: "UPDATE session SET last_used_at = 5 WHERE token_hash = ?", arguments: [token])
                try db.execute(sql: "SELECT no_such_function()")
            }
        }
        #expect(isCached())
    }

    @Test("an entry read before a change committed is not kept")
    func staleReadIsDropped() async throws {
        let entry = try #require(try await store.openSession(tokenHash: token))
        let cache = SessionCache()
        guard case .missing(let generation) = cache.lookup(token) else { Issue.record("an empty cache found an entry"); return }
        cache.invalidate(sessions: [], distributors: [])
        cache.remember(entry, for: token, readAfter: generation)
        guard case .missing(let now) = cache.lookup(token) else { Issue.record("a stale read was kept"); return }
        cache.remember(entry, for: token, readAfter: now)
        guard case .found = cache.lookup(token) else { Issue.record("a fresh read was not kept"); return }
    }
}
