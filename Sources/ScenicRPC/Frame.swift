/// The kind of a ttrpc frame (byte 8 of its header).
public enum FrameType: UInt8, Sendable {
    case request = 1
    case response = 2
    /// A stream's data frame. Scenic serves unary calls only and refuses these.
    case data = 3
}

/// The 10-byte header in front of every ttrpc frame: payload length (u32, big-endian),
/// stream id (u32, big-endian), type (u8), flags (u8).
public struct FrameHeader: Sendable, Equatable {
    public static let size = 10
    /// The flag bits ttrpc defines: remote closed, remote open, no data.
    public static let knownFlags: UInt8 = 0x07

    public var length: UInt32
    public var streamID: UInt32
    public var type: FrameType
    public var flags: UInt8

    public init(length: UInt32, streamID: UInt32, type: FrameType, flags: UInt8 = 0) {
        self.length = length
        self.streamID = streamID
        self.type = type
        self.flags = flags
    }

    /// The header's 10 bytes as they go on the wire.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.size) { buffer, count in
            store(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.size
        }
    }

    /// Writes the 10 wire bytes at the start of `buffer`, which must hold at least that many.
    public func store(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size)
        buffer.storeBytes(of: length.bigEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: streamID.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer[8] = type.rawValue
        buffer[9] = flags
    }

    /// The whole frame: this header with `length` set from `payload`, then the payload.
    public static func frame(streamID: UInt32, type: FrameType, payload: [UInt8]) -> [UInt8] {
        FrameHeader(length: UInt32(payload.count), streamID: streamID, type: type).bytes + payload
    }
}

/// What is wrong with a header in itself. The connection it arrived on cannot be trusted
/// to stay in step any more, so it is closed.
public enum FrameError: Error, Equatable, CustomStringConvertible {
    case unknownType(UInt8)
    case unknownFlags(UInt8)

    public var description: String {
        switch self {
        case .unknownType(let type): "unknown frame type \(type)"
        case .unknownFlags(let flags): "reserved flag bits set (flags 0x\(String(flags, radix: 16)))"
        }
    }
}
