import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.DistributorSession`: sign-in at the point of sale.
public struct DistributorSessionService: Sendable {
    public static let service = "scenic.v1.DistributorSession"

    let store: ScenicStore
    let hasher: PasswordHasher
    let policy: AccountPolicy
    let authenticator: SessionAuthenticator
    /// Verified against when the phone is unknown, so that a wrong phone takes as long as
    /// a wrong password.
    let decoyHash: String

    public func login(_ request: Scenic_V1_LoginRequest, context: CallContext) async throws -> Scenic_V1_LoginResponse {
        var malformed: [RPCError.FieldViolation] = []
        let phone = AccountInput.phone(request.phone, into: &malformed)
        guard let phone, let distributor = try await store.distributor(phone: phone) else {
            _ = try await hasher.verify(request.password, against: decoyHash)
            throw SessionError.invalidCredentials
        }
        let now = policy.now().millis
        if let until = distributor.lockedUntil, until > now { throw SessionError.locked(until: until) }
        guard try await hasher.verify(request.password, against: distributor.passwordHash) else {
            let after = try await store.recordFailedLogin(
                distributorID: distributor.id, lockAfter: policy.lockAfterFailures, lockFor: policy.lockDuration.millis,
                stamp: AuditStamp(actor: "system", method: "\(context.service)/\(context.method)", at: now))
            if let until = after.lockedUntil, until > now {
                context.logger.notice("distributor locked out", metadata: ["distributor": "\(distributor.id)"])
                throw SessionError.locked(until: until)
            }
            throw SessionError.invalidCredentials
        }
        guard distributor.status == DistributorRecord.Status.active else { throw SessionError.disabled }

        let token = Secrets.sessionToken()
        let expiresAt = now + policy.sessionLifetime.millis
        try await store.startSession(
            distributorID: distributor.id, tokenHash: Secrets.tokenDigest(token), expiresAt: expiresAt,
            stamp: context.distributorStamp(distributor.id, at: now))
        var response = Scenic_V1_LoginResponse()
        response.sessionToken = token
        response.expiresAt = ISOTime.format(expiresAt)
        response.passwordChangeRequired = distributor.passwordIsInitial
        response.distributorName = distributor.name
        return response
    }

    public func logout(_ request: Scenic_V1_LogoutRequest, context: CallContext) async throws -> Scenic_V1_LogoutResponse {
        let principal = try await authenticator.authenticate(context, allowingInitialPassword: true)
        try await store.endSession(id: principal.session.id, reason: "logged out", at: policy.now().millis)
        return .init()
    }

    public func changePassword(_ request: Scenic_V1_ChangePasswordRequest, context: CallContext) async throws
        -> Scenic_V1_ChangePasswordResponse
    {
        let principal = try await authenticator.authenticate(context, allowingInitialPassword: true)
        var violations: [RPCError.FieldViolation] = []
        if request.newPassword.count < policy.minimumPasswordLength {
            violations.append(.init(
                field: "new_password", description: "must be at least \(policy.minimumPasswordLength) characters",
                reason: "TOO_SHORT"))
        }
        if request.newPassword == request.oldPassword {
            violations.append(.init(field: "new_password", description: "must differ from the old password", reason: "UNCHANGED"))
        }
        try AccountInput.check(violations)
        let now = policy.now().millis
        if let until = principal.distributor.lockedUntil, until > now { throw SessionError.locked(until: until) }
        let stamp = context.distributorStamp(principal.distributor.id, at: now)
        guard try await hasher.verify(request.oldPassword, against: principal.distributor.passwordHash) else {
            // A stolen session must not become a way to guess the password.
            try await store.recordFailedLogin(
                distributorID: principal.distributor.id, lockAfter: policy.lockAfterFailures,
                lockFor: policy.lockDuration.millis, stamp: stamp)
            throw RPCError.invalidArgument(
                "the old password is wrong",
                violations: [.init(field: "old_password", description: "is wrong", reason: "WRONG_PASSWORD")])
        }
        let hash = try await hasher.hash(request.newPassword)
        try await store.changePassword(
            distributorID: principal.distributor.id, passwordHash: hash, keepSession: principal.session.id, stamp: stamp)
        return .init()
    }

    public func whoAmI(_ request: Scenic_V1_WhoAmIRequest, context: CallContext) async throws -> Scenic_V1_WhoAmIResponse {
        let distributor = try await authenticator.authenticate(context).distributor
        var response = Scenic_V1_WhoAmIResponse()
        response.distributorID = distributor.id
        response.name = distributor.name
        response.phone = distributor.phone
        response.status = .active
        response.balanceFen = try await store.balance(distributorID: distributor.id)
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Login", handler: login)
        router.register(service: Self.service, method: "Logout", handler: logout)
        router.register(service: Self.service, method: "ChangePassword", handler: changePassword)
        router.register(service: Self.service, method: "WhoAmI", handler: whoAmI)
    }
}
