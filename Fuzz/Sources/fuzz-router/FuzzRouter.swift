// libFuzzer target for ScenicRPC's Router.
//
// The input is the payload of one ttrpc Request frame (a serialized `ttrpc.Request`, or
// anything else). A router with four methods over real Scenic request types and an
// admission closure answers it, through `respond(to:peer:logger:arrival:)` or through
// `call(for:peer:logger:arrival:)`, `RoutedCall.answerNow()` and, when that gives nothing,
// `RoutedCall.run()` (input length / 5 odd), and the answer is checked against what the
// input asks for. Every method also has an `answerNow` that answers requests of an even
// encoded length at once and leaves the others to its handler:
//
// - the response serializes, parses back, and serializes again to the same bytes, with the
//   same status and payload (compared as bytes: SwiftProtobuf's `==` does not find an `Any`
//   packed from a message equal to the same `Any` parsed from bytes);
// - a status has a known code (0-16, never OK) and details that unpack;
// - input that is not a ttrpc.Request is INVALID_ARGUMENT MALFORMED_REQUEST; a refused peer
//   gets the admission error; an unrouted method is UNIMPLEMENTED UNKNOWN_METHOD; a payload
//   that is not the method's request type is INVALID_ARGUMENT MALFORMED_PAYLOAD;
// - otherwise the handler's own answer (its response bytes, or exactly the status of the
//   error it threw: an RPCError as is, an RPCErrorConvertible's rpcError, anything else
//   INTERNAL with no details), or DEADLINE_EXCEEDED when the request has a timeout_nano;
// - the handler saw the request's service, method, metadata (in order), the peer, and as
//   deadline arrival + timeout_nano capped at Router.longestTimeout (none without one); a
//   RoutedCall has that context and deadline, and none when the call was refused.
//
// A request's deadline is kept within a second of now (see arrivalKeepingDeadlinesNear).
//
// The peer is chosen from the input length: length % 5 == 4 is refused by admission,
// length % 5 == 3 has no credentials, any other length is an allowed uid.

import Dispatch
import Foundation
import Logging
import ScenicProto
import ScenicRPC
import SwiftProtobuf

/// `precondition` that also says why in release builds, where precondition's message is
/// dropped: the failure message goes to stderr before the trap libFuzzer reports.
@inline(__always)
private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant violated: \(message())", file: file, line: line) }
}

// MARK: - The handlers: pure functions of the request and the call context

private struct ProductNotFound: RPCErrorConvertible {
    var code: String
    var rpcError: RPCError {
        RPCError(.notFound, "no product \(code)", reason: "PRODUCT_NOT_FOUND", metadata: ["product_code": code])
    }
}

private struct StoreExploded: Error {
    var detail: String
}

private func health(_ request: Grpc_Health_V1_HealthCheckRequest, _ context: CallContext) throws -> Grpc_Health_V1_HealthCheckResponse {
    var response = Grpc_Health_V1_HealthCheckResponse()
    switch request.service {
    case "", "scenic.v1.Sales": response.status = .serving
    case "draining": response.status = .notServing
    default: throw RPCError(.notFound, "unknown service \(request.service)", reason: "SERVICE_NOT_FOUND")
    }
    return response
}

