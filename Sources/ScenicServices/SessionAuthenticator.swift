import ScenicRPC
import ScenicStore

/// The distributor behind a call, as established by its session token or its API key.
public struct Principal: Sendable {
    /// Nil for a call made with an API key.
    public var session: SessionRecord?
    /// Nil for a call made with a session.
    public var apiKey: ApiKeyRecord?
    /// The distributor as of its last account change; its balance may be older than the
    /// last sale (see ``Store/openSession(tokenHash:)``).
    public var distributor: DistributorRecord

    /// How the call was made, as `WhoAmI` shows it.
    var credential: String { apiKey.map { "api-key:\($0.name)" } ?? "session" }
}

/// Turns the session token or API key in a call's metadata into a ``Principal``, or the
/// UNAUTHENTICATED / PERMISSION_DENIED / FAILED_PRECONDITION that every point-of-sale
/// method answers instead.
public struct SessionAuthenticator: Sendable {
    /// The ttrpc metadata key carrying the session token.
    public static let metadataKey = "scenic-session"
    /// Last use is written at most this often, so that reads stay reads.
    static let touchInterval: Int64 = 60_000

    let store: any Store
    let policy: AccountPolicy

    /// - Parameters:
    ///   - scope: what an API key must allow for this call; a session allows everything.
    ///   - allowingInitialPassword: true only for the calls a distributor may make
    ///     before replacing its initial password (change it, log out).
    public func authenticate(
        _ context: CallContext, scope: ApiKeyRecord.Scope, allowingInitialPassword: Bool = false
    ) async throws -> Principal {
        if let key = context[metadata: ApiKeyCredentials.metadataKey], !key.isEmpty {
            return try await ApiKeyCredentials(store: store, policy: policy).authenticate(key: key, scope: scope)
        }
        return try await session(context, allowingInitialPassword: allowingInitialPassword)
    }

    /// The caller's session: for the calls only a person signed in may make (log out,
    /// change the password), which an API key cannot.
    public func session(_ context: CallContext, allowingInitialPassword: Bool = false) async throws -> Principal {
        guard let token = context[metadata: Self.metadataKey], !token.isEmpty else {
            if context[metadata: ApiKeyCredentials.metadataKey] != nil { throw ApiKeyCredentials.sessionOnly }
            throw SessionError.sessionRequired
        }
        guard let (session, distributor) = try await store.openSession(tokenHash: Secrets.tokenDigest(token)) else {
            throw SessionError.sessionInvalid
        }
        let now = policy.now().millis
        if now >= session.expiresAt || now - session.lastUsedAt >= policy.sessionIdleTimeout.millis {
            try await store.endSession(id: session.id, reason: "expired", at: now)
            throw SessionError.sessionExpired
        }
        guard distributor.status == .active else { throw SessionError.sessionInvalid }
        if distributor.passwordIsInitial, !allowingInitialPassword { throw SessionError.passwordChangeRequired }
        if now - session.lastUsedAt >= Self.touchInterval {
            try await store.touchSession(id: session.id, at: now)
        }
        return Principal(session: session, apiKey: nil, distributor: distributor)
    }
}
