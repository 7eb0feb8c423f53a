import Foundation
import Logging
import ScenicProto
import Testing

@testable import ScenicRPC

/// A domain error the way services define them.
private struct OutOfTickets: RPCErrorConvertible {
    var rpcError: RPCError {
        RPCError(.failedPrecondition, "no tickets left", reason: "SOLD_OUT", metadata: ["left": "0"])
    }
}

private struct Leaky: Error {
    let secret = "password=hunter2"
}

@Suite("Router")
struct RouterTests {
    static let service = "test.v1.Echo"

    /// Echo answers with the request's `service` string in `version`; the string also
    /// steers it: "sleep" waits, "sold-out" fails in domain terms, "crash" fails unexpectedly.
    static var router: Router {
        var router = Router()
        router.register(service: service, method: "Echo") {
            (request: Grpc_Health_V1_HealthCheckRequest, context: CallContext) -> Scenic_V1_ServerInfoResponse in
            switch request.service {
            case "sleep": try await Task.sleep(for: .seconds(60))
            case "sold-out": throw OutOfTickets()
            case "crash": throw Leaky()
            default: break
            }
            var response = Scenic_V1_ServerInfoResponse()
            response.version = request.service
            response.methods = context.metadata.map { "\($0.key)=\($0.value)" }
            return response
        }
        return router
    }

    static func request(method: String = "Echo", text: String = "hi", timeoutNano: Int64 = 0) throws -> [UInt8] {
        var inner = Grpc_Health_V1_HealthCheckRequest()
        inner.service = text
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = try inner.serializedBytes()
        request.timeoutNano = timeoutNano
        var token = Ttrpc_KeyValue()
        token.key = "session"
        token.value = "abc"
        request.metadata = [token]
        return try request.serializedBytes()
    }

    static func respond(_ bytes: [UInt8], router: Router = RouterTests.router) async -> Ttrpc_Response {
        await router.respond(to: bytes, peer: nil, logger: Logger(label: "test"))
    }

    @Test("a routed call answers OK with the handler's message, metadata included")
    func routed() async throws {
        let response = await Self.respond(try Self.request())
        #expect(response.status.code == 0)
        let echoed = try Scenic_V1_ServerInfoResponse(serializedBytes: response.payload)
        #expect(echoed.version == "hi")
        #expect(echoed.methods == ["session=abc"])
    }

    @Test("an unknown method is UNIMPLEMENTED")
    func unknownMethod() async throws {
        let error = RPCError(status: await Self.respond(try Self.request(method: "Nope")).status)
        #expect(error.code == .unimplemented)
        #expect(error.reason == "UNKNOWN_METHOD")
    }

    @Test("a payload that does not parse is INVALID_ARGUMENT")
    func garbagePayload() async throws {
        var request = Ttrpc_Request()
        request.service = Self.service
        request.method = "Echo"
        request.payload = Data([0xFF, 0xFF, 0xFF, 0xFF])
        let error = RPCError(status: await Self.respond(try request.serializedBytes()).status)
        #expect(error.code == .invalidArgument)
        #expect(error.reason == "MALFORMED_PAYLOAD")
    }

    @Test("an empty payload is the request with every field at its default")
    func emptyPayload() async throws {
        let bytes = try Self.request(text: "")
        #expect(try Ttrpc_Request(serializedBytes: bytes).payload.isEmpty)
        let response = await Self.respond(bytes)
        #expect(response.status.code == 0)
        #expect(try Scenic_V1_ServerInfoResponse(serializedBytes: response.payload).version == "")
    }

    @Test("an envelope that does not parse is INVALID_ARGUMENT")
    func garbageEnvelope() async {
        let error = RPCError(status: await Self.respond([0x0A, 0xFF, 0x01]).status)
        #expect(error.code == .invalidArgument)
    }

    @Test("a domain error keeps its code, reason and metadata")
    func domainError() async throws {
        let error = RPCError(status: await Self.respond(try Self.request(text: "sold-out")).status)
        #expect(error == OutOfTickets().rpcError)
    }

    @Test("an unexpected error is INTERNAL and leaks nothing")
    func internalError() async throws {
        let response = await Self.respond(try Self.request(text: "crash"))
        let error = RPCError(status: response.status)
        #expect(error.code == .internal)
        #expect(error.message == "internal error")
        #expect(!response.status.message.contains("hunter2"))
        #expect(response.status.details.isEmpty)
    }

