#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import ScenicProto
import ScenicRPC
import SwiftProtobuf
import Synchronization

/// A client's ttrpc connection to one socket. Calls may be issued concurrently: each
/// gets the next odd stream id and its own answer, in whatever order the daemon replies.
public final class ClientConnection: Sendable {
    private let channel: any Channel
    /// Calls made off the event loop wait here for one trip onto it: calls made together
    /// (by concurrent tasks) are written together and leave in one system call.
    private let outbox = Mutex(Outbox())

    private struct Outbox {
        var calls: [RPCClientHandler.Call] = []
        var scheduled = false
    }

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to the socket at `path`. A daemon that is not there is an UNAVAILABLE
    /// ``RPCError`` whose message says so in one line.
    public static func connect(
        path: String,
        maxFrameSize: Int = FrameDecoder.defaultMaxPayloadSize,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ClientConnection {
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RPCClientHandler(maxFrameSize: maxFrameSize))
                    }
                }
                .connect(unixDomainSocketPath: path)
                .get()
            return ClientConnection(channel: channel)
        } catch let error as IOError {
            throw RPCError(.unavailable, "cannot connect to \(path): \(String(cString: strerror(error.errnoCode)))", reason: "DAEMON_UNREACHABLE")
        } catch {
            throw RPCError(.unavailable, "cannot connect to \(path): \(error)", reason: "DAEMON_UNREACHABLE")
        }
    }

    /// Sends one request and waits for its response. `timeout` travels as the request's
    /// `timeout_nano` and also bounds the wait here, so a daemon that never answers
    /// cannot hang the caller.
    public func call(_ request: Ttrpc_Request, timeout: Duration? = nil) async throws -> Ttrpc_Response {
        var request = request
        if let timeout { request.timeoutNano = timeout.nanoseconds }
        let promise = channel.eventLoop.makePromise(of: [UInt8].self)
        let localDeadline = timeout.map { NIODeadline.now() + TimeAmount($0) + .milliseconds(200) }
        send(RPCClientHandler.Call(payload: try request.serializedBytes(), deadline: localDeadline, promise: promise))
        // Cancelling the calling task ends the wait; a late answer is then dropped.
        let payload = try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(RPCError(.cancelled, "the call was cancelled by its caller"))
        }
        do {
            return try Ttrpc_Response(serializedBytes: payload)
        } catch {
            throw RPCError(.internal, "the daemon sent a response that does not decode", reason: "MALFORMED_RESPONSE")
        }
    }

    private func send(_ call: RPCClientHandler.Call) {
        let schedule = outbox.withLock { outbox in
            outbox.calls.append(call)
            defer { outbox.scheduled = true }
            return !outbox.scheduled
        }
        guard schedule else { return }
        channel.eventLoop.execute {
            let calls = self.outbox.withLock { outbox in
                defer { outbox = Outbox() }
                return outbox.calls
            }
            for call in calls {
                // Once the channel is closed its pipeline is gone and the handler never sees
                // the call, so the failed write is what answers it.
                self.channel.write(call).whenFailure { _ in
                    call.promise.fail(RPCError(.unavailable, "the connection to the daemon is closed", reason: "CONNECTION_CLOSED"))
                }
            }
            self.channel.flush()
        }
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Matches responses to calls by stream id on the client side.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Call
    typealias OutboundOut = ByteBuffer

    struct Call: Sendable {
        var payload: [UInt8]
        var deadline: NIODeadline?
        var promise: EventLoopPromise<[UInt8]>
    }

    private struct Pending {
        var promise: EventLoopPromise<[UInt8]>
        var deadline: NIODeadline?
    }

    /// How often the calls' deadlines are checked while some are waiting. One check for
    /// all of them, instead of a timer per call, whose scheduling and cancelling cost as
    /// much as the rest of a pipelined call; a deadline is noticed at most this late.
    static let deadlineCheckInterval = TimeAmount.milliseconds(50)

    private var decoder: FrameDecoder
    private var nextStreamID: UInt32 = 1
    private var pending: [UInt32: Pending] = [:]
    private var closed = false
    private var deadlineCheckScheduled = false

    init(maxFrameSize: Int) {
        decoder = FrameDecoder(maxPayloadSize: maxFrameSize)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        guard !closed else {
            call.promise.fail(RPCError(.unavailable, "the connection to the daemon is closed", reason: "CONNECTION_CLOSED"))
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let streamID = nextStreamID
        nextStreamID &+= 2
        pending[streamID] = Pending(promise: call.promise, deadline: call.deadline)
        if call.deadline != nil { scheduleDeadlineCheck(context: context) }
        var buffer = context.channel.allocator.buffer(capacity: FrameHeader.size + call.payload.count)
        buffer.writeFrameHeader(FrameHeader(length: UInt32(call.payload.count), streamID: streamID, type: .request))
        buffer.writeBytes(call.payload)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        bytes.withUnsafeReadableBytes { decoder.append($0) }
        do {
            while let decoded = try decoder.next() {
                switch decoded {
                case .frame(let header, let payload):
                    complete(header.streamID) { $0.succeed(Array(payload)) }
                case .oversized(let header):
                    complete(header.streamID) {
                        $0.fail(RPCError(.resourceExhausted, "the response of \(header.length) bytes exceeds the client's frame limit"))
                    }
                }
            }
        } catch {
            failAll(RPCError(.internal, "the daemon broke the protocol: \(error)", reason: "PROTOCOL_ERROR"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RPCError(.unavailable, "the daemon closed the connection", reason: "CONNECTION_CLOSED"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RPCError(.unavailable, "connection error: \(error)", reason: "CONNECTION_CLOSED"))
        context.close(promise: nil)
    }

    private func complete(_ streamID: UInt32, _ body: (EventLoopPromise<[UInt8]>) -> Void) {
        guard let call = pending.removeValue(forKey: streamID) else { return }
        body(call.promise)
    }

    private func scheduleDeadlineCheck(context: ChannelHandlerContext) {
        guard !deadlineCheckScheduled, !closed else { return }
        deadlineCheckScheduled = true
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.deadlineCheckInterval) {
            self.deadlineCheckScheduled = false
            self.failOverdueCalls(context: context)
        }
    }

    private func failOverdueCalls(context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        let overdue = pending.filter { $0.value.deadline.map { $0 <= now } ?? false }
        for (streamID, call) in overdue {
            pending[streamID] = nil
            call.promise.fail(RPCError(.deadlineExceeded, "no answer from the daemon before the deadline"))
        }
        if pending.values.contains(where: { $0.deadline != nil }) { scheduleDeadlineCheck(context: context) }
    }

    private func failAll(_ error: RPCError) {
        closed = true
        let calls = pending
        pending.removeAll()
        for call in calls.values { call.promise.fail(error) }
    }
}

extension Duration {
    /// Whole nanoseconds, as a request's `timeout_nano` carries them.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
