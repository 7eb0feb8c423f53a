import Foundation
import GRDB

/// Sign-in state: failed attempts and lockouts, sessions, password changes.
extension ScenicStore {
    /// Counts a failed login. At `lockAfter` failures in a row the account locks until
    /// `now + lockFor` (audited) and the count starts again.
    @discardableResult
    public func recordFailedLogin(
        distributorID: Int64, lockAfter: Int, lockFor: Millis, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { db in
            let before = try Self.requireDistributor(db, id: distributorID)
            // Guesses that raced past the lock while it was being set change nothing more.
            if let until = before.lockedUntil, until > stamp.at { return before }
            if before.failedLogins + 1 >= lockAfter {
                let until = stamp.at + lockFor
                try db.execute(
                    sql: "UPDATE distributor SET failed_logins = 0, locked_until = ? WHERE id = ?",
                    arguments: [until, distributorID])
                try stamp.record(
                    db, target: "distributor:\(distributorID)",
                    summary: "locked after \(lockAfter) failed logins until \(ISOTime.format(until))")
            } else {
                try db.execute(
                    sql: "UPDATE distributor SET failed_logins = failed_logins + 1 WHERE id = ?", arguments: [distributorID])
            }
            return try Self.requireDistributor(db, id: distributorID)
        }
    }

    /// Opens a session after a good password, clearing the failure count; refused while the
    /// account is locked, even if a parallel guess was right.
    public func startSession(distributorID: Int64, tokenHash: Data, expiresAt: Millis, stamp: AuditStamp) async throws {
        try await write { db in
            let distributor = try Self.requireDistributor(db, id: distributorID)
            if let until = distributor.lockedUntil, until > stamp.at { throw AccountStoreError.locked(until: until) }
            try db.execute(
                sql: "UPDATE distributor SET failed_logins = 0, locked_until = NULL WHERE id = ?", arguments: [distributorID])
            try db.execute(
                sql: """
                    INSERT INTO session (distributor_id, token_hash, created_at, last_used_at, expires_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [distributorID, tokenHash, stamp.at, stamp.at, expiresAt])
        }
    }

    /// The open session with this token hash and its distributor, or nil. Answered from
    /// ``SessionCache`` when it can be: the distributor's `balanceFen` may then be older
    /// than the last sale, so read a balance to show with ``balance(distributorID:)``.
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

    /// Records use of a session, for its idle expiry.
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

    /// Replaces the password (no longer an initial one) and ends the distributor's other
    /// sessions; `keepSession` stays open.
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
