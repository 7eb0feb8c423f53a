import ScenicProto
import ScenicRPC
import ScenicStore

/// `grpc.health.v1.Health/Check`: SERVING while the daemon takes work and its store
/// answers, NOT_SERVING once shutdown begins or the store fails.
public struct HealthService: Sendable {
    public static let service = "grpc.health.v1.Health"

    let store: ScenicStore
    let status: DaemonStatus

    public init(store: ScenicStore, status: DaemonStatus) {
        self.store = store
        self.status = status
    }

    public func check(_ request: Grpc_Health_V1_HealthCheckRequest, context: CallContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        var response = Grpc_Health_V1_HealthCheckResponse()
        guard request.service.isEmpty || request.service == SystemService.service else {
            response.status = .serviceUnknown
            return response
        }
        if status.isStopping {
            response.status = .notServing
            return response
        }
        do {
            try await store.ping()
            response.status = .serving
        } catch {
            context.logger.error("health check: store unreachable", metadata: ["error": "\(error)"])
            response.status = .notServing
        }
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Check", handler: check)
    }
}
