import Foundation
import GRDB

/// Milliseconds since the Unix epoch, the store's one representation of time.
public typealias Millis = Int64

extension Date {
    public var millis: Millis { Millis((timeIntervalSince1970 * 1000).rounded()) }
    public init(millis: Millis) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}

/// A distributor as stored.
public struct DistributorRecord: Sendable, Equatable, FetchableRecord, DistributorMoney {
    public enum Status: String, Sendable, CaseIterable {
        case active, disabled
    }

    public var id: Int64
    public var name: String
    public var phone: String
    public var status: Status
    public var passwordHash: String
    public var passwordIsInitial: Bool
    public var balanceFen: Int64
    public var createdAt: Millis
    public var updatedAt: Millis
    public var lowBalanceThresholdFen: Int64
    public var lowBalanceAlerted: Bool
    /// Kept aside by holds (``DistributorMoney/availableFen``).
    public var heldFen: Int64
    /// The credit line: the balance may go down to minus it.
    public var creditLimitFen: Int64

    /// What is owed on the credit line.
    public var creditUsedFen: Int64 { max(0, -balanceFen) }

    public init(row: Row) throws { self.init(columns: row) }

    /// Read in the table's column order, which a stepped row finds fastest (each column
    /// where the search starts).
    package init(columns row: some ColumnReading) {
        id = row["id"]
        name = row["name"]
        phone = row["phone"]
        status = Status(rawValue: row["status"]) ?? .disabled
        passwordHash = row["password_hash"]
        passwordIsInitial = row["password_is_initial"]
        balanceFen = row["balance_fen"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        lowBalanceThresholdFen = row["low_balance_threshold_fen"]
        lowBalanceAlerted = row["low_balance_alerted"]
        heldFen = row["held_fen"] ?? 0
        creditLimitFen = row["credit_limit_fen"] ?? 0
    }
}

/// A distributor's session; the token itself is never stored, only its hash.
public struct SessionRecord: Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var distributorID: Int64
    public var createdAt: Millis
    public var lastUsedAt: Millis
    public var expiresAt: Millis
    public var endedAt: Millis?

    public init(row: Row) throws {
        id = row["id"]
        distributorID = row["distributor_id"]
        createdAt = row["created_at"]
        lastUsedAt = row["last_used_at"]
        expiresAt = row["expires_at"]
        endedAt = row["ended_at"]
    }
}

/// One line of the audit log: who changed what, never a secret.
public struct AuditEntry: Sendable, Equatable, FetchableRecord {
    public var id: Int64 = 0
    public var at: Millis
    public var actor: String
    public var method: String
    public var target: String
    public var summary: String

    public init(at: Millis, actor: String, method: String, target: String, summary: String) {
        self.at = at
        self.actor = actor
        self.method = method
        self.target = target
        self.summary = summary
    }

    public init(row: Row) throws {
        id = row["id"]
        at = row["at"]
        actor = row["actor"]
        method = row["method"]
        target = row["target"]
        summary = row["summary"]
    }
}

/// A text message waiting in, or delivered from, the outbox.
public struct SMSRecord: Sendable, Equatable, FetchableRecord {
    public enum Status: String, Sendable, CaseIterable {
        case pending, delivered, failed
    }

    public var id: Int64
    public var phone: String
    public var body: String
    public var holdsSecret: Bool
    public var status: Status
    public var tries: Int
    public var nextAttemptAt: Millis
    public var lastError: String
    public var createdAt: Millis
    public var deliveredAt: Millis?

    public init(row: Row) throws {
        id = row["id"]
        phone = row["phone"]
        body = row["body"]
        holdsSecret = row["holds_secret"]
        status = Status(rawValue: row["status"]) ?? .failed
        tries = row["tries"]
        nextAttemptAt = row["next_attempt_at"]
        lastError = row["last_error"]
        createdAt = row["created_at"]
        deliveredAt = row["delivered_at"]
    }
}

/// A message to queue in the same transaction as the change that causes it.
public struct OutgoingSMS: Sendable, Equatable {
    public var phone: String
    public var body: String
    /// True when the body holds a password: it is redacted once delivered.
    public var holdsSecret: Bool

    public init(phone: String, body: String, holdsSecret: Bool) {
        self.phone = phone
        self.body = body
        self.holdsSecret = holdsSecret
    }
}
