import GRDB

public struct AuditFilter: Sendable {
    public var actor = ""
    public var method = ""
    public var target = ""
    public var since: Millis?
    public var until: Millis?
    public init() {}
}

/// Reading the audit log, and the SMS outbox's delivery bookkeeping.
extension SQLiteStore {
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

    public func nextSMSAttempt() async throws -> Millis? {
        try await read { db in
            try Millis.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM sms_outbox WHERE status = 'pending'")
        }
    }

    public func markSMSDelivered(id: Int64, at: Millis) async throws {
        try await redactingSecret(id) { db in
            try db.execute(
                sql: "UPDATE sms_outbox SET status = 'delivered', tries = tries + 1, delivered_at = ?, last_error = '' WHERE id = ?",
                arguments: [at, id])
        }
    }

    public func markSMSAttemptFailed(id: Int64, error: String, retryAt: Millis?) async throws {
        guard let retryAt else {
            try await redactingSecret(id) { db in
                try db.execute(
                    sql: "UPDATE sms_outbox SET tries = tries + 1, last_error = ?, status = 'failed' WHERE id = ?",
                    arguments: [error, id])
            }
            return
        }
        try await write { db in
            try db.execute(
                sql: "UPDATE sms_outbox SET tries = tries + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                arguments: [error, retryAt, id])
        }
    }

    /// Runs `update` on message `id` and overwrites its body if it holds a secret, in one
    /// transaction; then checkpoints the WAL so the plaintext leaves the disk too
    /// (secure_delete covers the database file's own pages).
    private func redactingSecret(_ id: Int64, update: @escaping @Sendable (Database) throws -> Void) async throws {
        let redacted = try await write { db in
            try update(db)
            try db.execute(
                sql: "UPDATE sms_outbox SET body = '[redacted]' WHERE id = ? AND holds_secret = 1", arguments: [id])
            return db.changesCount > 0
        }
        if redacted {
            try await writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }
}
