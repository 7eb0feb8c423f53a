import NIOCore
import ScenicRPC

extension ByteBuffer {
    /// Appends `header`'s 10 wire bytes (``FrameHeader/bytes``) without making an array:
    /// every frame in and out goes through here.
    mutating func writeFrameHeader(_ header: FrameHeader) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: FrameHeader.size) { buffer in
            header.store(into: buffer)
            return FrameHeader.size
        }
    }
}
