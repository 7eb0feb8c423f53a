import NIOCore
import ScenicProto
import ScenicRPC

extension ByteBuffer {
    /// Appends `response` as a ttrpc response frame.
    ///
    /// A response that is its payload alone, as every successful answer is, is encoded
    /// here straight from the payload: `Response.payload` is field 2, length-delimited, and
    /// proto3 leaves it out when empty. That spares an encoder pass and a copy of the
    /// payload per answer; anything else (a status) goes through SwiftProtobuf.
    mutating func writeResponseFrame(streamID: UInt32, _ response: Ttrpc_Response) throws {
        guard !response.hasStatus, response.unknownFields.data.isEmpty else {
            let body: [UInt8] = try response.serializedBytes()
            writeFrameHeader(FrameHeader(length: UInt32(body.count), streamID: streamID, type: .response))
            writeBytes(body)
            return
        }
        let payload = response.payload
        let count = UInt64(payload.count)
        var varintSize = 1
        while count >> (7 * UInt64(varintSize)) != 0 { varintSize += 1 }
        let length = payload.isEmpty ? 0 : 1 + varintSize + payload.count
        writeFrameHeader(FrameHeader(length: UInt32(length), streamID: streamID, type: .response))
        guard !payload.isEmpty else { return }
        writeInteger(UInt8(2 << 3 | 2))  // field 2, wire type 2
        var remaining = count
        while remaining >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        writeInteger(UInt8(remaining))
        writeBytes(payload)
    }
}
