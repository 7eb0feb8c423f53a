import GRDB

/// Reading the audit log, and the SMS outbox's delivery bookkeeping.
extension ScenicStore {
    public struct AuditFilter: Sendable {
        public var actor = ""
        public var method = ""
        public var target = ""
        public var since: Millis?
        public var until: Millis?
        public init() {}
    }

    /// Entries newest first, with ids below `beforeID`.
    public func auditEntries(_ filter: AuditFilter, beforeID: Int64, limit: Int) async throws -> [AuditEntry] {
        try await read { db in
            var sql = "SELECT * FROM audit_log WHERE id < ?"
            var arguments: StatementArguments = [beforeID]
            for (column, value) in [("actor", filter.actor), ("method", filter.method), ("target", filter.target)]
            where !value.isEmpty {
                sql += " AND \(column) = ?"
                arguments += [value]
            }
            if let since = filter.since {
                sql += " AND at >= ?"
                arguments += [since]
            }
            if let until = filter.until {
                sql += " AND at < ?"
                arguments += [until]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try AuditEntry.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// Messages newest first, with ids below `beforeID`.
    public func smsMessages(status: SMSRecord.Status?, beforeID: Int64, limit: Int) async throws -> [SMSRecord] {
        try await read { db in
            if let status {
                return try SMSRecord.fetchAll(
                    db, sql: "SELECT * FROM sms_outbox WHERE id < ? AND status = ? ORDER BY id DESC LIMIT ?",
                    arguments: [beforeID, status.rawValue, limit])
            }
            return try SMSRecord.fetchAll(
                db, sql: "SELECT * FROM sms_outbox WHERE id < ? ORDER BY id DESC LIMIT ?", arguments: [beforeID, limit])
        }
    }

    /// Pending messages whose next attempt is due, oldest first.
    public func dueSMS(at now: Millis, limit: Int) async throws -> [SMSRecord] {
        try await read { db in
            try SMSRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM sms_outbox WHERE status = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                arguments: [now, limit])
        }
    }

    /// The earliest next attempt among pending messages.
    public func nextSMSAttempt() async throws -> Millis? {
        try await read { db in
            try Millis.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM sms_outbox WHERE status = 'pending'")
        }
    }

    /// Marks a message delivered; a body holding a password is overwritten, and the WAL
    /// is checkpointed so the plaintext leaves the disk too (secure_delete covers the
    /// database file's own pages).
    public func markSMSDelivered(id: Int64, at: Millis) async throws {
        let redacted = try await write { db in
            try db.execute(
                sql: """
                    UPDATE sms_outbox SET status = 'delivered', tries = tries + 1, delivered_at = ?, last_error = '',
                        body = CASE holds_secret WHEN 1 THEN '[redacted]' ELSE body END
                    WHERE id = ?
                    """,
                arguments: [at, id])
            return try Bool.fetchOne(db, sql: "SELECT holds_secret FROM sms_outbox WHERE id = ?", arguments: [id]) ?? false
        }
        if redacted {
            try await writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or given up (failed) when nil.
    public func markSMSAttemptFailed(id: Int64, error: String, retryAt: Millis?) async throws {
        try await write { db in
            if let retryAt {
                try db.execute(
                    sql: "UPDATE sms_outbox SET tries = tries + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                    arguments: [error, retryAt, id])
            } else {
                try db.execute(
                    sql: "UPDATE sms_outbox SET tries = tries + 1, last_error = ?, status = 'failed' WHERE id = ?",
                    arguments: [error, id])
            }
        }
    }
}
