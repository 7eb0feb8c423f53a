/// One unit out of the ``FrameDecoder``.
public enum DecodedFrame: Sendable, Equatable {
    /// A complete frame and its payload. The payload shares the decoder's buffer: copy it
    /// to keep it past the next `append`, or that append copies the whole buffer.
    case frame(FrameHeader, payload: ArraySlice<UInt8>)
    /// A frame whose length is over the cap. Its payload is skipped as it arrives, never
    /// buffered; the caller answers its stream RESOURCE_EXHAUSTED.
    case oversized(FrameHeader)
}

/// Cuts a byte stream into ttrpc frames, however the bytes were split on their way.
///
/// Memory stays bounded by the cap: an oversized frame is reported from its header and
/// its payload discarded as it streams in. Feed bytes with `append`, then call `next()`
/// until it returns nil.
public struct FrameDecoder: Sendable {
    /// Largest payload accepted, in bytes (ttrpc's default is 4 MiB).
    public let maxPayloadSize: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var bytesToSkip = 0

    public static let defaultMaxPayloadSize = 4 << 20

    public init(maxPayloadSize: Int = FrameDecoder.defaultMaxPayloadSize) {
        self.maxPayloadSize = maxPayloadSize
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var bytes = bytes
        if bytesToSkip > 0, bufferedByteCount == 0 {
            let skipped = min(bytesToSkip, bytes.count)
            bytesToSkip -= skipped
            bytes = UnsafeRawBufferPointer(rebasing: bytes[skipped...])
        }
        guard !bytes.isEmpty else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete frame, or nil until more bytes arrive.
    public mutating func next() throws(FrameError) -> DecodedFrame? {
        if bytesToSkip > 0 {
            let skipped = min(bytesToSkip, bufferedByteCount)
            bytesToSkip -= skipped
            readIndex += skipped
            if bytesToSkip > 0 { return nil }
        }
        guard bufferedByteCount >= FrameHeader.size else { return nil }
        let header = try parseHeader(at: readIndex)
        let length = Int(header.length)
        if length > maxPayloadSize {
            readIndex += FrameHeader.size
            bytesToSkip = length
            let skipped = min(bytesToSkip, bufferedByteCount)
            bytesToSkip -= skipped
            readIndex += skipped
            return .oversized(header)
        }
        guard bufferedByteCount >= FrameHeader.size + length else { return nil }
        let start = readIndex + FrameHeader.size
        let payload = buffer[start..<start + length]
        readIndex = start + length
        return .frame(header, payload: payload)
    }

    private func parseHeader(at index: Int) throws(FrameError) -> FrameHeader {
        func u32(_ at: Int) -> UInt32 {
            UInt32(buffer[at]) << 24 | UInt32(buffer[at + 1]) << 16 | UInt32(buffer[at + 2]) << 8
                | UInt32(buffer[at + 3])
        }
        let rawType = buffer[index + 8]
        let flags = buffer[index + 9]
        guard let type = FrameType(rawValue: rawType) else { throw .unknownType(rawType) }
        guard flags & ~FrameHeader.knownFlags == 0 else { throw .unknownFlags(flags) }
        return FrameHeader(length: u32(index), streamID: u32(index + 4), type: type, flags: flags)
    }

    /// Drops consumed bytes before the buffer grows, so it never holds more than one
    /// partial frame plus the latest read.
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096, readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