    @Test("a call past its deadline is DEADLINE_EXCEEDED, promptly")
    func deadline() async throws {
        let started = ContinuousClock.now
        let response = await Self.respond(try Self.request(text: "sleep", timeoutNano: 50_000_000))
        #expect(StatusCode(rawValue: response.status.code) == .deadlineExceeded)
        // Far below the handler's 60 s: the deadline, not the handler, ended the call (the
        // bound is loose because a busy test machine can stall any thread for a while).
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("a timeout of centuries counts as a day, so nothing a call leaves behind outlives that")
    func longestTimeout() throws {
        let arrival = MonotonicInstant.now
        let call = Self.router.call(
            for: try Self.request(timeoutNano: .max), peer: nil, logger: Logger(label: "test"), arrival: arrival)
        #expect(call.deadline == arrival + Router.longestTimeout)
        let short = Self.router.call(
            for: try Self.request(timeoutNano: 1_000), peer: nil, logger: Logger(label: "test"), arrival: arrival)
        #expect(short.deadline == arrival + .nanoseconds(1_000))
    }

    @Test("admission refuses before any handler runs")
    func admission() async throws {
        var router = Self.router
        router.admission = { _ in RPCError(.permissionDenied, "no", reason: "ADMIN_NOT_ALLOWED") }
        let error = RPCError(status: await Self.respond(try Self.request(), router: router).status)
        #expect(error.code == .permissionDenied)
        #expect(error.reason == "ADMIN_NOT_ALLOWED")
    }

    @Test("an error survives the trip through google.rpc.Status")
    func statusRoundTrip() throws {
        let error = RPCError(
            .invalidArgument, "bad batch", reason: "INVALID_ARGUMENT", metadata: ["k": "v"],
            fieldViolations: [.init(field: "items[2].price", description: "must be positive", reason: "NOT_POSITIVE")])
        let bytes: [UInt8] = try error.status.serializedBytes()
        #expect(RPCError(status: try Google_Rpc_Status(serializedBytes: bytes)) == error)
        #expect(error.status.details.map(\.typeURL) == [
            "type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.rpc.BadRequest",
        ])
    }

    @Test("methods lists every route sorted")
    func methods() {
        var router = Self.router
        router.register(service: "test.v1.Alpha", method: "Zed") { (_: Grpc_Health_V1_HealthCheckRequest, _) in
            Grpc_Health_V1_HealthCheckResponse()
        }
        #expect(router.methods == ["test.v1.Alpha/Zed", "test.v1.Echo/Echo"])
    }

    /// "Fast" answers at once (SERVING), "slow" has to run, "sold-out" fails at once.
    static var routerAnsweringNow: Router {
        var router = Router()
        router.register(
            service: service, method: "Check",
            answerNow: { (request: Grpc_Health_V1_HealthCheckRequest, _) -> EncodedResponse<Grpc_Health_V1_HealthCheckResponse>? in
                switch request.service {
                case "fast": return try EncodedResponse(.with { $0.status = .serving })
                case "sold-out": throw OutOfTickets()
                default: return nil
                }
            },
            handler: { _, _ in .with { $0.status = .notServing } })
        return router
    }

    static func routedNow(_ text: String, method: String = "Check", timeoutNano: Int64 = 0) throws -> RoutedCall {
        routerAnsweringNow.call(
            for: try request(method: method, text: text, timeoutNano: timeoutNano), peer: nil, logger: Logger(label: "test"))
    }

    @Test("answerNow answers without the handler when it can, and leaves the rest to run()")
    func answerNow() async throws {
        let fast = try #require(try Self.routedNow("fast").answerNow())
        #expect(try Grpc_Health_V1_HealthCheckResponse(serializedBytes: fast.payload).status == .serving)

        let slow = try Self.routedNow("slow")
        #expect(slow.answerNow() == nil)
        #expect(try Grpc_Health_V1_HealthCheckResponse(serializedBytes: await slow.run().payload).status == .notServing)

        let failed = try #require(try Self.routedNow("sold-out").answerNow())
        #expect(RPCError(status: failed.status).reason == "SOLD_OUT")
    }

    @Test("refusals and passed deadlines are answered at once, even for handlers that must run")
    func refusalsAnswerNow() throws {
        let unknown = try #require(try Self.routedNow("slow", method: "Nope").answerNow())
        #expect(RPCError(status: unknown.status).code == .unimplemented)
        let late = try #require(try Self.routedNow("slow", timeoutNano: 1).answerNow())
        #expect(RPCError(status: late.status).code == .deadlineExceeded)
        let echo = Self.router.call(for: try Self.request(), peer: nil, logger: Logger(label: "test"))
        #expect(echo.answerNow() == nil)
    }
}
