import NIOCore
import ScenicProto
import ScenicRPC

extension ByteBuffer {
    /// Appends `response` as a ttrpc response frame, or throws ``ResponseTooLarge`` and
    /// appends nothing when its data would exceed `limit` bytes.
    ///
    /// A response that is its payload alone, as every successful answer is, is encoded
    /// here straight from the payload: `Response.payload` is field 2, length-delimited, and
    /// proto3 leaves it out when empty. That spares an encoder pass and a copy of the
    /// payload per answer; anything else (a status) goes through SwiftProtobuf.
    mutating func writeResponseFrame(streamID: UInt32, _ response: Ttrpc_Response, limit: Int = .max) throws {
        guard !response.hasStatus, response.unknownFields.data.isEmpty else {
            let body: [UInt8] = try response.serializedBytes()
            guard body.count <= limit else { throw ResponseTooLarge(length: body.count) }
            writeFrameHeader(FrameHeader(length: UInt32(body.count), streamID: streamID, type: .response))
            writeBytes(body)
            return
        }
        let payload = response.payload
        let count = UInt64(payload.count)
        var varintSize = 1
        while count >> (7 * UInt64(varintSize)) != 0 { varintSize += 1 }
        let length = payload.isEmpty ? 0 : 1 + varintSize + payload.count
        guard length <= limit else { throw ResponseTooLarge(length: length) }
        let header = FrameHeader(length: UInt32(length), streamID: streamID, type: .response)
        // One reservation for the whole frame: each small write checks capacity and
        // ownership on its own, and that showed in the profile of pipelined calls.
        writeWithUnsafeMutableBytes(minimumWritableBytes: FrameHeader.size + length) { frame in
            header.store(into: frame)
            guard length > 0 else { return FrameHeader.size }
            var at = FrameHeader.size
            frame[at] = 2 << 3 | 2  // field 2, wire type 2
            at += 1
            var remaining = count
            while remaining >= 0x80 {
                frame[at] = UInt8(truncatingIfNeeded: remaining) | 0x80
                remaining >>= 7
                at += 1
            }
            frame[at] = UInt8(remaining)
            at += 1
            payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: frame[at...]).copyMemory(from: $0) }
            return FrameHeader.size + length
        }
    }
}

/// A response whose frame would exceed the largest frame the connection allows: a client
/// must never receive a frame larger than it could send.
struct ResponseTooLarge: Error {
    let length: Int
}
