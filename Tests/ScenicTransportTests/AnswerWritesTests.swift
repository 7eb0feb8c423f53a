import Logging
import NIOCore
import NIOEmbedded
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicTransport

@Suite("How answers leave a connection")
struct AnswerWritesTests {
    /// A connection whose one method answers at once, on the event loop.
    static func connection() throws -> EmbeddedChannel {
        var router = Router()
        router.register(
            service: "test.v1.Now", method: "Check",
            answerNow: { (_: Grpc_Health_V1_HealthCheckRequest, _) in try EncodedResponse(Grpc_Health_V1_HealthCheckResponse()) },
            handler: { (_: Grpc_Health_V1_HealthCheckRequest, _) in Grpc_Health_V1_HealthCheckResponse() })
        let handler = RPCServerHandler(router: router, limits: ConnectionLimits(), peer: nil, logger: Logger(label: "test"))
        return EmbeddedChannel(handler: handler)
    }

    /// `count` pipelined requests in one buffer, as a client's single write delivers them.
    static func requests(_ count: Int) throws -> ByteBuffer {
        var request = Ttrpc_Request()
        request.service = "test.v1.Now"
        request.method = "Check"
        let payload: [UInt8] = try request.serializedBytes()
        let frames = (0..<count).flatMap { FrameHeader.frame(streamID: UInt32(2 * $0 + 1), type: .request, payload: payload) }
        return ByteBuffer(bytes: frames)
    }

    /// The stream ids answered in each write the connection made so far.
    static func writes(_ channel: EmbeddedChannel) throws -> [[UInt32]] {
        var writes: [[UInt32]] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            var decoder = FrameDecoder()
            decoder.append(buffer.readBytes(length: buffer.readableBytes)!)
            var streams: [UInt32] = []
            while case .frame(let header, _) = try decoder.next() { streams.append(header.streamID) }
            writes.append(streams)
        }
        return writes
    }

    @Test("pipelined calls are answered in writes of 16 as they are answered, the rest when the turn ends")
    func earlyWrites() throws {
        let channel = try Self.connection()
        try channel.writeInbound(try Self.requests(40))
        let early = try Self.writes(channel)
        #expect(early.map(\.count) == [16, 16])
        channel.embeddedEventLoop.run()
        let late = try Self.writes(channel)
        #expect(late.map(\.count) == [8])
        let answered: [UInt32] = (early + late).flatMap { $0 }
        let sent: [UInt32] = (0..<40).map { UInt32(2 * $0 + 1) }
        #expect(answered == sent)
        _ = try channel.finish()
    }

    @Test("a few calls wait for the end of the turn and leave in one write")
    func oneWritePerTurn() throws {
        let channel = try Self.connection()
        try channel.writeInbound(try Self.requests(5))
        #expect(try Self.writes(channel).isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try Self.writes(channel).map(\.count) == [5])
        _ = try channel.finish()
    }
}
