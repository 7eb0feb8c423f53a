import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.ApiKeyAdmin`: the back office's keys for distributors' machines.
public struct ApiKeyAdminService: Sendable {
    public static let service = "scenic.v1.ApiKeyAdmin"

    let store: any Store
    let policy: AccountPolicy

    public func create(_ request: Scenic_V1_CreateApiKeyRequest, context: CallContext) async throws -> Scenic_V1_CreateApiKeyResponse {
        var violations: [RPCError.FieldViolation] = []
        let name = AccountInput.name(request.name, into: &violations)
        var scopes = Set<ApiKeyRecord.Scope>()
        for (index, scope) in request.scopes.enumerated() {
            switch scope {
            case .sell: scopes.insert(.sell)
            case .refund: scopes.insert(.refund)
            case .read: scopes.insert(.read)
            default:
                violations.append(.init(field: "scopes[\(index)]", description: "must be sell, refund or read", reason: "INVALID_SCOPE"))
            }
        }
        if request.scopes.isEmpty { scopes = Set(ApiKeyRecord.Scope.allCases) }
        let today = policy.today
        if !request.expiresOn.isEmpty {
            if policy.calendar.start(of: request.expiresOn) == nil {
                violations.append(.init(field: "expires_on", description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
            } else if request.expiresOn < today {
                violations.append(.init(field: "expires_on", description: "must be today (\(today)) or later", reason: "IN_THE_PAST"))
            }
        }
        try AccountInput.check(violations)
        guard let name else { return .init() }
        let (secret, prefix) = ApiKeyCredentials.generate()
        let record = try await store.createApiKey(
            NewApiKey(
                distributorID: request.distributorID, name: name, prefix: prefix, secretHash: Secrets.tokenDigest(secret), scopes: scopes,
                expiresOn: request.expiresOn.isEmpty ? nil : request.expiresOn),
            stamp: context.adminStamp(at: policy.now().millis))
        var response = Scenic_V1_CreateApiKeyResponse()
        response.key = .init(record)
        response.secret = secret
        return response
    }

    public func list(_ request: Scenic_V1_ListApiKeysRequest, context: CallContext) async throws -> Scenic_V1_ListApiKeysResponse {
        var response = Scenic_V1_ListApiKeysResponse()
        response.keys = try await store.apiKeys(distributorID: request.distributorID).map(Scenic_V1_ApiKey.init)
        return response
    }

    public func revoke(_ request: Scenic_V1_RevokeApiKeyRequest, context: CallContext) async throws -> Scenic_V1_ApiKey {
        .init(try await store.revokeApiKey(id: request.id, stamp: context.adminStamp(at: policy.now().millis)))
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Create", handler: create)
        router.register(service: Self.service, method: "List", handler: list)
        router.register(service: Self.service, method: "Revoke", handler: revoke)
    }
}

extension Scenic_V1_ApiKey {
    init(_ record: ApiKeyRecord) {
        self.init()
        id = record.id
        distributorID = record.distributorID
        name = record.name
        prefix = record.prefix
        scopes = record.scopes.sorted().map {
            switch $0 {
            case .sell: .sell
            case .refund: .refund
            case .read: .read
            }
        }
        createdAt = ISOTime.format(record.createdAt)
        lastUsedAt = record.lastUsedAt.map(ISOTime.format) ?? ""
        expiresOn = record.expiresOn ?? ""
        revokedAt = record.revokedAt.map(ISOTime.format) ?? ""
    }
}

extension ApiKeyError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .notFound(let id):
            RPCError(.notFound, "no API key with id \(id)", reason: "API_KEY_NOT_FOUND", metadata: ["id": "\(id)"])
        }
    }
}
