import ScenicRPC
import ScenicStore

extension AccountStoreError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .distributorNotFound(let id):
            // No field violation: the id's field is named differently in each request.
            RPCError(.notFound, "no distributor with id \(id)", reason: "DISTRIBUTOR_NOT_FOUND", metadata: ["distributor_id": "\(id)"])
        case .phoneTaken(let phone):
            RPCError(
                .alreadyExists, "phone \(phone) already belongs to another distributor", reason: "PHONE_TAKEN",
                fieldViolations: [.init(field: "phone", description: "already belongs to another distributor", reason: "PHONE_TAKEN")])
        }
    }
}

/// Errors of sign-in and sessions, as the point of sale sees them.
enum SessionError {
    /// The same answer for an unknown phone and a wrong password.
    static let invalidCredentials = RPCError(.unauthenticated, "wrong phone number or password", reason: "INVALID_CREDENTIALS")
    static let sessionRequired = RPCError(
        .unauthenticated, "log in first: this call needs a session token (metadata \"\(SessionAuthenticator.metadataKey)\")",
        reason: "SESSION_REQUIRED")
    static let sessionInvalid = RPCError(.unauthenticated, "the session has ended; log in again", reason: "SESSION_INVALID")
    static let sessionExpired = RPCError(.unauthenticated, "the session has expired; log in again", reason: "SESSION_EXPIRED")
    static let passwordChangeRequired = RPCError(
        .failedPrecondition, "change the initial password first (scenic-pos passwd)", reason: "PASSWORD_CHANGE_REQUIRED")

    static let disabled = RPCError(.permissionDenied, "this distributor account is disabled", reason: "DISTRIBUTOR_DISABLED")
}
