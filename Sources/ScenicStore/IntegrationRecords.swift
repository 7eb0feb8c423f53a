import Foundation
import GRDB

/// An API key as stored: never the key itself, only its SHA-256.
public struct ApiKeyRecord: Sendable, Equatable, FetchableRecord {
    public enum Scope: String, Sendable, CaseIterable, Comparable {
        case sell, refund, read

        public static func < (lhs: Scope, rhs: Scope) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var id: Int64
    public var distributorID: Int64
    public var name: String
    public var prefix: String
    public var scopes: Set<Scope>
    public var createdAt: Millis
    public var lastUsedAt: Millis?
    /// The last day it works (YYYY-MM-DD).
    public var expiresOn: String?
    public var revokedAt: Millis?

    public init(row: Row) throws {
        id = row["id"]
        distributorID = row["distributor_id"]
        name = row["name"]
        prefix = row["prefix"]
        scopes = Set((row["scopes"] as String).split(separator: ",").compactMap { Scope(rawValue: String($0)) })
        createdAt = row["created_at"]
        lastUsedAt = row["last_used_at"]
        expiresOn = row["expires_on"]
        revokedAt = row["revoked_at"]
    }
}

/// A key the back office asks for, validated by the caller, with its secret's digest.
public struct NewApiKey: Sendable {
    public var distributorID: Int64
    public var name: String
    public var prefix: String
    public var secretHash: Data
    public var scopes: Set<ApiKeyRecord.Scope>
    public var expiresOn: String?

    public init(distributorID: Int64, name: String, prefix: String, secretHash: Data, scopes: Set<ApiKeyRecord.Scope>, expiresOn: String?) {
        self.distributorID = distributorID
        self.name = name
        self.prefix = prefix
        self.secretHash = secretHash
        self.scopes = scopes
        self.expiresOn = expiresOn
    }

    /// The scopes as `api_key.scopes` keeps them: sorted, comma-separated.
    package var scopesText: String { scopes.sorted().map(\.rawValue).joined(separator: ",") }

    /// The audit log's line for the key made with `id`.
    package func createdSummary(id: Int64) -> String {
        "API key \(id) \"\(name)\" (\(prefix)…) created: \(scopesText)" + (expiresOn.map { ", until \($0)" } ?? "")
    }
}

/// A hold: seats taken and money kept aside until it is confirmed, released or expires.
public struct HoldRecord: Sendable, Equatable, FetchableRecord {
    public enum Status: String, Sendable {
        case held, confirmed, released, expired
    }

    public var id: Int64
    public var distributorID: Int64
    public var productID: Int64
    public var productCode: String
    public var visitDate: String
    public var slot: String?
    public var quantity: Int
    public var settlementPriceFen: Int64
    public var retailPriceFen: Int64
    public var amountFen: Int64
    public var status: Status
    public var createdAt: Millis
    public var expiresAt: Millis
    public var endedAt: Millis?
    public var orderID: Int64?

    public init(row: Row) throws {
        id = row["id"]
        distributorID = row["distributor_id"]
        productID = row["product_id"]
        productCode = row["product_code"]
        visitDate = row["visit_date"]
        slot = row["slot"]
        quantity = row["quantity"]
        settlementPriceFen = row["settlement_price_fen"]
        retailPriceFen = row["retail_price_fen"]
        amountFen = row["amount_fen"]
        status = Status(rawValue: row["status"]) ?? .released
        createdAt = row["created_at"]
        expiresAt = row["expires_at"]
        endedAt = row["ended_at"]
        orderID = row["order_id"]
    }

    package static let select = "SELECT hold.*, product.code AS product_code FROM hold JOIN product ON product.id = hold.product_id"

    /// Refuses a hold no longer held at `at`: one past its expiry is expired here, whether
    /// or not the daemon's timer got to it first.
    package func requireLive(at: Millis) throws {
        switch status {
        case .held: guard expiresAt > at else { throw HoldError.expired(id) }
        case .expired: throw HoldError.expired(id)
        case .released: throw HoldError.released(id)
        case .confirmed: throw HoldError.confirmed(id)
        }
    }
}

/// Refusals of holds; nothing was written.
public enum HoldError: Error, Sendable, Equatable {
    case notFound(Int64)
    case expired(Int64)
    case released(Int64)
    case confirmed(Int64)
}

/// Refusals of API keys; nothing was written.
public enum ApiKeyError: Error, Sendable, Equatable {
    case notFound(Int64)
}

/// One event of the feed.
public struct EventRecord: Sendable, Equatable, FetchableRecord {
    public enum Kind: String, Sendable, CaseIterable {
        case voucherRedeemed = "voucher_redeemed"
        case redemptionUndone = "redemption_undone"
        case voucherRefunded = "voucher_refunded"
        case voucherExpired = "voucher_expired"
        case holdConfirmed = "hold_confirmed"
        case holdReleased = "hold_released"
        case holdExpired = "hold_expired"
        case bindingAdded = "binding_added"
        case bindingChanged = "binding_changed"
        case bindingRemoved = "binding_removed"
        case productArchived = "product_archived"
        case availabilityChanged = "availability_changed"
        case balanceLow = "balance_low"
        case recharge
        case refundRequested = "refund_requested"
        case refundRejected = "refund_rejected"
        case dateChanged = "date_changed"
        case creditChanged = "credit_changed"
    }

    public var id: Int64
    public var at: Millis
    public var kind: Kind
    /// Nil: every distributor hears of it.
    public var distributorID: Int64?
    public var voucherCode: String = ""
    public var holdID: Int64?
    public var productCode: String = ""
    public var amountFen: Int64 = 0
    public var balanceFen: Int64 = 0
    public var dates: String = ""

    public init(row: Row) throws {
        id = row["id"]
        at = row["at"]
        kind = Kind(rawValue: row["kind"]) ?? .availabilityChanged
        distributorID = row["distributor_id"]
        voucherCode = row["voucher_code"]
        holdID = row["hold_id"]
        productCode = row["product_code"]
        amountFen = row["amount_fen"]
        balanceFen = row["balance_fen"]
        dates = row["dates"]
    }

    package init(kind: Kind, at: Millis, distributorID: Int64?) {
        id = 0
        self.kind = kind
        self.at = at
        self.distributorID = distributorID
    }

    /// Writes the event in the transaction of the change it reports.
    func append(_ db: Database) throws {
        try db.executeCached(
            """
            INSERT INTO event (at, kind, distributor_id, voucher_code, hold_id, product_code, amount_fen, balance_fen, dates)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [at, kind.rawValue, distributorID, voucherCode, holdID, productCode, amountFen, balanceFen, dates])
    }

    /// A voucher's event: redeemed, undone, refunded or expired.
    package static func voucher(_ kind: Kind, _ voucher: VoucherRecord, at: Millis) -> EventRecord {
        var event = EventRecord(kind: kind, at: at, distributorID: voucher.distributorID)
        event.voucherCode = voucher.code
        event.productCode = voucher.productCode
        event.amountFen = voucher.settlementPriceFen
        return event
    }

    /// A hold's end: confirmed, released or expired.
    package static func hold(_ kind: Kind, _ hold: HoldRecord, at: Millis) -> EventRecord {
        var event = EventRecord(kind: kind, at: at, distributorID: hold.distributorID)
        event.holdID = hold.id
        event.productCode = hold.productCode
        event.amountFen = hold.amountFen
        return event
    }
}
