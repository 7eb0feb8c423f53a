import PostgresNIO
import ScenicStore

/// The audit log, and the SMS outbox shared by every daemon: a message is claimed by one
/// daemon for a while before it is sent, so two daemons never send it both.
extension PostgresStore {
    /// How long a claimed message is left to the daemon that claimed it: one that stops
    /// mid-delivery leaves it to another after this.
    static let smsClaimMillis: Millis = 120_000

    public func auditEntries(_ filter: AuditFilter, beforeID: Int64, limit: Int) async throws -> [AuditEntry] {
        try await read { transaction in
            try await transaction.all(
                AuditEntry.self,
                """
                SELECT * FROM audit_log WHERE id < \(beforeID)
                    AND (\(filter.actor) = '' OR actor = \(filter.actor))
                    AND (\(filter.method) = '' OR method = \(filter.method))
                    AND (\(filter.target) = '' OR target = \(filter.target))
                    AND at >= \(filter.since ?? .min) AND at < \(filter.until ?? .max)
                ORDER BY id DESC LIMIT \(limit)
                """)
        }
    }

    public func smsMessages(status: SMSRecord.Status?, beforeID: Int64, limit: Int) async throws -> [SMSRecord] {
        try await read { transaction in
            try await transaction.all(
                SMSRecord.self,
                """
                SELECT * FROM sms_outbox WHERE id < \(beforeID) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY id DESC LIMIT \(limit)
                """)
        }
    }

    /// The messages due now, oldest first, claimed for this daemon: their next attempt is
    /// moved past the claim, and rows another daemon is claiming are skipped, not waited for.
    public func dueSMS(at now: Millis, limit: Int) async throws -> [SMSRecord] {
        // Saturating: a caller may ask for everything due "at the end of time".
        let claimedUntil = now > .max - Self.smsClaimMillis ? .max : now + Self.smsClaimMillis
        return try await write { transaction in
            try await transaction.all(
                SMSRecord.self,
                """
                UPDATE sms_outbox SET next_attempt_at = \(claimedUntil)
                WHERE id IN (
                    SELECT id FROM sms_outbox WHERE status = 'pending' AND next_attempt_at <= \(now)
                    ORDER BY next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING *
                """
            ).sorted { $0.id < $1.id }
        }
    }

    public func nextSMSAttempt() async throws -> Millis? {
        try await read { try await $0.value(Int64.self, "SELECT min(next_attempt_at) FROM sms_outbox WHERE status = 'pending'") }
    }

    /// Marks the message sent and overwrites its body if it holds a secret.
    public func markSMSDelivered(id: Int64, at: Millis) async throws {
        try await write { transaction in
            try await transaction.run(
                """
                UPDATE sms_outbox SET status = 'delivered', tries = tries + 1, delivered_at = \(at), last_error = '',
                    body = CASE WHEN holds_secret THEN '[redacted]' ELSE body END
                WHERE id = \(id)
                """)
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or given up (failed, and a secret
    /// redacted: a password nobody received must not stay stored) when nil.
    public func markSMSAttemptFailed(id: Int64, error: String, retryAt: Millis?) async throws {
        try await write { transaction in
            try await transaction.run(
                """
                UPDATE sms_outbox SET tries = tries + 1, last_error = \(error),
                    next_attempt_at = coalesce(\(retryAt), next_attempt_at),
                    status = CASE WHEN \(retryAt)::bigint IS NULL THEN 'failed' ELSE status END,
                    body = CASE WHEN \(retryAt)::bigint IS NULL AND holds_secret THEN '[redacted]' ELSE body END
                WHERE id = \(id)
                """)
        }
    }
}
