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
    typealias Handler = @Sendable (_ payload: [UInt8], _ context: CallContext) async throws -> [UInt8]

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
            return try await handler(request, context).serializedBytes()
        }
    }

    /// Answers one request frame's payload. Never throws: every failure is a status.
    public func respond(
        to requestBytes: [UInt8],
        peer: PeerCredentials?,
        logger: Logger,
        arrival: ContinuousClock.Instant = .now
    ) async -> Ttrpc_Response {
        let request: Ttrpc_Request
        do {
            request = try Ttrpc_Request(serializedBytes: requestBytes)
        } catch {
            return Self.response(
                for: RPCError(.invalidArgument, "the frame does not hold a ttrpc Request", reason: "MALFORMED_REQUEST"))
        }
        var logger = logger
        logger[metadataKey: "rpc.method"] = "\(request.service)/\(request.method)"
        if let refusal = admission?(peer) {
            logger.notice("call refused", metadata: ["reason": "\(refusal.message)"])
            return Self.response(for: refusal)
        }
        guard let handler = handlers["\(request.service)/\(request.method)"] else {
            return Self.response(
                for: RPCError(.unimplemented, "unknown method \(request.service)/\(request.method)", reason: "UNKNOWN_METHOD"))
        }
        let timeout = request.timeoutNano > 0 ? Duration.nanoseconds(request.timeoutNano) : nil
        let context = CallContext(
            service: request.service,
            method: request.method,
            metadata: request.metadata.map { ($0.key, $0.value) },
            peer: peer,
            deadline: timeout.map { arrival + $0 },
            logger: logger
        )
        do {
            var response = Ttrpc_Response()
            response.payload = Data(try await Self.run(handler, request.payload, context))
            return response
        } catch {
            return Self.response(for: Self.rpcError(from: error, logger: logger))
        }
    }

    /// Runs the handler, racing it against the call's deadline when it has one.
    private static func run(_ handler: @escaping Handler, _ payload: Data, _ context: CallContext) async throws -> [UInt8] {
        let bytes = [UInt8](payload)
        guard let deadline = context.deadline else { return try await handler(bytes, context) }
        let expired = RPCError(.deadlineExceeded, "the deadline passed before the call completed")
        guard deadline > .now else { throw expired }
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await handler(bytes, context) }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else { throw expired }
            return result
        }
    }

    private static func rpcError(from error: any Error, logger: Logger) -> RPCError {
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
