import Foundation
import Logging
import ScenicProto
import SwiftProtobuf

/// Routes a ttrpc `Request` to the typed handler registered for its service and method,
/// and always answers with a `Response`: handler errors become statuses here.
///
/// A router holds only what one socket serves, so a method that is not registered on a
/// socket cannot be reached through it.
public struct Router: Sendable {
    /// A handler once its request and response types are erased to bytes.
    /// Payloads are `Data`, what SwiftProtobuf decodes from and encodes to without a further copy.
    @usableFromInline typealias Handler = @Sendable (_ payload: Data, _ context: CallContext) async throws -> Data

    /// A handler's answer when it can give it at once without waiting for anything, or
    /// nil when it must run (a health check whose store answered a moment ago, say).
    @usableFromInline typealias AnswerNow = @Sendable (_ payload: Data, _ context: CallContext) throws -> Data?

    @usableFromInline struct Route: Sendable {
        let service: String
        let method: String
        let answerNow: AnswerNow?
        let handler: Handler

        @usableFromInline init(service: String, method: String, answerNow: AnswerNow?, handler: @escaping Handler) {
            self.service = service
            self.method = method
            self.answerNow = answerNow
            self.handler = handler
        }
    }

    /// One service's routes, each under its method name's UTF-8.
    @usableFromInline struct ServiceRoutes: Sendable {
        @usableFromInline let name: [UInt8]
        @usableFromInline var methods: [(name: [UInt8], route: Route)]

        @usableFromInline init(name: [UInt8], methods: [(name: [UInt8], route: Route)]) {
            self.name = name
            self.methods = methods
        }
    }

    /// By service, then method, found by comparing a request's bytes with these names: a
    /// call's route is found without making a string. A socket serves a dozen services of
    /// a few methods each, and most names differ in length, so a scan beats hashing.
    @usableFromInline var services: [ServiceRoutes] = []

    /// Decides, before any handler runs, whether the peer may call at all; a non-nil
    /// error is the answer to every call of that peer.
    public var admission: (@Sendable (PeerCredentials?) -> RPCError?)?

    /// Told of every answer the socket sends.
    public var observer: (any CallObserver)?

    public init() {}

    /// Every routed method as `service/method`, sorted.
    public var methods: [String] {
        services.flatMap { $0.methods.map { "\($0.route.service)/\($0.route.method)" } }.sorted()
    }

