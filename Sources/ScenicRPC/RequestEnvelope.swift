/// A ttrpc `Request` read where it lies in its frame: where its service, method and
/// payload are, its timeout, and its metadata entries, without making a string or a copy.
///
/// Every call passes through here, and decoding the envelope into a `Ttrpc_Request` made
/// two strings (validating their UTF-8), a `Data` and a message per call before anything
/// knew whether the method existed. The router compares these bytes with the names it
/// serves instead, and the context reuses the names it registered.
///
/// It reads what SwiftProtobuf reads: the last occurrence of a field wins, a known field
/// with an unexpected wire type and unknown fields (groups included) are skipped. Strings
/// are not checked for UTF-8 here; a name that matches a route is valid by construction,
/// and one that does not is checked when the refusal names it.
struct RequestEnvelope {
    /// Byte ranges of the frame's payload.
    var service = 0..<0
    var method = 0..<0
    var payload = 0..<0
    /// Relative deadline in nanoseconds; 0 or less means none.
    var timeoutNano: Int64 = 0
    /// Each `KeyValue` entry's bytes, in the order sent.
    var metadata: [Range<Int>] = []

    /// Why a frame is not a ttrpc `Request`.
    enum Malformed: Error {
        case truncated
        case badVarint
        case badFieldNumber
        case badWireType
        case unbalancedGroup
    }

    private enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    private static let largestFieldNumber: UInt64 = (1 << 29) - 1

    /// Protobuf's own nesting limit, so a frame of start-group tags cannot recurse deeper.
    private static let groupDepthLimit = 100

    init(parsing bytes: UnsafeRawBufferPointer) throws(Malformed) {
        var reader = Reader(bytes: bytes)
        while !reader.atEnd {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): service = try reader.lengthDelimited()
            case (2, .lengthDelimited): method = try reader.lengthDelimited()
            case (3, .lengthDelimited): payload = try reader.lengthDelimited()
            case (4, .varint): timeoutNano = Int64(bitPattern: try reader.varint())
            case (5, .lengthDelimited): metadata.append(try reader.lengthDelimited())
            default: try reader.skip(field: field, wireType: wireType, depth: 0)
            }
        }
    }

    /// A metadata entry's key and value (a `KeyValue`: fields 1 and 2), as byte ranges of
    /// `bytes`.
    static func keyValue(in bytes: UnsafeRawBufferPointer) throws(Malformed) -> (key: Range<Int>, value: Range<Int>) {
        var reader = Reader(bytes: bytes)
        var key = 0..<0
        var value = 0..<0
        while !reader.atEnd {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): key = try reader.lengthDelimited()
            case (2, .lengthDelimited): value = try reader.lengthDelimited()
            default: try reader.skip(field: field, wireType: wireType, depth: 0)
            }
        }
        return (key, value)
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func varint() throws(Malformed) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                if shift >= 64 { throw .badVarint }
            }
            throw .truncated
        }

        mutating func tag() throws(Malformed) -> (field: UInt64, wireType: WireType) {
            let key = try varint()
            let field = key >> 3
            guard (1...RequestEnvelope.largestFieldNumber).contains(field) else { throw .badFieldNumber }
            guard let wireType = WireType(rawValue: key & 7) else { throw .badWireType }
            return (field, wireType)
        }

        mutating func lengthDelimited() throws(Malformed) -> Range<Int> {
            let length = try varint()
            guard length <= UInt64(bytes.count - index) else { throw .truncated }
            let range = index..<index + Int(length)
            index = range.upperBound
            return range
        }

        mutating func advance(by count: Int) throws(Malformed) {
            guard count <= bytes.count - index else { throw .truncated }
            index += count
        }

        mutating func skip(field: UInt64, wireType: WireType, depth: Int) throws(Malformed) {
            switch wireType {
            case .varint: _ = try varint()
            case .fixed64: try advance(by: 8)
            case .fixed32: try advance(by: 4)
            case .lengthDelimited: _ = try lengthDelimited()
            case .endGroup: throw .unbalancedGroup
            case .startGroup:
                guard depth < RequestEnvelope.groupDepthLimit else { throw .unbalancedGroup }
                while true {
                    guard !atEnd else { throw .truncated }
                    let (inner, innerType) = try tag()
                    if innerType == .endGroup {
                        guard inner == field else { throw .unbalancedGroup }
                        return
                    }
                    try skip(field: inner, wireType: innerType, depth: depth + 1)
                }
            }
        }
    }
}
