import Foundation
import ScenicStore

/// Distributor accounts and their sessions, each write one transaction with its audit
/// entry and SMS.
extension PostgresStore {
    public func distributor(id: Int64) async throws -> DistributorRecord? {
        try await read { try await $0.one(DistributorRecord.self, "SELECT * FROM distributor WHERE id = \(id)") }
    }

    public func distributor(phone: String) async throws -> DistributorRecord? {
        try await read { try await $0.one(DistributorRecord.self, "SELECT * FROM distributor WHERE phone = \(phone)") }
    }

    public func distributors(
        status: DistributorRecord.Status?, matching query: String, afterID: Int64, limit: Int
    ) async throws -> [DistributorRecord] {
        try await read { transaction in
            try await transaction.all(
                DistributorRecord.self,
                """
                SELECT * FROM distributor WHERE id > \(afterID)
                    AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                    AND (\(query) = '' OR strpos(name, \(query)) > 0 OR strpos(phone, \(query)) > 0)
                ORDER BY id LIMIT \(limit)
                """)
        }
    }

    public func createDistributor(
        name: String, phone: String, passwordHash: String, sms: OutgoingSMS, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { transaction in
            try await transaction.requirePhoneFree(phone, except: nil)
            guard
                let created = try await transaction.one(
                    DistributorRecord.self,
                    """
                    INSERT INTO distributor (name, phone, password_hash, password_is_initial, created_at, updated_at)
                    VALUES (\(name), \(phone), \(passwordHash), true, \(stamp.at), \(stamp.at)) RETURNING *
                    """)
            else { throw AccountStoreError.distributorNotFound(0) }
            try await transaction.enqueue(sms, at: stamp.at)
            try await transaction.record(stamp, target: "distributor:\(created.id)", summary: "created \"\(name)\", phone \(phone)")
            return created
        }
    }

    public func updateDistributor(
        id: Int64, name: String?, phone: String?, sms: OutgoingSMS?, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { transaction in
            let before = try await transaction.requireDistributor(id: id, locked: true)
            var changes: [String] = []
            if let name, name != before.name { changes.append("name \"\(before.name)\" → \"\(name)\"") }
            if let phone, phone != before.phone {
                try await transaction.requirePhoneFree(phone, except: id)
                if let sms { try await transaction.enqueue(sms, at: stamp.at) }
                changes.append("phone \(before.phone) → \(phone)")
            }
            guard !changes.isEmpty else { return before }
            try await transaction.run(
                """
                UPDATE distributor SET name = \(name ?? before.name), phone = \(phone ?? before.phone), updated_at = \(stamp.at)
                WHERE id = \(id)
                """)
            try await transaction.record(stamp, target: "distributor:\(id)", summary: changes.joined(separator: "; "))
            return try await transaction.requireDistributor(id: id)
        }
    }

    public func setDistributorStatus(id: Int64, _ status: DistributorRecord.Status, stamp: AuditStamp) async throws -> DistributorRecord {
        try await write { transaction in
            let before = try await transaction.requireDistributor(id: id, locked: true)
            guard before.status != status else { return before }
            try await transaction.run("UPDATE distributor SET status = \(status.rawValue), updated_at = \(stamp.at) WHERE id = \(id)")
            var summary = status == .disabled ? "disabled" : "enabled"
            if status == .disabled {
                let ended = try await transaction.endSessions(distributorID: id, reason: "disabled", at: stamp.at, except: nil)
                summary += "; \(ended) session(s) ended"
            }
            try await transaction.record(stamp, target: "distributor:\(id)", summary: summary)
            return try await transaction.requireDistributor(id: id)
        }
    }

    public func resetPassword(
        id: Int64, passwordHash: String, sms: @Sendable (DistributorRecord) -> OutgoingSMS, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { transaction in
            _ = try await transaction.requireDistributor(id: id, locked: true)
            try await transaction.run(
                """
                UPDATE distributor SET password_hash = \(passwordHash), password_is_initial = true, updated_at = \(stamp.at)
                WHERE id = \(id)
                """)
            let ended = try await transaction.endSessions(distributorID: id, reason: "password reset", at: stamp.at, except: nil)
            let record = try await transaction.requireDistributor(id: id)
            try await transaction.enqueue(sms(record), at: stamp.at)
            try await transaction.record(stamp, target: "distributor:\(id)", summary: "password reset; \(ended) session(s) ended")
            return record
        }
    }

