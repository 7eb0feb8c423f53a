import Foundation
import Logging
import ScenicProto
import ScenicRPC
import ScenicTestSupport
import ScenicTransport
import Synchronization

/// A server on a fresh socket with one test method, `test.v1.Echo/Echo`: it answers a
/// HealthCheckRequest whose `service` is "sleep-MS-TAG" (or just "TAG") with a
/// ServerInfoResponse whose `version` is TAG, after MS milliseconds; and `Grow`, whose
/// answer's `version` is as many "x" as the request's `service` says. It binds
/// `test.sock` in its directory, or serves a socket given as if by socket activation.
struct TestServer {
    static let service = "test.v1.Echo"

    let directory: String
    let server: UnixSocketServer
    /// Handlers running now, and the most ever running at once.
    let concurrency: Concurrency

    var path: String { server.configuration.path }

    final class Concurrency: Sendable {
        private let state = Mutex((running: 0, peak: 0))
        func enter() { state.withLock { $0.running += 1; $0.peak = max($0.peak, $0.running) } }
        func leave() { state.withLock { $0.running -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
        var running: Int { state.withLock { $0.running } }
    }

    static func makeDirectory() -> String {
        TestScratch.folder("scenic-test-")
    }

    static func start(
        limits: ConnectionLimits = .init(),
        maxConnections: Int = UnixSocketServer.Configuration.defaultMaxConnections,
        drainTimeout: Duration = .seconds(10),
        admission: (@Sendable (PeerCredentials?) -> RPCError?)? = nil,
        in directory: String = makeDirectory(),
        adopting inherited: InheritedSocket? = nil
    ) async throws -> TestServer {
        let concurrency = Concurrency()
        var router = Router()
        router.admission = admission
        router.register(service: service, method: "Echo") {
            (request: Grpc_Health_V1_HealthCheckRequest, _: CallContext) -> Scenic_V1_ServerInfoResponse in
            concurrency.enter()
            defer { concurrency.leave() }
            var tag = request.service
            let parts = tag.split(separator: "-", maxSplits: 2)
            if parts.count == 3, parts[0] == "sleep", let millis = Int(parts[1]) {
                try await Task.sleep(for: .milliseconds(millis))
                tag = String(parts[2])
            }
            var response = Scenic_V1_ServerInfoResponse()
            response.version = tag
            return response
        }
        router.register(service: service, method: "Grow") {
            (request: Grpc_Health_V1_HealthCheckRequest, _: CallContext) -> Scenic_V1_ServerInfoResponse in
            .with { $0.version = String(repeating: "x", count: Int(request.service) ?? 0) }
        }
        // "Now" answers on the event loop unless asked to "wait", which runs as a task.
        router.register(
            service: service, method: "Now",
            answerNow: { (request: Grpc_Health_V1_HealthCheckRequest, _) -> EncodedResponse<Scenic_V1_ServerInfoResponse>? in
                request.service == "wait" ? nil : try EncodedResponse(.with { $0.version = request.service })
            },
            handler: { _, _ in .with { $0.version = "waited" } })
        let configuration = UnixSocketServer.Configuration(
            path: directory + "/test.sock", mode: 0o600, limits: limits, maxConnections: maxConnections,
            drainTimeout: drainTimeout)
        let server =
            if let inherited {
                try await UnixSocketServer.adopt(inherited, configuration, router: router, logger: Logger(label: "test"))
            } else {
                try await UnixSocketServer.bind(configuration, router: router, logger: Logger(label: "test"))
            }
        return TestServer(directory: directory, server: server, concurrency: concurrency)
    }

    static func echo(_ text: String) -> Grpc_Health_V1_HealthCheckRequest {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = text
        return request
    }
}
