/// Typed calls for integrators' machines: API keys (admin socket) and the event feed
/// (both sockets; holds are with the other sales calls).
extension ScenicClient {
    /// The metadata key that carries an API key, instead of a session token, on the
    /// point-of-sale socket.
    public static let apiKeyMetadataKey = "scenic-api-key"

    /// A new key for a distributor; the answer holds its secret, which the daemon never
    /// shows again.
    public func createApiKey(_ request: Scenic_V1_CreateApiKeyRequest) async throws -> Scenic_V1_CreateApiKeyResponse {
        try await call(service: "scenic.v1.ApiKeyAdmin", method: "Create", request: request)
    }

    /// A distributor's keys, newest first, revoked ones included.
    public func apiKeys(distributorID: Int64) async throws -> Scenic_V1_ListApiKeysResponse {
        var request = Scenic_V1_ListApiKeysRequest()
        request.distributorID = distributorID
        return try await call(service: "scenic.v1.ApiKeyAdmin", method: "List", request: request)
    }

    public func revokeApiKey(id: Int64) async throws -> Scenic_V1_ApiKey {
        var request = Scenic_V1_RevokeApiKeyRequest()
        request.id = id
        return try await call(service: "scenic.v1.ApiKeyAdmin", method: "Revoke", request: request)
    }

    /// A page of events after a cursor. With `waitSeconds`, the daemon holds an empty
    /// answer back until an event comes or the wait ends: the client's deadline must be
    /// longer than the wait.
    public func events(_ request: Scenic_V1_ListEventsRequest) async throws -> Scenic_V1_ListEventsResponse {
        try await call(service: "scenic.v1.Events", method: "List", request: request)
    }
}