    public func startSession(distributorID: Int64, tokenHash: Data, expiresAt: Millis, stamp: AuditStamp) async throws {
        try await write { transaction in
            try await transaction.run(
                """
                INSERT INTO session (distributor_id, token_hash, created_at, last_used_at, expires_at)
                VALUES (\(distributorID), \(tokenHash), \(stamp.at), \(stamp.at), \(expiresAt))
                """)
        }
    }

    /// The open session of `tokenHash` and its distributor, read at every call: an end or
    /// a disabling on any daemon holds at the next call on every other.
    public func openSession(tokenHash: Data) async throws -> (SessionRecord, DistributorRecord)? {
        try await read { transaction in
            guard
                let session = try await transaction.one(
                    SessionRecord.self, "SELECT * FROM session WHERE token_hash = \(tokenHash) AND ended_at IS NULL"),
                let distributor = try await transaction.one(
                    DistributorRecord.self, "SELECT * FROM distributor WHERE id = \(session.distributorID)")
            else { return nil }
            return (session, distributor)
        }
    }

    public func touchSession(id: Int64, at: Millis) async throws {
        try await write { try await $0.run("UPDATE session SET last_used_at = \(at) WHERE id = \(id)") }
    }

    public func endSession(id: Int64, reason: String, at: Millis) async throws {
        try await write { transaction in
            try await transaction.run(
                "UPDATE session SET ended_at = \(at), end_reason = \(reason) WHERE id = \(id) AND ended_at IS NULL")
        }
    }

    public func changePassword(distributorID: Int64, passwordHash: String, keepSession: Int64, stamp: AuditStamp) async throws {
        try await write { transaction in
            try await transaction.run(
                """
                UPDATE distributor SET password_hash = \(passwordHash), password_is_initial = false, updated_at = \(stamp.at)
                WHERE id = \(distributorID)
                """)
            let ended = try await transaction.endSessions(
                distributorID: distributorID, reason: "password changed", at: stamp.at, except: keepSession)
            try await transaction.record(
                stamp, target: "distributor:\(distributorID)", summary: "password changed; \(ended) other session(s) ended")
        }
    }
}

extension PostgresTransaction {
    /// The distributor; `locked` holds its row until the transaction ends, so that what
    /// is decided on its balance stays true until it is written (as an update that changes
    /// no key: sessions and keys that only refer to it are made meanwhile).
    func requireDistributor(id: Int64, locked: Bool = false) async throws -> DistributorRecord {
        let record =
            locked
            ? try await one(DistributorRecord.self, "SELECT * FROM distributor WHERE id = \(id) FOR NO KEY UPDATE")
            : try await one(DistributorRecord.self, "SELECT * FROM distributor WHERE id = \(id)")
        guard let record else { throw AccountStoreError.distributorNotFound(id) }
        return record
    }

    func requirePhoneFree(_ phone: String, except id: Int64?) async throws {
        let owner = try await value(Int64.self, "SELECT id FROM distributor WHERE phone = \(phone)")
        if let owner, owner != id { throw AccountStoreError.phoneTaken(phone) }
    }

    /// Ends the distributor's open sessions but `except`; returns how many.
    func endSessions(distributorID: Int64, reason: String, at: Millis, except: Int64?) async throws -> Int {
        try await rows(
            """
            UPDATE session SET ended_at = \(at), end_reason = \(reason)
            WHERE distributor_id = \(distributorID) AND ended_at IS NULL AND id IS DISTINCT FROM \(except)
            RETURNING id
            """
        ).count
    }

    /// Writes the audit entry of a change, in its transaction.
    func record(_ stamp: AuditStamp, target: String, summary: String) async throws {
        try await run(
            """
            INSERT INTO audit_log (at, actor, method, target, summary)
            VALUES (\(stamp.at), \(stamp.actor), \(stamp.method), \(target), \(summary))
            """)
    }

    /// Puts an SMS in the outbox, in the transaction of the change it tells of.
    func enqueue(_ sms: OutgoingSMS, at now: Millis) async throws {
        try await run(
            """
            INSERT INTO sms_outbox (phone, body, holds_secret, next_attempt_at, created_at)
            VALUES (\(sms.phone), \(sms.body), \(sms.holdsSecret), \(now), \(now))
            """)
    }
}
