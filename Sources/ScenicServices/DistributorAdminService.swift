import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.DistributorAdmin`: the back office creates and manages distributor accounts.
public struct DistributorAdminService: Sendable {
    public static let service = "scenic.v1.DistributorAdmin"

    let store: any Store
    let hasher: PasswordHasher
    let policy: AccountPolicy
    let numbers: PublicNumbers
    /// Forgets failed logins on a phone whose password the back office resets.
    let throttle: LoginThrottle
    /// Wakes the SMS sender when a message is queued.
    let smsQueued: @Sendable () -> Void

    public func create(_ request: Scenic_V1_CreateDistributorRequest, context: CallContext) async throws
        -> Scenic_V1_CreateDistributorResponse
    {
        var violations: [RPCError.FieldViolation] = []
        let name = AccountInput.name(request.name, into: &violations)
        let phone = AccountInput.phone(request.phone, into: &violations)
        try AccountInput.check(violations)
        guard let name, let phone else { return .init() }

        let password = Secrets.initialPassword()
        let hash = try await hasher.hash(password, deadline: context.deadline)
        let record = try await store.createDistributor(
            name: name, phone: phone, passwordHash: hash,
            sms: SMSTemplates.welcome(name: name, phone: phone, password: password),
            stamp: context.adminStamp(at: now))
        smsQueued()
        context.logger.info("distributor created", metadata: ["distributor": "\(record.id)"])
        var response = Scenic_V1_CreateDistributorResponse()
        response.distributor = .init(record)
        response.initialPassword = password
        return response
    }

    public func list(_ request: Scenic_V1_ListDistributorsRequest, context: CallContext) async throws
        -> Scenic_V1_ListDistributorsResponse
    {
        let paging = try Paging(size: request.pageSize, token: request.pageToken, numbers: numbers)
        let records = try await store.distributors(
            status: DistributorRecord.Status(request.status),
            matching: request.query.trimmingCharacters(in: .whitespaces),
            afterID: paging.cursor ?? 0, limit: paging.size)
        var response = Scenic_V1_ListDistributorsResponse()
        response.distributors = records.map { .init($0) }
        response.nextPageToken = paging.nextToken(lastID: records.last?.id, count: records.count)
        return response
    }

    public func get(_ request: Scenic_V1_GetDistributorRequest, context: CallContext) async throws -> Scenic_V1_Distributor {
        guard let record = try await store.distributor(id: request.id) else {
            throw AccountStoreError.distributorNotFound(request.id).rpcError
        }
        return .init(record)
    }

    public func update(_ request: Scenic_V1_UpdateDistributorRequest, context: CallContext) async throws -> Scenic_V1_Distributor {
        var violations: [RPCError.FieldViolation] = []
        let name = request.name.isEmpty ? nil : AccountInput.name(request.name, into: &violations)
        let phone = request.phone.isEmpty ? nil : AccountInput.phone(request.phone, into: &violations)
        try AccountInput.check(violations)
        guard let current = try await store.distributor(id: request.id) else {
            throw AccountStoreError.distributorNotFound(request.id).rpcError
        }
        let sms = phone.map { SMSTemplates.phoneChanged(name: name ?? current.name, phone: $0) }
        let record = try await store.updateDistributor(
            id: request.id, name: name, phone: phone, sms: sms, stamp: context.adminStamp(at: now))
        if sms != nil { smsQueued() }
        return .init(record)
    }

    public func disable(_ request: Scenic_V1_DistributorIdRequest, context: CallContext) async throws -> Scenic_V1_Distributor {
        .init(try await store.setDistributorStatus(id: request.id, .disabled, stamp: context.adminStamp(at: now)))
    }

    public func enable(_ request: Scenic_V1_DistributorIdRequest, context: CallContext) async throws -> Scenic_V1_Distributor {
        .init(try await store.setDistributorStatus(id: request.id, .active, stamp: context.adminStamp(at: now)))
    }

    public func resetPassword(_ request: Scenic_V1_DistributorIdRequest, context: CallContext) async throws
        -> Scenic_V1_ResetPasswordResponse
    {
        let password = Secrets.initialPassword()
        let hash = try await hasher.hash(password, deadline: context.deadline)
        let record = try await store.resetPassword(
            id: request.id, passwordHash: hash,
            sms: { SMSTemplates.passwordReset(name: $0.name, phone: $0.phone, password: password) },
            stamp: context.adminStamp(at: now))
        smsQueued()
        throttle.forget(phone: record.phone)
        var response = Scenic_V1_ResetPasswordResponse()
        response.distributor = .init(record)
        response.initialPassword = password
        return response
    }

    /// Sets the credit line (0 removes it); never below what is owed and held beyond the balance.
    public func setCredit(_ request: Scenic_V1_SetCreditRequest, context: CallContext) async throws -> Scenic_V1_Distributor {
        guard (0...AccountService.maxRechargeFen).contains(request.creditLimitFen) else {
            throw RPCError.invalidArgument(violations: [
                .init(
                    field: "credit_limit_fen", description: "must be 0 to \(AccountService.maxRechargeFen) fen", reason: "OUT_OF_RANGE")
            ])
        }
        return .init(
            try await store.setCreditLimit(
                distributorID: request.id, limitFen: request.creditLimitFen, stamp: context.adminStamp(at: now)))
    }

    private var now: Millis { policy.now().millis }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Create", handler: create)
        router.register(service: Self.service, method: "List", handler: list)
        router.register(service: Self.service, method: "Get", handler: get)
        router.register(service: Self.service, method: "Update", handler: update)
        router.register(service: Self.service, method: "Disable", handler: disable)
        router.register(service: Self.service, method: "Enable", handler: enable)
        router.register(service: Self.service, method: "ResetPassword", handler: resetPassword)
        router.register(service: Self.service, method: "SetCredit", handler: setCredit)
    }
}
