import Foundation
import GRDB

/// Sign-in state: sessions and password changes.
extension SQLiteStore {
    public func startSession(distributorID: Int64, tokenHash: Data, expiresAt: Millis, stamp: AuditStamp) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO session (distributor_id, token_hash, created_at, last_used_at, expires_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [distributorID, tokenHash, stamp.at, stamp.at, expiresAt])
        }
    }

    public func openSession(tokenHash: Data) async throws -> (SessionRecord, DistributorRecord)? {
        let generation: UInt64
        switch sessionCache.lookup(tokenHash) {
        case .found(let entry): return entry
        case .missing(let readAfter): generation = readAfter
        }
        let entry = try await read { db -> SessionCache.Entry? in
            guard
                let session = try db.fetchOneCached(
                    SessionRecord.self, "SELECT * FROM session WHERE token_hash = ? AND ended_at IS NULL", [tokenHash]),
                let distributor = try Self.fetchDistributor(db, id: session.distributorID)
            else { return nil }
            return (session, distributor)
        }
        if let entry { sessionCache.remember(entry, for: tokenHash, readAfter: generation) }
        return entry
    }

    public func touchSession(id: Int64, at: Millis) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE session SET last_used_at = ? WHERE id = ?", arguments: [at, id])
        }
    }

    public func endSession(id: Int64, reason: String, at: Millis) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE session SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                arguments: [at, reason, id])
        }
    }

    public func changePassword(distributorID: Int64, passwordHash: String, keepSession: Int64, stamp: AuditStamp) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE distributor SET password_hash = ?, password_is_initial = 0, updated_at = ? WHERE id = ?",
                arguments: [passwordHash, stamp.at, distributorID])
            let ended = try Self.endSessions(
                db, distributorID: distributorID, reason: "password changed", at: stamp.at, except: keepSession)
            try stamp.record(
                db, target: "distributor:\(distributorID)", summary: "password changed; \(ended) other session(s) ended")
        }
    }
}
