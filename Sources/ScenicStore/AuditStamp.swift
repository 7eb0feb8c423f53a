import GRDB

/// Who is making a change, through which method, and when: written to the audit log
/// in the same transaction as the change.
public struct AuditStamp: Sendable {
    public var actor: String
    public var method: String
    public var at: Millis

    public init(actor: String, method: String, at: Millis) {
        self.actor = actor
        self.method = method
        self.at = at
    }

    func record(_ db: Database, target: String, summary: String) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at, actor, method, target, summary) VALUES (?, ?, ?, ?, ?)",
            arguments: [at, actor, method, target, summary])
    }
}

extension OutgoingSMS {
    func enqueue(_ db: Database, at now: Millis) throws {
        try db.execute(
            sql: """
                INSERT INTO sms_outbox (phone, body, holds_secret, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [phone, body, holdsSecret, now, now])
    }
}
