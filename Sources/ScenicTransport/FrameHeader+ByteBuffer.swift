import NIOCore
import ScenicRPC

extension ByteBuffer {
    /// Appends `header`'s 10 wire bytes (``FrameHeader/bytes``) without making an array:
    /// every frame in and out goes through here.
    mutating func writeFrameHeader(_ header: FrameHeader) {
        writeMultipleIntegers(header.length, header.streamID, header.type.rawValue, header.flags)
    }
}
