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
    /// Payloads stay `Data`, as the ttrpc envelope holds them: no copy on the way in or out.
    typealias Handler = @Sendable (_ payload: Data, _ context: CallContext) async throws -> Data

    private var handlers: [String: Handler] = [:]

    /// Decides, before any handler runs, whether the peer may call at all; a non-nil
    /// error is the answer to every call of that peer.
    public var admission: (@Sendable (PeerCredentials?) -> RPCError?)?

    public init() {}

    /// Every routed method as `service/method`, sorted.
    public var methods: [String] { handlers.keys.sorted() }

    /// Registers `handler` for `service/method`. Registering the same method twice is a
    /// programming error.
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String,
        method: String,
        handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        let name = "\(service)/\(method)"
        precondition(handlers[name] == nil, "\(name) registered twice")
        handlers[name] = { payload, context in
            let request: Request
            do {
                request = try Request(serializedBytes: payload)
            } catch {
                throw RPCError(
                    .invalidArgument, "the payload is not a valid \(Request.protoMessageName)",
                    reason: "MALFORMED_PAYLOAD")
            }
            return try await handler(request, context).serializedData()
        }
    }

    /// Answers one request frame's payload, racing the handler against the call's
    /// deadline. Never throws: every failure is a status.
    public func respond(
        to requestBytes: [UInt8],
        peer: PeerCredentials?,
        logger: Logger,
        arrival: ContinuousClock.Instant = .now
    ) async -> Ttrpc_Response {
        await call(for: requestBytes, peer: peer, logger: logger, arrival: arrival).runRacingDeadline()
    }

    /// Decodes a request frame's payload and finds what answers it, without running it:
    /// a caller with a cheaper timer than a racing task (an event loop) enforces the
    /// deadline itself around ``RoutedCall/run()``.
    public func call(
        for requestBytes: [UInt8],
        peer: PeerCredentials?,
        logger: Logger,
        arrival: ContinuousClock.Instant = .now
    ) -> RoutedCall {
        let request: Ttrpc_Request
        do {
            request = try Ttrpc_Request(serializedBytes: requestBytes)
        } catch {
            return RoutedCall(
                refusal: RPCError(.invalidArgument, "the frame does not hold a ttrpc Request", reason: "MALFORMED_REQUEST"))
        }
        var logger = logger
        logger[metadataKey: "rpc.method"] = "\(request.service)/\(request.method)"
        if let refusal = admission?(peer) {
            logger.notice("call refused", metadata: ["reason": "\(refusal.message)"])
            return RoutedCall(refusal: refusal)
        }
        guard let handler = handlers["\(request.service)/\(request.method)"] else {
            return RoutedCall(
                refusal: RPCError(.unimplemented, "unknown method \(request.service)/\(request.method)", reason: "UNKNOWN_METHOD"))
        }
        let timeout = request.timeoutNano > 0 ? min(Duration.nanoseconds(request.timeoutNano), Self.longestTimeout) : nil
        let context = CallContext(
            service: request.service,
            method: request.method,
            metadata: request.metadata.map { ($0.key, $0.value) },
            peer: peer,
            deadline: timeout.map { arrival + $0 },
            logger: logger
        )
        return RoutedCall(handler: handler, payload: request.payload, context: context)
    }

    /// The longest timeout honoured; a longer one counts as this. Whatever enforces a
    /// deadline (a timer, a sleeping task) lives until it passes or is cancelled, and a
    /// client must not be able to pin that memory for centuries (found by fuzzing).
    public static let longestTimeout = Duration.seconds(86_400)

    /// The answer to a call whose deadline passed first.
    public static let deadlineExceeded = RPCError(.deadlineExceeded, "the deadline passed before the call completed")

    static func rpcError(from error: any Error, logger: Logger) -> RPCError {
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
            logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(.internal, "internal error")
        }
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
    private let handler: Router.Handler?
    private let payload: Data
    private let refusal: RPCError?
    /// Nil when the call was refused before reaching a handler.
    public let context: CallContext?

    init(handler: @escaping Router.Handler, payload: Data, context: CallContext) {
        self.handler = handler
        self.payload = payload
        self.context = context
        refusal = nil
    }

    init(refusal: RPCError) {
        handler = nil
        payload = Data()
        context = nil
        self.refusal = refusal
    }

    /// When the caller stops waiting, if it said.
    public var deadline: ContinuousClock.Instant? { context?.deadline }

    /// Runs the handler to its end; only a deadline already passed stops it from starting.
    public func run() async -> Ttrpc_Response {
        guard let handler, let context else { return Router.response(for: refusal!) }
        if let deadline = context.deadline, deadline <= .now { return Router.response(for: Router.deadlineExceeded) }
        do {
            var response = Ttrpc_Response()
            response.payload = try await handler(payload, context)
            return response
        } catch {
            return Router.response(for: Router.rpcError(from: error, logger: context.logger))
        }
    }

    /// Runs the handler, answering DEADLINE_EXCEEDED (and cancelling it) if the deadline
    /// comes first.
    public func runRacingDeadline() async -> Ttrpc_Response {
        guard let deadline else { return await run() }
        return await withTaskGroup(of: Ttrpc_Response?.self) { group in
            group.addTask { await run() }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            return (await group.next() ?? nil) ?? Router.response(for: Router.deadlineExceeded)
        }
    }
}
