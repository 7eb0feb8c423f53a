/// Typed calls for distributor accounts (admin socket) and sign-in (pos socket).
extension ScenicClient {
    /// The metadata key that carries a point-of-sale session token.
    public static let sessionMetadataKey = "scenic-session"

    public func createDistributor(name: String, phone: String) async throws -> Scenic_V1_CreateDistributorResponse {
        var request = Scenic_V1_CreateDistributorRequest()
        request.name = name
        request.phone = phone
        return try await call(service: "scenic.v1.DistributorAdmin", method: "Create", request: request)
    }

    public func listDistributors(_ request: Scenic_V1_ListDistributorsRequest) async throws -> Scenic_V1_ListDistributorsResponse {
        try await call(service: "scenic.v1.DistributorAdmin", method: "List", request: request)
    }

    public func distributor(id: Int64) async throws -> Scenic_V1_Distributor {
        var request = Scenic_V1_GetDistributorRequest()
        request.id = id
        return try await call(service: "scenic.v1.DistributorAdmin", method: "Get", request: request)
    }

    public func updateDistributor(id: Int64, name: String = "", phone: String = "") async throws -> Scenic_V1_Distributor {
        var request = Scenic_V1_UpdateDistributorRequest()
        request.id = id
        request.name = name
        request.phone = phone
        return try await call(service: "scenic.v1.DistributorAdmin", method: "Update", request: request)
    }

    public func disableDistributor(id: Int64) async throws -> Scenic_V1_Distributor {
        try await call(service: "scenic.v1.DistributorAdmin", method: "Disable", request: Self.idRequest(id))
    }

    public func enableDistributor(id: Int64) async throws -> Scenic_V1_Distributor {
        try await call(service: "scenic.v1.DistributorAdmin", method: "Enable", request: Self.idRequest(id))
    }

    public func resetPassword(id: Int64) async throws -> Scenic_V1_ResetPasswordResponse {
        try await call(service: "scenic.v1.DistributorAdmin", method: "ResetPassword", request: Self.idRequest(id))
    }

    /// Sets a distributor's credit line (0 removes it): how far below zero its sales may
    /// take the balance. Below what the line covers now is refused `CREDIT_IN_USE`.
    public func setCredit(distributorID: Int64, limitFen: Int64) async throws -> Scenic_V1_Distributor {
        var request = Scenic_V1_SetCreditRequest()
        request.id = distributorID
        request.creditLimitFen = limitFen
        return try await call(service: "scenic.v1.DistributorAdmin", method: "SetCredit", request: request)
    }

    public func auditEntries(_ request: Scenic_V1_ListAuditRequest) async throws -> Scenic_V1_ListAuditResponse {
        try await call(service: "scenic.v1.Audit", method: "List", request: request)
    }

    public func smsMessages(_ request: Scenic_V1_ListSmsRequest) async throws -> Scenic_V1_ListSmsResponse {
        try await call(service: "scenic.v1.Sms", method: "List", request: request)
    }

    public func login(phone: String, password: String) async throws -> Scenic_V1_LoginResponse {
        var request = Scenic_V1_LoginRequest()
        request.phone = phone
        request.password = password
        return try await call(service: "scenic.v1.DistributorSession", method: "Login", request: request)
    }

    public func logout() async throws {
        let _: Scenic_V1_LogoutResponse = try await call(
            service: "scenic.v1.DistributorSession", method: "Logout", request: Scenic_V1_LogoutRequest())
    }

    public func changePassword(old: String, new: String) async throws {
        var request = Scenic_V1_ChangePasswordRequest()
        request.oldPassword = old
        request.newPassword = new
        let _: Scenic_V1_ChangePasswordResponse = try await call(
            service: "scenic.v1.DistributorSession", method: "ChangePassword", request: request)
    }

    public func whoAmI() async throws -> Scenic_V1_WhoAmIResponse {
        try await call(service: "scenic.v1.DistributorSession", method: "WhoAmI", request: Scenic_V1_WhoAmIRequest())
    }

    private static func idRequest(_ id: Int64) -> Scenic_V1_DistributorIdRequest {
        var request = Scenic_V1_DistributorIdRequest()
        request.id = id
        return request
    }
}