private func sell(_ request: Scenic_V1_SellRequest, _ context: CallContext) throws -> Scenic_V1_SellResponse {
    guard let session = context[metadata: "scenic-session"], !session.isEmpty else {
        throw RPCError(.unauthenticated, "a session is required", reason: "SESSION_REQUIRED")
    }
    if session == "expired" {
        throw RPCError(.unauthenticated, "the session has expired", reason: "SESSION_EXPIRED")
    }
    var violations: [RPCError.FieldViolation] = []
    if request.productCode.isEmpty {
        violations.append(.init(field: "product_code", description: "must not be empty", reason: "EMPTY"))
    } else if request.productCode.utf8.count > 32 {
        violations.append(.init(field: "product_code", description: "at most 32 bytes", reason: "TOO_LONG"))
    }
    if !(1...100).contains(request.quantity) {
        violations.append(.init(field: "quantity", description: "1 to 100 tickets, not \(request.quantity)", reason: "OUT_OF_RANGE"))
    }
    if request.requestID.utf8.count > 64 {
        violations.append(.init(field: "request_id", description: "at most 64 characters", reason: "INVALID_REQUEST_ID"))
    }
    if !violations.isEmpty { throw RPCError.invalidArgument("the sale is not valid", violations: violations) }
    let amount = Int64(request.quantity) * 9_800
    switch request.productCode {
    case "BROKE":
        throw RPCError(
            .failedPrecondition, "the balance does not cover the sale", reason: "INSUFFICIENT_BALANCE",
            metadata: ["balance_fen": "100", "required_fen": "\(amount)", "buyer": request.buyerName])
    case "GONE":
        throw ProductNotFound(code: request.productCode)
    case "BOOM":
        throw StoreExploded(detail: request.buyerPhone)
    default:
        break
    }
    var response = Scenic_V1_SellResponse()
    response.orderID = Int64(request.requestID.utf8.count) + 1
    response.amountFen = amount
    response.balanceAfterFen = 1_000_000 - amount
    response.voucherCodes = (0..<Int(request.quantity)).map { String(100_000_000_000_000 + $0) }
    return response
}

private func recharge(_ request: Scenic_V1_RechargeRequest, _ context: CallContext) throws -> Scenic_V1_BalanceChange {
    if context.peer == nil {
        throw RPCError(.permissionDenied, "no credentials", reason: "ADMIN_NOT_ALLOWED")
    }
    var violations: [RPCError.FieldViolation] = []
    if request.amountFen <= 0 {
        violations.append(.init(field: "amount_fen", description: "must be positive", reason: "NOT_POSITIVE"))
    } else if request.amountFen > 100_000_000 {
        violations.append(.init(field: "amount_fen", description: "at most 100000000", reason: "TOO_LARGE"))
    }
    if request.note.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
        violations.append(.init(field: "note", description: "control characters in \(request.note.debugDescription)", reason: "INVALID_CHARACTERS"))
    }
    if !violations.isEmpty { throw RPCError.invalidArgument("the recharge is not valid", violations: violations) }
    guard request.distributorID > 0 else {
        throw RPCError(
            .notFound, "no distributor \(request.distributorID)", reason: "DISTRIBUTOR_NOT_FOUND",
            metadata: ["distributor_id": "\(request.distributorID)", "note": request.note])
    }
    var change = Scenic_V1_BalanceChange()
    change.entry.id = request.distributorID
    change.entry.kind = .recharge
    change.entry.amountFen = request.amountFen
    change.entry.balanceAfterFen = request.amountFen
    change.entry.note = request.note
    change.entry.actor = "uid:\(context.peer!.uid)"
    change.balanceFen = request.amountFen
    return change
}

private func balance(_ request: Scenic_V1_BalanceRequest, _ context: CallContext) throws -> Scenic_V1_BalanceResponse {
    var response = Scenic_V1_BalanceResponse()
    response.balanceFen = Int64(context.metadata.count)
    return response
}

// MARK: - The router

/// What the last handler saw, to check the context the router built.
private final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var contexts: [CallContext] = []
    func record(_ context: CallContext) { lock.withLock { contexts.append(context) } }
    func take() -> [CallContext] {
        lock.withLock {
            defer { contexts = [] }
            return contexts
        }
    }
}

private let seen = Seen()

private struct Method: Sendable {
    var name: String
    /// The handler's outcome: nil when the payload does not parse as its request type,
    /// else the response bytes, or the error it throws.
    var outcome: @Sendable ([UInt8], CallContext) throws -> [UInt8]?
}