    /// Registers `handler` for `service/method`. Registering the same method twice is a
    /// programming error.
    ///
    /// `answerNow`, when given, is asked first, on the caller's thread (an event loop):
    /// it must not block, and answers when it can do so at once, sparing the call a task.
    /// Its answers come encoded, so that one made ahead costs nothing to give.
    @inlinable
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String,
        method: String,
        answerNow: (@Sendable (Request, CallContext) throws -> EncodedResponse<Response>?)? = nil,
        handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        let serviceName = Array(service.utf8)
        let methodName = Array(method.utf8)
        precondition(
            !services.contains { $0.name == serviceName && $0.methods.contains { $0.name == methodName } },
            "\(service)/\(method) registered twice")
        var erasedAnswerNow: AnswerNow?
        if let answerNow {
            erasedAnswerNow = { payload, context in
                let request: Request = try Self.decode(payload)
                return try answerNow(request, context)?.bytes
            }
        }
        let route = Route(
            service: service,
            method: method,
            answerNow: erasedAnswerNow,
            handler: { payload, context in
                let request: Request = try Self.decode(payload)
                return try await handler(request, context).serializedData()
            })
        if let index = services.firstIndex(where: { $0.name == serviceName }) {
            services[index].methods.append((methodName, route))
        } else {
            services.append(ServiceRoutes(name: serviceName, methods: [(methodName, route)]))
        }
    }

    private func findRoute(service: UnsafeRawBufferPointer, method: UnsafeRawBufferPointer) -> Route? {
        func named(_ name: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
            name.count == bytes.count
                && (bytes.isEmpty || name.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        }
        // By index: iterating would copy every entry passed over, retaining its fields.
        guard let serviceIndex = services.firstIndex(where: { named($0.name, service) }),
            let methodIndex = services[serviceIndex].methods.firstIndex(where: { named($0.name, method) })
        else { return nil }
        return services[serviceIndex].methods[methodIndex].route
    }

    @usableFromInline static func decode<Request: SwiftProtobuf.Message>(_ payload: Data) throws -> Request {
        // Every field at its default (Scenic's messages are proto3: no required fields to
        // miss): a health check's usual request, spared the decoder.
        if payload.isEmpty { return Request() }
        let request: Request
        do {
            request = try Request(serializedBytes: payload)
        } catch {
            throw RPCError(.invalidArgument, "the payload is not a valid \(Request.protoMessageName)", reason: "MALFORMED_PAYLOAD")
        }
        try RequestBounds.standard.check(request)
        return request
    }

    /// Answers one request frame's payload, racing the handler against the call's
    /// deadline. Never throws: every failure is a status.
    public func respond(
        to requestBytes: [UInt8],
        peer: PeerCredentials?,
        logger: Logger,
        arrival: MonotonicInstant = .now
    ) async -> Ttrpc_Response {
        await call(for: requestBytes, peer: peer, logger: logger, arrival: arrival).runRacingDeadline()
    }

    /// Decodes a request frame's payload and finds what answers it, without running it:
    /// a caller with a cheaper timer than a racing task (an event loop) enforces the
    /// deadline itself around ``RoutedCall/run()``.
    public func call(
        for requestBytes: some ContiguousBytes,
        peer: PeerCredentials?,
        logger: Logger,
        arrival: MonotonicInstant = .now
    ) -> RoutedCall {
        requestBytes.withUnsafeBytes { bytes in
            guard let envelope = try? RequestEnvelope(parsing: bytes) else {
                return RoutedCall(refusal: Self.malformedRequest)
            }
            func field(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }
            // The reader checked every string for UTF-8.
            func text(_ range: Range<Int>) -> String { String(decoding: field(range), as: UTF8.self) }
            func name() -> String { "\(text(envelope.service))/\(text(envelope.method))" }
            if let refusal = admission?(peer) {
                logger.notice("call refused", metadata: ["rpc.method": "\(name())", "reason": "\(refusal.message)"])
                return RoutedCall(refusal: refusal)
            }
            guard let route = findRoute(service: field(envelope.service), method: field(envelope.method)) else {
                return RoutedCall(refusal: RPCError(.unimplemented, "unknown method \(name())", reason: "UNKNOWN_METHOD"))
            }
            guard envelope.metadata.count <= Self.maxMetadataEntries,
                envelope.metadata.allSatisfy({ $0.key.count + $0.value.count <= RequestBounds.standard.maxStringBytes })
            else { return RoutedCall(refusal: Self.metadataTooLarge) }
            let metadata = envelope.metadata.map { (key: text($0.key), value: text($0.value)) }
            let timeout =
                envelope.timeoutNano > 0 ? min(Duration.nanoseconds(envelope.timeoutNano), Self.longestTimeout) : nil
            let context = CallContext(
                service: route.service,
                method: route.method,
                metadata: metadata,
                peer: peer,
                deadline: timeout.map { arrival + $0 },
                logger: logger
            )
            return RoutedCall(route: route, payload: Data(field(envelope.payload)), context: context)
        }
    }

    /// Most metadata entries a call may carry: Scenic reads one or two.
    public static let maxMetadataEntries = 32

    static let metadataTooLarge = RPCError(
        .invalidArgument,
        "a call carries at most \(maxMetadataEntries) metadata entries of at most \(RequestBounds.standard.maxStringBytes) bytes each",
        reason: "METADATA_TOO_LARGE")

    static let malformedRequest = RPCError(
        .invalidArgument, "the frame does not hold a ttrpc Request", reason: "MALFORMED_REQUEST")

    /// The longest timeout honoured; a longer one counts as this. Whatever enforces a
    /// deadline (a timer, a sleeping task) lives until it passes or is cancelled, and a
    /// client must not be able to pin that memory for centuries (found by fuzzing).
    public static let longestTimeout = Duration.seconds(86_400)

    /// The answer to a call whose deadline passed first.
    public static let deadlineExceeded = RPCError(.deadlineExceeded, "the deadline passed before the call completed")

    /// The status `error` answers with. The logger is made only for an unexpected error,
    /// the one case that logs: a refused sale costs no logger.
    static func rpcError(from error: any Error, logger: @autoclosure () -> Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as any RPCErrorConvertible:
            return error.rpcError
        case is CancellationError:
            // Its connection went away: nobody reads this answer, and it is no fault.
            return RPCError(.cancelled, "the call was cancelled")
        default:
            // The caller learns only that it failed; the details stay in the daemon's log.
            logger().error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(.internal, "internal error")
        }
    }

    /// The response that carries a handler's answer.
    static func response(payload: Data) -> Ttrpc_Response {
        var response = Ttrpc_Response()
        response.payload = payload
        return response
    }

    /// The response that carries `error` as its status.
    public static func response(for error: RPCError) -> Ttrpc_Response {
        var response = Ttrpc_Response()
        response.status = error.status
        return response
    }
}

