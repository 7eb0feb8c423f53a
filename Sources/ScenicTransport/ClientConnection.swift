#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import ScenicProto
import ScenicRPC
import SwiftProtobuf

/// A client's ttrpc connection to one socket. Calls may be issued concurrently: each
/// gets the next odd stream id and its own answer, in whatever order the daemon replies.
public final class ClientConnection: Sendable {
    private let channel: any Channel

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
        let localDeadline = timeout.map { NIODeadline.now() + .nanoseconds($0.nanoseconds) + .milliseconds(200) }
        // Once the channel is closed its pipeline is gone and the handler never sees the
        // call, so the failed write is what answers it.
        channel.writeAndFlush(
            RPCClientHandler.Call(payload: try request.serializedBytes(), deadline: localDeadline, promise: promise)
        ).whenFailure { _ in
            promise.fail(RPCError(.unavailable, "the connection to the daemon is closed", reason: "CONNECTION_CLOSED"))
        }
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
        var timer: Scheduled<Void>?
    }

    private var decoder: FrameDecoder
    private var nextStreamID: UInt32 = 1
    private var pending: [UInt32: Pending] = [:]
    private var closed = false

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
        let timer = call.deadline.map { deadline in
            context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
                let expired = self.pending.removeValue(forKey: streamID)
                expired?.promise.fail(RPCError(.deadlineExceeded, "no answer from the daemon before the deadline"))
            }
        }
        pending[streamID] = Pending(promise: call.promise, timer: timer)
        var buffer = context.channel.allocator.buffer(capacity: FrameHeader.size + call.payload.count)
        buffer.writeBytes(FrameHeader(length: UInt32(call.payload.count), streamID: streamID, type: .request).bytes)
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
                    complete(header.streamID) { $0.succeed(payload) }
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
        call.timer?.cancel()
        body(call.promise)
    }

    private func failAll(_ error: RPCError) {
        closed = true
        let calls = pending
        pending.removeAll()
        for call in calls.values {
            call.timer?.cancel()
            call.promise.fail(error)
        }
    }
}
