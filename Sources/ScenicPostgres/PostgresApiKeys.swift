import Foundation
import ScenicStore

/// API keys: only the key's SHA-256 is kept; every lookup reads the row afresh, so a
/// revocation or a disabled distributor takes effect on every daemon for the next call.
extension PostgresStore {
    public func createApiKey(_ key: NewApiKey, stamp: AuditStamp) async throws -> ApiKeyRecord {
        try await write { transaction in
            _ = try await transaction.requireDistributor(id: key.distributorID)
            guard
                let created = try await transaction.one(
                    ApiKeyRecord.self,
                    """
                    INSERT INTO api_key (distributor_id, name, prefix, secret_hash, scopes, created_at, expires_on)
                    VALUES (\(key.distributorID), \(key.name), \(key.prefix), \(key.secretHash), \(key.scopesText), \(stamp.at),
                        \(key.expiresOn.map(CivilDate.init)))
                    RETURNING *
                    """)
            else { throw ApiKeyError.notFound(0) }
            try await transaction.record(stamp, target: "distributor:\(key.distributorID)", summary: key.createdSummary(id: created.id))
            return created
        }
    }

    public func apiKeys(distributorID: Int64) async throws -> [ApiKeyRecord] {
        try await read { transaction in
            _ = try await transaction.requireDistributor(id: distributorID)
            return try await transaction.all(ApiKeyRecord.self, "SELECT * FROM api_key WHERE distributor_id = \(distributorID) ORDER BY id DESC")
        }
    }

    public func revokeApiKey(id: Int64, stamp: AuditStamp) async throws -> ApiKeyRecord {
        try await write { transaction in
            guard let key = try await transaction.one(ApiKeyRecord.self, "SELECT * FROM api_key WHERE id = \(id) FOR NO KEY UPDATE") else {
                throw ApiKeyError.notFound(id)
            }
            guard key.revokedAt == nil else { return key }
            guard
                let revoked = try await transaction.one(
                    ApiKeyRecord.self, "UPDATE api_key SET revoked_at = \(stamp.at) WHERE id = \(id) RETURNING *")
            else { throw ApiKeyError.notFound(id) }
            try await transaction.record(stamp, target: "distributor:\(key.distributorID)", summary: "API key \(id) \"\(key.name)\" revoked")
            return revoked
        }
    }

    public func apiKey(secretHash: Data) async throws -> (key: ApiKeyRecord, distributor: DistributorRecord)? {
        try await read { transaction in
            guard let key = try await transaction.one(ApiKeyRecord.self, "SELECT * FROM api_key WHERE secret_hash = \(secretHash)")
            else { return nil }
            return (key, try await transaction.requireDistributor(id: key.distributorID))
        }
    }

    public func touchApiKey(id: Int64, at: Millis) async throws {
        try await write { try await $0.run("UPDATE api_key SET last_used_at = \(at) WHERE id = \(id)") }
    }
}
