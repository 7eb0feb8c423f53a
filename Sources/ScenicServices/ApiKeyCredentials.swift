import Foundation
import ScenicRPC
import ScenicStore

/// API keys: how a key looks, how it is made, and how a call made with one is let in.
struct ApiKeyCredentials: Sendable {
    /// The ttrpc metadata key carrying an API key.
    static let metadataKey = "scenic-api-key"

    let store: any Store
    let policy: AccountPolicy

    /// A fresh key: `sk_`, 8 characters that name it in lists, `_`, 256 random bits.
    static func generate() -> (secret: String, prefix: String) {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let prefix = "sk_" + String((0..<8).map { _ in alphabet.randomElement(using: &generator)! })
        return (prefix + "_" + Secrets.sessionToken(), prefix)
    }

    /// The principal of a call made with `key`, if the key exists, works today, allows
    /// `scope`, and its distributor may work. Read afresh on every call.
    func authenticate(key: String, scope: ApiKeyRecord.Scope) async throws -> Principal {
        guard let (record, distributor) = try await store.apiKey(secretHash: Secrets.tokenDigest(key)) else { throw Self.invalid }
        guard record.revokedAt == nil else { throw Self.revoked }
        let clock = policy.now()
        if let last = record.expiresOn, policy.calendar.day(of: clock) > last { throw Self.expired(last) }
        guard distributor.status == .active else { throw SessionError.disabled }
        guard !distributor.passwordIsInitial else { throw SessionError.passwordChangeRequired }
        guard record.scopes.contains(scope) else { throw Self.scopeMissing(scope) }
        let now = clock.millis
        if now - (record.lastUsedAt ?? 0) >= SessionAuthenticator.touchInterval {
            try await store.touchApiKey(id: record.id, at: now)
        }
        return Principal(session: nil, apiKey: record, distributor: distributor)
    }

    static let invalid = RPCError(.unauthenticated, "no such API key", reason: "API_KEY_INVALID")
    static let revoked = RPCError(.unauthenticated, "this API key was revoked", reason: "API_KEY_REVOKED")
    static let sessionOnly = RPCError(
        .permissionDenied, "this call needs a person's session (scenic-pos login), not an API key", reason: "SESSION_REQUIRED")

    static func expired(_ last: String) -> RPCError {
        RPCError(.unauthenticated, "this API key expired after \(last)", reason: "API_KEY_EXPIRED", metadata: ["expires_on": last])
    }

    static func scopeMissing(_ scope: ApiKeyRecord.Scope) -> RPCError {
        RPCError(
            .permissionDenied, "this API key may not \(scope.rawValue)", reason: "SCOPE_MISSING", metadata: ["scope": scope.rawValue])
    }
}