private func method<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
    _ name: String, _ body: @escaping @Sendable (Request, CallContext) throws -> Response
) -> (Method, (inout Router) -> Void) {
    let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
    let model = Method(name: name) { payload, context in
        guard let request = try? Request(serializedBytes: payload) else { return nil }
        return try body(request, context).serializedBytes()
    }
    let register: (inout Router) -> Void = { router in
        router.register(
            service: parts[0], method: parts[1],
            answerNow: { (request: Request, context: CallContext) throws -> EncodedResponse<Response>? in
                guard let bytes: [UInt8] = try? request.serializedBytes(), bytes.count % 2 == 0 else { return nil }
                seen.record(context)
                return try EncodedResponse(body(request, context))
            },
            handler: { (request: Request, context: CallContext) async throws -> Response in
                seen.record(context)
                await Task.yield()  // let a deadline race it
                return try body(request, context)
            })
    }
    return (model, register)
}

private let refusedUID: UInt32 = 4242
private let admissionError = RPCError(
    .permissionDenied, "uid \(refusedUID) may not call", reason: "ADMIN_NOT_ALLOWED", metadata: ["uid": "\(refusedUID)"])

private let (methods, router): ([String: Method], Router) = {
    let all = [
        method("grpc.health.v1.Health/Check", health),
        method("scenic.v1.Sales/Sell", sell),
        method("scenic.v1.Account/Recharge", recharge),
        method("scenic.v1.Sales/Balance", balance),
    ]
    var router = Router()
    for (_, register) in all { register(&router) }
    router.admission = { peer in peer?.uid == refusedUID ? admissionError : nil }
    check(router.methods == all.map(\.0.name).sorted())
    return (Dictionary(uniqueKeysWithValues: all.map { ($0.0.name, $0.0) }), router)
}()

// MARK: - Logging that renders everything and keeps nothing

private struct SinkLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line = "\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key })"
        check(!line.isEmpty)
    }
}

private let logger = Logger(label: "scenic.fuzz") { _ in SinkLogHandler() }

// MARK: - Running one input

private final class ResponseBox: @unchecked Sendable {
    var response: Ttrpc_Response?
    var routedContext: CallContext?
    var routedDeadline: MonotonicInstant?
}

