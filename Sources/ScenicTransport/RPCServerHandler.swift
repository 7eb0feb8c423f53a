import Logging
import NIOCore
import ScenicProto
import ScenicRPC

/// Sent down a connection's pipeline when the daemon shuts down: answer what is in
/// flight, read nothing more, then close.
struct DrainConnectionEvent: Sendable {}

/// One server connection: frames in, router calls out, responses back in any order.
///
/// Back-pressure: while `maxCallsInFlight` calls are running or waiting for the socket
/// to take their response, this handler swallows `read()`, so the kernel's buffers fill
/// and the client is slowed down; nothing is buffered here beyond one read. A client
/// whose answers make no progress into the socket for `stalledClientTimeout` has stopped
/// reading, and is closed. So is one that sends no whole request within
/// `firstFrameTimeout` of connecting, or none for `idleTimeout` while nothing is in flight.
final class RPCServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case serving
        case draining
        case closed
    }

    private let router: Router
    private let limits: ConnectionLimits
    private let peer: PeerCredentials?
    private let logger: Logger
    // The state touched by every call is `@exclusivity(unchecked)`: it lives on the event
    // loop, and no access to it lasts across a call out of this handler, so no two can
    // overlap; the runtime's checks of that cost ~5 % of a pipelined call's CPU.
    @exclusivity(unchecked) private var decoder: FrameDecoder
    @exclusivity(unchecked) private var state = State.serving
    @exclusivity(unchecked) private var lastStreamID: UInt32 = 0
    @exclusivity(unchecked) private var callsInFlight = 0
    /// When the latest bytes were read: the arrival of the calls they hold, from which
    /// their deadlines count (one clock read per read, not one per call).
    @exclusivity(unchecked) private var bytesArrived = MonotonicInstant.now
    private var readHeld = false
    /// Responses handed to the socket and not yet taken by it.
    private var unflushedWrites = 0
    /// When a response last went into the socket, or when waiting for that began.
    private var lastWriteProgress = NIODeadline.now()
    private var stallCheck: Scheduled<Void>?
    /// When the latest whole request arrived; nil until the first. An answer leaving
    /// counts as activity too, through `lastWriteProgress`, with no clock read of its own.
    private var lastRequest: MonotonicInstant?
    private var idleCheck: Scheduled<Void>?
    /// The handlers running for this connection, cancelled if it goes away first.
    private var running: [UInt32: Task<Void, Never>] = [:]
    /// Answers framed in this turn of the event loop, written together at its end: pipelined
    /// answers leave in one write and one system call, not one each.
    @exclusivity(unchecked) private var outgoing: ByteBuffer?
    @exclusivity(unchecked) private var outgoingAnswers = 0
    /// Answers that leave without waiting for the turn to end. A client pipelining many
    /// calls starts on these while the rest are being answered; held back for the whole
    /// turn, they made client and daemon take turns instead of working side by side.
    static let answersPerWrite = 16

    init(router: Router, limits: ConnectionLimits, peer: PeerCredentials?, logger: Logger) {
        self.router = router
        self.limits = limits
        self.peer = peer
        var logger = logger
        if let peer { logger[metadataKey: "peer"] = "\(peer)" }
        self.logger = logger
        self.decoder = FrameDecoder(maxPayloadSize: limits.maxFrameSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        checkIdle(context: context, in: limits.firstFrameTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        bytes.withUnsafeReadableBytes { decoder.append($0) }
        bytesArrived = .now
        processFrames(context: context)
    }

    func read(context: ChannelHandlerContext) {
        if state == .serving, callsInFlight < limits.maxCallsInFlight {
            context.read()
        } else {
            readHeld = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A client that shuts down its sending side still gets the answers to what it sent.
        let inputClosed = (event as? ChannelEvent) == .inputClosed
        guard event is DrainConnectionEvent || inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard state == .serving else { return }
        state = .draining
        processFrames(context: context)
        closeIfDrained(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        stallCheck?.cancel()
        idleCheck?.cancel()
        // Nobody is left to answer: stop the work instead of letting it pile up.
        for task in running.values { task.cancel() }
        running.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Decodes and dispatches buffered frames while the in-flight bound allows.
    private func processFrames(context: ChannelHandlerContext) {
        while state != .closed, callsInFlight < limits.maxCallsInFlight {
            let decoded: DecodedFrame?
            do {
                decoded = try decoder.next()
            } catch {
                closeForProtocolError(context: context, "\(error)")
                return
            }
            guard let decoded else { return }
            lastRequest = bytesArrived
            switch decoded {
            case .frame(let header, let payload):
                guard accept(header, context: context) else { return }
                if state == .draining {
                    respond(context: context, streamID: header.streamID, with: unavailable)
                } else {
                    dispatch(context: context, streamID: header.streamID, payload: payload)
                }
            case .oversized(let header):
                guard accept(header, context: context) else { return }
                let error = RPCError(
                    .resourceExhausted,
                    "frame of \(header.length) bytes exceeds the limit of \(limits.maxFrameSize) bytes",
                    reason: "FRAME_TOO_LARGE")
                respond(context: context, streamID: header.streamID, with: Router.response(for: error))
            }
        }
    }

    /// Checks what the decoder cannot know alone: a server only takes requests, on odd
    /// stream ids that increase.
    private func accept(_ header: FrameHeader, context: ChannelHandlerContext) -> Bool {
        guard header.type == .request else {
            closeForProtocolError(context: context, "a client may send only request frames, got \(header.type)")
            return false
        }
        guard header.streamID % 2 == 1, header.streamID > lastStreamID else {
            closeForProtocolError(
                context: context,
                "stream id \(header.streamID) is not odd and greater than \(lastStreamID)")
            return false
        }
        lastStreamID = header.streamID
        return true
    }

    private var unavailable: Ttrpc_Response {
        Router.response(for: RPCError(.unavailable, "the daemon is shutting down", reason: "SHUTTING_DOWN"))
    }

    private func dispatch(context: ChannelHandlerContext, streamID: UInt32, payload: ArraySlice<UInt8>) {
        callsInFlight += 1
        let router = router
        let peer = peer
        let logger = logger
        let arrival = bytesArrived
        let call = router.call(for: payload, peer: peer, logger: logger, arrival: arrival)
        let observer = router.observer
        /// Counts the call's answer with its method, then writes it.
        func answer(_ response: Ttrpc_Response) {
            observer?.answered(
                service: call.context?.service ?? "", method: call.context?.method ?? "",
                code: StatusCode(rawValue: response.status.code), duration: MonotonicInstant.now - arrival)
            write(context: context, streamID: streamID, response: response)
        }
        if let response = call.answerNow() {
            answer(response)
            return
        }
        let answered = context.eventLoop.makePromise(of: Ttrpc_Response.self)
        running[streamID] = answered.completeWithTask { await call.run() }
        // The deadline is a timer of the event loop: far cheaper than a task racing the
        // handler, and it answers on time even when the handler ignores cancellation.
        let expiry = call.deadline.map { deadline in
            context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(deadline - .now)) {
                guard let task = self.running.removeValue(forKey: streamID) else { return }
                task.cancel()
                answer(Router.response(for: Router.deadlineExceeded))
            }
        }
        answered.futureResult.assumeIsolated().whenSuccess { response in
            expiry?.cancel()
            // Nil when the deadline already answered this call.
            guard self.running.removeValue(forKey: streamID) != nil else { return }
            answer(response)
        }
    }

    /// Answers a call that needs no handler; it counts as in flight until written.
    private func respond(context: ChannelHandlerContext, streamID: UInt32, with response: Ttrpc_Response) {
        callsInFlight += 1
        router.observer?.answered(service: "", method: "", code: StatusCode(rawValue: response.status.code), duration: MonotonicInstant.now - bytesArrived)
        write(context: context, streamID: streamID, response: response)
    }

    private func write(context: ChannelHandlerContext, streamID: UInt32, response: Ttrpc_Response) {
        guard state != .closed else { return }
        if outgoing == nil {
            outgoing = context.channel.allocator.buffer(capacity: FrameHeader.size + response.payload.count + 16)
            context.eventLoop.assumeIsolated().execute { self.writeOutgoing(context: context) }
        }
        do {
            try outgoing!.writeResponseFrame(streamID: streamID, response, limit: limits.maxFrameSize)
        } catch let error as ResponseTooLarge {
            logger.warning(
                "answer exceeds the frame limit", metadata: ["bytes": "\(error.length)", "max_frame_bytes": "\(limits.maxFrameSize)"])
            let refusal = RPCError(
                .resourceExhausted, "the answer of \(error.length) bytes exceeds the frame limit of \(limits.maxFrameSize) bytes",
                reason: "RESPONSE_TOO_LARGE")
            try? outgoing!.writeResponseFrame(streamID: streamID, Router.response(for: refusal))
        } catch {
            logger.error("cannot encode response", metadata: ["error": "\(error)"])
            try? outgoing!.writeResponseFrame(streamID: streamID, Router.response(for: RPCError(.internal, "internal error")))
        }
        outgoingAnswers += 1
        if outgoingAnswers == Self.answersPerWrite { writeOutgoing(context: context) }
    }

    private func writeOutgoing(context: ChannelHandlerContext) {
        guard let buffer = outgoing else { return }
        let answers = outgoingAnswers
        outgoing = nil
        outgoingAnswers = 0
        guard state != .closed else { return }
        if unflushedWrites == 0 {
            lastWriteProgress = .now()
            watchForStall(context: context)
        }
        unflushedWrites += answers
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            self.unflushedWrites -= answers
            self.lastWriteProgress = .now()
            self.callsInFlight -= answers
            // A write to a writable socket completes at once, inside this call: going on in
            // a later turn of the loop keeps thousands of buffered frames from recursing.
            context.eventLoop.assumeIsolated().execute {
                self.callsFinished(context: context)
            }
        }
    }

    private func callsFinished(context: ChannelHandlerContext) {
        guard state != .closed else { return }
        processFrames(context: context)
        if closeIfDrained(context: context) { return }
        if readHeld, callsInFlight < limits.maxCallsInFlight {
            readHeld = false
            context.read()
        }
    }

    /// Closes the connection if it sent no request yet, or has been idle for
    /// `idleTimeout`, when `delay` has passed; else looks again when it could be.
    private func checkIdle(context: ChannelHandlerContext, in delay: Duration) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
            self.idleCheck = nil
            guard self.state != .closed else { return }
            guard let lastRequest = self.lastRequest else {
                self.closeConnection(context: context, "closing connection: no request within the first-request timeout")
                return
            }
            let sinceAnswer = NIODeadline.now() - self.lastWriteProgress
            let idleFor = min(MonotonicInstant.now - lastRequest, .nanoseconds(sinceAnswer.nanoseconds))
            if self.callsInFlight > 0 {
                self.checkIdle(context: context, in: self.limits.idleTimeout)
            } else if idleFor < self.limits.idleTimeout {
                self.checkIdle(context: context, in: self.limits.idleTimeout - idleFor)
            } else {
                self.closeConnection(context: context, "closing connection: idle")
            }
        }
    }

    private func closeConnection(context: ChannelHandlerContext, _ message: Logger.Message) {
        logger.info(message)
        state = .closed
        context.close(promise: nil)
    }

    private func watchForStall(context: ChannelHandlerContext) {
        guard stallCheck == nil, state != .closed else { return }
        let timeout = TimeAmount(limits.stalledClientTimeout)
        stallCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastWriteProgress + timeout) {
            self.stallCheck = nil
            guard self.state != .closed, self.unflushedWrites > 0 else { return }
            guard NIODeadline.now() - self.lastWriteProgress >= timeout else {
                self.watchForStall(context: context)
                return
            }
            self.logger.warning(
                "closing connection: the client stopped reading its answers",
                metadata: ["unflushed_answers": "\(self.unflushedWrites)"])
            self.state = .closed
            context.close(promise: nil)
        }
    }

    @discardableResult
    private func closeIfDrained(context: ChannelHandlerContext) -> Bool {
        guard state == .draining, callsInFlight == 0 else { return false }
        state = .closed
        context.close(promise: nil)
        return true
    }

    private func closeForProtocolError(context: ChannelHandlerContext, _ reason: String) {
        logger.warning("closing connection: protocol error", metadata: ["reason": "\(reason)"])
        state = .closed
        context.close(promise: nil)
    }
}
