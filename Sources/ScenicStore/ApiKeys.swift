import Foundation
import GRDB

/// API keys: a distributor's machines call with a key instead of a session. Only the
/// key's SHA-256 is kept; every lookup reads the row afresh, so a revocation or a
/// disabled distributor takes effect for the very next call.
extension SQLiteStore {
    public func createApiKey(_ key: NewApiKey, stamp: AuditStamp) async throws -> ApiKeyRecord {
        try await write { db in
            _ = try Self.requireDistributor(db, id: key.distributorID)
            try db.execute(
                sql: """
                    INSERT INTO api_key (distributor_id, name, prefix, secret_hash, scopes, created_at, expires_on)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.distributorID, key.name, key.prefix, key.secretHash, key.scopesText,
                    stamp.at, key.expiresOn,
                ])
            let id = db.lastInsertedRowID
            try stamp.record(db, target: "distributor:\(key.distributorID)", summary: key.createdSummary(id: id))
            return try Self.requireApiKey(db, id: id)
        }
    }

    public func apiKeys(distributorID: Int64) async throws -> [ApiKeyRecord] {
        try await read { db in
            _ = try Self.requireDistributor(db, id: distributorID)
            return try ApiKeyRecord.fetchAll(
                db, sql: "SELECT * FROM api_key WHERE distributor_id = ? ORDER BY id DESC", arguments: [distributorID])
        }
    }

    public func revokeApiKey(id: Int64, stamp: AuditStamp) async throws -> ApiKeyRecord {
        try await write { db in
            let key = try Self.requireApiKey(db, id: id)
            guard key.revokedAt == nil else { return key }
            try db.execute(sql: "UPDATE api_key SET revoked_at = ? WHERE id = ?", arguments: [stamp.at, id])
            try stamp.record(db, target: "distributor:\(key.distributorID)", summary: "API key \(id) \"\(key.name)\" revoked")
            return try Self.requireApiKey(db, id: id)
        }
    }

    public func apiKey(secretHash: Data) async throws -> (key: ApiKeyRecord, distributor: DistributorRecord)? {
        try await read { db in
            guard let key = try ApiKeyRecord.fetchOne(db, sql: "SELECT * FROM api_key WHERE secret_hash = ?", arguments: [secretHash])
            else { return nil }
            return (key, try Self.requireDistributor(db, id: key.distributorID))
        }
    }

    public func touchApiKey(id: Int64, at: Millis) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE api_key SET last_used_at = ? WHERE id = ?", arguments: [at, id])
        }
    }

    private static func requireApiKey(_ db: Database, id: Int64) throws -> ApiKeyRecord {
        guard let key = try ApiKeyRecord.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id]) else {
            throw ApiKeyError.notFound(id)
        }
        return key
    }
}
