import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.DistributorSession`: sign-in at the point of sale.
public struct DistributorSessionService: Sendable {
    public static let service = "scenic.v1.DistributorSession"

    let store: any Store
    let hasher: PasswordHasher
    let policy: AccountPolicy
    let authenticator: SessionAuthenticator
    let throttle: LoginThrottle
    /// Verified against when the phone is unknown, so that a wrong phone takes as long as
    /// a wrong password.
    let decoyHash: String

    /// Who a login's failures and hashing share count against: the Unix user on the other
    /// end, or one shared bucket for peers the kernel would not name.
    static func peer(of context: CallContext) -> UInt32 { context.peer?.uid ?? .max }

    public func login(_ request: Scenic_V1_LoginRequest, context: CallContext) async throws -> Scenic_V1_LoginResponse {
        if let tooLong = Self.tooLong(request.password, field: "password") { throw RPCError.invalidArgument(violations: [tooLong]) }
        let peer = Self.peer(of: context)
        var malformed: [RPCError.FieldViolation] = []
        let phone = AccountInput.phone(request.phone, into: &malformed)
        // Throttled by what was typed, registered or not, before anything is looked up.
        let typed = phone ?? request.phone
        if let retryAt = throttle.retryAt(peer: peer, phone: typed, now: policy.now().millis) {
            throw LoginThrottle.refusal(retryAt: retryAt, now: policy.now().millis)
        }
        var distributor: DistributorRecord?
        if let phone { distributor = try await store.distributor(phone: phone) }
        // An unknown phone is verified against the decoy: the same work, the same time.
        let matches = try await hasher.verify(request.password, against: distributor?.passwordHash ?? decoyHash, for: peer, deadline: context.deadline)
        guard let distributor, matches else {
            throttle.failed(peer: peer, phone: typed, now: policy.now().millis)
            throw SessionError.invalidCredentials
        }
        throttle.succeeded(peer: peer, phone: typed)
        guard distributor.status == DistributorRecord.Status.active else { throw SessionError.disabled }

        let now = policy.now().millis
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

    /// A password longer than anyone types, refused before it costs a hash.
    static func tooLong(_ password: String, field: String) -> RPCError.FieldViolation? {
        guard password.utf8.count > PasswordHasher.maxPasswordBytes else { return nil }
        return .init(field: field, description: "must be at most \(PasswordHasher.maxPasswordBytes) bytes", reason: "TOO_LONG")
    }

    public func logout(_ request: Scenic_V1_LogoutRequest, context: CallContext) async throws -> Scenic_V1_LogoutResponse {
        let principal = try await authenticator.session(context, allowingInitialPassword: true)
        try await store.endSession(id: principal.session!.id, reason: "logged out", at: policy.now().millis)
        return .init()
    }

    public func changePassword(_ request: Scenic_V1_ChangePasswordRequest, context: CallContext) async throws
        -> Scenic_V1_ChangePasswordResponse
    {
        let principal = try await authenticator.session(context, allowingInitialPassword: true)
        var violations: [RPCError.FieldViolation] = []
        if request.newPassword.count < policy.minimumPasswordLength {
            violations.append(.init(
                field: "new_password", description: "must be at least \(policy.minimumPasswordLength) characters",
                reason: "TOO_SHORT"))
        }
        if request.newPassword == request.oldPassword {
            violations.append(.init(field: "new_password", description: "must differ from the old password", reason: "UNCHANGED"))
        }
        violations += [Self.tooLong(request.newPassword, field: "new_password"), Self.tooLong(request.oldPassword, field: "old_password")]
            .compactMap { $0 }
        try AccountInput.check(violations)
        // A stolen session must not become a way to guess the password: its failures count
        // like a login's on the distributor's phone.
        let peer = Self.peer(of: context)
        let phone = principal.distributor.phone
        if let retryAt = throttle.retryAt(peer: peer, phone: phone, now: policy.now().millis) {
            throw LoginThrottle.refusal(retryAt: retryAt, now: policy.now().millis)
        }
        let stamp = context.distributorStamp(principal.distributor.id, at: policy.now().millis)
        guard try await hasher.verify(
            request.oldPassword, against: principal.distributor.passwordHash, for: peer, deadline: context.deadline)
        else {
            throttle.failed(peer: peer, phone: phone, now: policy.now().millis)
            throw RPCError.invalidArgument(
                "the old password is wrong",
                violations: [.init(field: "old_password", description: "is wrong", reason: "WRONG_PASSWORD")])
        }
        throttle.succeeded(peer: peer, phone: phone)
        let hash = try await hasher.hash(request.newPassword, for: peer, deadline: context.deadline)
        try await store.changePassword(
            distributorID: principal.distributor.id, passwordHash: hash, keepSession: principal.session!.id, stamp: stamp)
        return .init()
    }

    public func whoAmI(_ request: Scenic_V1_WhoAmIRequest, context: CallContext) async throws -> Scenic_V1_WhoAmIResponse {
        let principal = try await authenticator.authenticate(context, scope: .read)
        let distributor = principal.distributor
        var response = Scenic_V1_WhoAmIResponse()
        response.distributorID = distributor.id
        response.name = distributor.name
        response.phone = distributor.phone
        response.status = .active
        let money = try await store.money(distributorID: distributor.id)
        response.balanceFen = money.balanceFen
        response.heldFen = money.heldFen
        response.availableFen = money.availableFen
        response.creditLimitFen = money.creditLimitFen
        response.creditUsedFen = money.creditUsedFen
        response.credential = principal.credential
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Login", handler: login)
        router.register(service: Self.service, method: "Logout", handler: logout)
        router.register(service: Self.service, method: "ChangePassword", handler: changePassword)
        router.register(service: Self.service, method: "WhoAmI", handler: whoAmI)
    }
}
