import Foundation
import NIOCore
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicTransport

@Suite("Response frames")
struct ResponseFrameTests {
    /// What SwiftProtobuf makes of `response`, framed.
    static func reference(_ response: Ttrpc_Response, streamID: UInt32) throws -> [UInt8] {
        FrameHeader.frame(streamID: streamID, type: .response, payload: try response.serializedBytes())
    }

    static func written(_ response: Ttrpc_Response, streamID: UInt32) throws -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        try buffer.writeResponseFrame(streamID: streamID, response)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    @Test(
        "a payload-only answer is byte for byte what SwiftProtobuf encodes, at every varint length",
        arguments: [0, 1, 2, 127, 128, 300, 16_383, 16_384, 2_097_151, 2_097_152])
    func payloadOnly(size: Int) throws {
        var response = Ttrpc_Response()
        response.payload = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        #expect(try Self.written(response, streamID: 7) == Self.reference(response, streamID: 7))
    }

    @Test("a header goes into a buffer as its 10 wire bytes")
    func header() {
        let header = FrameHeader(length: 0x0102_0304, streamID: 0xFFFF_FFFD, type: .data, flags: 0x05)
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        buffer.writeFrameHeader(header)
        #expect(buffer.readBytes(length: buffer.readableBytes) == header.bytes)
        #expect(header.bytes == [1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFD, 3, 5])
    }

    @Test("an answer with a status goes through SwiftProtobuf unchanged")
    func withStatus() throws {
        let response = Router.response(
            for: RPCError(.failedPrecondition, "no", reason: "INSUFFICIENT_BALANCE", metadata: ["balance_fen": "100"]))
        #expect(try Self.written(response, streamID: 0xFFFF_FFFF) == Self.reference(response, streamID: 0xFFFF_FFFF))
    }
}
