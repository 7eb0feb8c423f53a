import ScenicProto
import ScenicRPC
import ScenicStore
import Synchronization

/// `grpc.health.v1.Health/Check`: SERVING while the daemon takes work and its store
/// answers, NOT_SERVING once shutdown begins or the store fails.
public struct HealthService: Sendable {
    public static let service = "grpc.health.v1.Health"

    let store: any Store
    let status: DaemonStatus
    /// When the store last answered a health check's ping.
    private let storeAnswered = SharedInstant()

    public init(store: any Store, status: DaemonStatus) {
        self.store = store
        self.status = status
    }

    /// The answer when it needs no store ping: for an unknown service, while stopping,
    /// and within a second of the store's last answer. Monitors and load balancers poll
    /// health, so this is most calls, answered on the event loop without a task.
    public func checkNow(_ request: Grpc_Health_V1_HealthCheckRequest, context: CallContext)
        -> EncodedResponse<Grpc_Health_V1_HealthCheckResponse>?
    {
        if !request.service.isEmpty, request.service != SystemService.service {
            return Self.serviceUnknown
        } else if status.isStopping {
            return Self.notServing
        } else if let answered = storeAnswered.current, MonotonicInstant.now - answered < .seconds(1) {
            return Self.serving
        }
        return nil
    }

    public func check(_ request: Grpc_Health_V1_HealthCheckRequest, context: CallContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        if let answer = checkNow(request, context: context) { return answer.message }
        do {
            try await store.ping()
            storeAnswered.set(.now)
            return Self.serving.message
        } catch {
            context.logger.error("health check: store unreachable", metadata: ["error": "\(error)"])
            return Self.notServing.message
        }
    }

    private static let serving = answer(.serving)
    private static let notServing = answer(.notServing)
    private static let serviceUnknown = answer(.serviceUnknown)

    private static func answer(_ status: Grpc_Health_V1_HealthCheckResponse.ServingStatus)
        -> EncodedResponse<Grpc_Health_V1_HealthCheckResponse>
    {
        // A proto3 message always encodes.
        try! EncodedResponse(.with { $0.status = status })
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Check", answerNow: checkNow, handler: check)
    }
}

/// A time shared between calls.
final class SharedInstant: Sendable {
    private let value = Mutex<MonotonicInstant?>(nil)
    var current: MonotonicInstant? { value.withLock { $0 } }
    func set(_ instant: MonotonicInstant) { value.withLock { $0 = instant } }
}