/// A request matched to its handler (or already refused), ready to run.
public struct RoutedCall: Sendable {
    private let route: Router.Route?
    private let payload: Data
    private let refusal: RPCError?
    /// Nil when the call was refused before reaching a handler.
    public let context: CallContext?
    /// When the caller stops waiting, if it said. Kept apart from the context so that
    /// checking it does not copy the context.
    public let deadline: MonotonicInstant?

    init(route: Router.Route, payload: Data, context: CallContext) {
        self.route = route
        self.payload = payload
        self.context = context
        deadline = context.deadline
        refusal = nil
    }

    init(refusal: RPCError) {
        route = nil
        payload = Data()
        context = nil
        deadline = nil
        self.refusal = refusal
    }

    /// The answer, when it is there without running the handler: a refusal, a deadline
    /// already passed, or what the handler's `answerNow` gives. Never blocks; nil means
    /// ``run()`` must be awaited.
    public func answerNow() -> Ttrpc_Response? {
        if let answer = answerWithoutHandler { return answer }
        guard let answerNow = route?.answerNow else { return nil }
        do {
            // A call that is not refused has a context.
            return try answerNow(payload, context!).map(Router.response(payload:))
        } catch {
            return Router.response(for: Router.rpcError(from: error, logger: context!.logger))
        }
    }

    /// Runs the handler to its end; only a deadline already passed stops it from starting.
    public func run() async -> Ttrpc_Response {
        if let answer = answerWithoutHandler { return answer }
        guard let route, let context else { preconditionFailure("a call that is not refused has a route and a context") }
        do {
            return Router.response(payload: try await route.handler(payload, context))
        } catch {
            return Router.response(for: Router.rpcError(from: error, logger: context.logger))
        }
    }

    /// The answer of a call that never reaches its handler: its refusal, or
    /// DEADLINE_EXCEEDED once its deadline has passed.
    private var answerWithoutHandler: Ttrpc_Response? {
        if let refusal { return Router.response(for: refusal) }
        if let deadline, deadline <= .now { return Router.response(for: Router.deadlineExceeded) }
        return nil
    }

    /// Runs the handler, answering DEADLINE_EXCEEDED (and cancelling it) if the deadline
    /// comes first.
    public func runRacingDeadline() async -> Ttrpc_Response {
        guard let deadline else { return await run() }
        return await withTaskGroup(of: Ttrpc_Response?.self) { group in
            group.addTask { await run() }
            group.addTask {
                try? await Task.sleep(for: deadline - .now)
                return nil
            }
            defer { group.cancelAll() }
            return (await group.next() ?? nil) ?? Router.response(for: Router.deadlineExceeded)
        }
    }
}