/// A task executor whose jobs run on the thread that calls `run(until:)`: here the fuzzer's
/// own thread, which is no cooperative-pool thread, so it may block on a DispatchSemaphore
/// while a job is awaited (a deadline's timer firing, say). The call's task, its task
/// group's children and their continuations all run here, so what an input allocates is
/// freed before the callback returns and libFuzzer's per-input leak check stays on (with
/// the global executor, libdispatch keeps two continuations per hop in another thread's
/// cache, every input looks like a leak, and libFuzzer gives the check up after 1000
/// tries); it also saves two thread switches per input.
private final class CallerThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [UnownedJob] = []
    private let queued = DispatchSemaphore(value: 0)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        lock.withLock { jobs.append(job) }
        queued.signal()
    }

    /// Runs queued jobs, waiting for more, until `finished` is true.
    func run(until finished: () -> Bool) {
        while !finished() {
            queued.wait()
            let job = lock.withLock { jobs.removeFirst() }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

private let callerThread = CallerThreadExecutor()

/// SCENIC_FUZZ_GLOBAL_EXECUTOR=1 runs each call as a plain `Task {}` on the global executor
/// and waits on a DispatchSemaphore instead (slower; pass -detect_leaks=0 with it).
private let runOnGlobalExecutor = ProcessInfo.processInfo.environment["SCENIC_FUZZ_GLOBAL_EXECUTOR"] == "1"

private func wireBytes(_ message: some SwiftProtobuf.Message) -> [UInt8] {
    do { return try message.serializedBytes() } catch { fatalError("\(type(of: message)) does not serialize: \(error)") }
}

private func show(_ message: some SwiftProtobuf.Message) -> String { message.textFormatString() }

private let knownCodes: ClosedRange<Int32> = 1...16

/// A status's code and ErrorInfo reason, checking its details on the way.
private func checkedError(_ status: Google_Rpc_Status) -> RPCError {
    check(knownCodes.contains(status.code), "status code \(status.code) is not a known error code")
    let error = RPCError(status: status)
    check(wireBytes(error.status) == wireBytes(status), "the status does not survive RPCError(status:): \(show(status))")
    for detail in status.details {
        check(
            detail.isA(Google_Rpc_ErrorInfo.self) || detail.isA(Google_Rpc_BadRequest.self),
            "unexpected detail \(detail.typeURL)")
    }
    return error
}

/// The latest deadline a call may get here, from its arrival.
private let deadlineHorizon = Duration.seconds(1)

/// SCENIC_FUZZ_REAL_ARRIVAL=1 passes every call's real arrival time, whatever its timeout.
private let realArrival = ProcessInfo.processInfo.environment["SCENIC_FUZZ_REAL_ARRIVAL"] == "1"

/// The timeout the router honours for `timeoutNano` (it caps it at a day), nil for none.
private func honouredTimeout(_ timeoutNano: Int64) -> Duration? {
    timeoutNano > 0 ? min(Duration.nanoseconds(timeoutNano), Router.longestTimeout) : nil
}

/// The `arrival` to pass for this input: now, except that a request whose (capped) timeout
/// reaches past `deadlineHorizon` is taken to have arrived that much earlier, so that its
/// deadline still falls within the horizon. The router's code path is the same (a
/// deadline in the future, raced by a sleeping child task), but the sleep it leaves behind
/// ends within a second instead of holding its memory up to a day, which over millions of
/// inputs would reach the RSS limit. (Before the router capped timeouts, a real arrival
/// made each such call keep its sleeping task until the deadline, and past 2^62 ns after
/// boot never free it: see Fuzz/Crashes/README.md.)
private func arrivalKeepingDeadlinesNear(_ bytes: [UInt8]) -> MonotonicInstant {
    let now = MonotonicInstant.now
    guard !realArrival, let request = try? Ttrpc_Request(serializedBytes: bytes),
        let timeout = honouredTimeout(request.timeoutNano), timeout > deadlineHorizon
    else { return now }
    return now - (timeout - deadlineHorizon)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRouter(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let peer: PeerCredentials? =
        switch size % 5 {
        case 4: PeerCredentials(pid: 7, uid: refusedUID, gid: 100)
        case 3: nil
        default: PeerCredentials(pid: 42, uid: 1000, gid: 1000)
        }

    // Half the inputs go through `respond` (the handler raced against the deadline), half
    // through `call(for:)`, `answerNow()` and `RoutedCall.run()` (what the transport does,
    // with its own timer): the answers must be the same but for the race.
    let throughRoutedCall = (size / 5) % 2 == 1
    let arrival = arrivalKeepingDeadlinesNear(bytes)
    let box = ResponseBox()
    let answer: @Sendable () async -> Void = {
        if throughRoutedCall {
            let call = router.call(for: bytes, peer: peer, logger: logger, arrival: arrival)
            box.routedContext = call.context
            box.routedDeadline = call.deadline
            if let response = call.answerNow() {
                box.response = response
            } else {
                box.response = await call.run()
            }
        } else {
            box.response = await router.respond(to: bytes, peer: peer, logger: logger, arrival: arrival)
        }
    }
    if runOnGlobalExecutor {
        let done = DispatchSemaphore(value: 0)
        Task {
            await answer()
            done.signal()
        }
        done.wait()
    } else {
        Task(executorPreference: callerThread) { await answer() }
        callerThread.run { box.response != nil }
    }
    let contexts = seen.take()
    guard let response = box.response else { fatalError("respond returned nothing") }

    // A valid Ttrpc_Response that survives the wire.
    do {
        let wire: [UInt8] = try response.serializedBytes()
        let back = try Ttrpc_Response(serializedBytes: wire)
        check(wireBytes(back) == wire, "the response does not serialize back to the same bytes: \(show(response))")
        check(back.hasStatus == response.hasStatus && back.payload == response.payload, "the response changed on the wire: \(show(response))")
        check(wireBytes(back.status) == wireBytes(response.status), "the status changed on the wire: \(show(response))")
    } catch {
        fatalError("the response does not round-trip: \(error)")
    }
    check(response.unknownFields.data.isEmpty)
    let error = response.hasStatus ? checkedError(response.status) : nil
    if error != nil { check(response.payload.isEmpty, "a status with a payload") }

    // What the input asks for.
    guard let request = try? Ttrpc_Request(serializedBytes: bytes) else {
        check(error?.code == .invalidArgument && error?.reason == "MALFORMED_REQUEST", "not a Request, answered \(show(response))")
        check(contexts.isEmpty)
        check(box.routedContext == nil && box.routedDeadline == nil, "a refused call has a context")
        return 0
    }
    if peer?.uid == refusedUID {
        check(error == admissionError, "a refused peer answered \(show(response))")
        check(contexts.isEmpty)
        check(box.routedContext == nil && box.routedDeadline == nil, "a refused call has a context")
        return 0
    }
    let name = "\(request.service)/\(request.method)"
    guard let method = methods[name] else {
        check(error?.code == .unimplemented && error?.reason == "UNKNOWN_METHOD", "\(name) answered \(show(response))")
        check(contexts.isEmpty)
        check(box.routedContext == nil && box.routedDeadline == nil, "a refused call has a context")
        return 0
    }

    let hasTimeout = request.timeoutNano > 0
    let expectedDeadline = honouredTimeout(request.timeoutNano).map { arrival + $0 }
    if throughRoutedCall {
        check(box.routedContext != nil && box.routedDeadline == expectedDeadline, "a routed call has no context or another deadline")
    }
    if let error, error.code == .deadlineExceeded, hasTimeout {
        check(error.reason == nil && response.status.details.isEmpty, "a deadline with details: \(show(response))")
        return 0
    }

    let metadata = request.metadata.map { (key: $0.key, value: $0.value) }
    let context = CallContext(
        service: request.service, method: request.method, metadata: metadata, peer: peer,
        deadline: hasTimeout ? .now : nil, logger: logger)
    let payload = [UInt8](request.payload)
    let expected: Result<[UInt8]?, any Error> = Result { try method.outcome(payload, context) }
    switch expected {
    case .success(nil):
        check(error?.code == .invalidArgument && error?.reason == "MALFORMED_PAYLOAD", "\(name) bad payload answered \(show(response))")
        check(contexts.isEmpty)
        return 0
    case .success(let body?):
        check(error == nil, "\(name) should succeed, answered \(show(response))")
        check([UInt8](response.payload) == body, "\(name) answered other bytes than the handler's")
    case .failure(let thrown as RPCError):
        check(error == thrown && wireBytes(response.status) == wireBytes(thrown.status), "\(name) threw \(thrown), answered \(show(response))")
    case .failure(let thrown as any RPCErrorConvertible):
        check(wireBytes(response.status) == wireBytes(thrown.rpcError.status), "\(name) threw \(thrown), answered \(show(response))")
    case .failure:
        check(
            error?.code == .internal && response.status.details.isEmpty && response.status.message == "internal error",
            "\(name) failed, answered \(show(response))")
    }

    // The handler ran once, with the call's context.
    check(contexts.count == 1, "the handler ran \(contexts.count) times")
    let got = contexts[0]
    check(got.service == request.service && got.method == request.method)
    check(got.metadata.elementsEqual(metadata) { $0.key == $1.key && $0.value == $1.value }, "metadata changed on its way")
    check(got.peer == peer)
    check(got.deadline == expectedDeadline, "deadline \(String(describing: got.deadline)) for timeout_nano \(request.timeoutNano)")
    return 0
}
