import ScenicRPC
import ScenicStore

/// The distributor behind a call, as established by its session token.
public struct Principal: Sendable {
    public var session: SessionRecord
    /// The distributor as of its last account change; its balance may be older than the
    /// last sale (see ``ScenicStore/openSession(tokenHash:)``).
    public var distributor: DistributorRecord
}

/// Turns the session token in a call's metadata into a ``Principal``, or the
/// UNAUTHENTICATED / FAILED_PRECONDITION that every point-of-sale method answers instead.
public struct SessionAuthenticator: Sendable {
    /// The ttrpc metadata key carrying the session token.
    public static let metadataKey = "scenic-session"
    /// Last use is written at most this often, so that reads stay reads.
    static let touchInterval: Int64 = 60_000

    let store: ScenicStore
    let policy: AccountPolicy

    /// - Parameter allowingInitialPassword: true only for the calls a distributor may make
    ///   before replacing its initial password (change it, log out).
    public func authenticate(_ context: CallContext, allowingInitialPassword: Bool = false) async throws -> Principal {
        guard let token = context[metadata: Self.metadataKey], !token.isEmpty else { throw SessionError.sessionRequired }
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
        return Principal(session: session, distributor: distributor)
    }
}
