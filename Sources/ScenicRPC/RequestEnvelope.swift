/// A ttrpc `Request` read where it lies in its frame: where its service, method and
/// payload are, its timeout, and its metadata entries, without making a string or a copy.
///
/// Every call passes through here, and decoding the envelope into a `Ttrpc_Request` made
/// two strings, a `Data` and a message per call before anything knew whether the method
/// existed. The router compares these bytes with the names it serves instead, and the
/// context reuses the names it registered.
///
/// It accepts and refuses what SwiftProtobuf does: the last occurrence of a field wins,
/// a known field with an unexpected wire type and unknown fields (groups included) are
/// skipped, and every string, overwritten or not, must be UTF-8.
struct RequestEnvelope {
    /// Byte ranges of the frame's payload.
    var service = 0..<0
    var method = 0..<0
    var payload = 0..<0
    /// Relative deadline in nanoseconds; 0 or less means none.
    var timeoutNano: Int64 = 0
    /// Each `KeyValue` entry's key and value, in the order sent.
    var metadata: [(key: Range<Int>, value: Range<Int>)] = []

    /// Why a frame is not a ttrpc `Request`.
    enum Malformed: Error {
        case truncated
        case badVarint
        case badFieldNumber
        case badWireType
        case unbalancedGroup
        case tooDeep
        case invalidUTF8
    }

    private enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    /// SwiftProtobuf's nesting limit, which counts each message around a group as one
    /// level: a frame of start-group keys cannot recurse deeper than this.
    private static let depthLimit = 100

    init(parsing bytes: UnsafeRawBufferPointer) throws(Malformed) {
        var reader = Reader(bytes: bytes)
        while !reader.atEnd {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): service = try reader.string()
            case (2, .lengthDelimited): method = try reader.string()
            case (3, .lengthDelimited): payload = try reader.lengthDelimited()
            case (4, .varint): timeoutNano = Int64(bitPattern: try reader.varint())
            case (5, .lengthDelimited): metadata.append(try Self.keyValue(in: bytes, at: try reader.lengthDelimited()))
            default: try reader.skip(field: field, wireType: wireType, levelsLeft: Self.depthLimit - 1)
            }
        }
    }

    /// A `KeyValue` (key 1, value 2) occupying `range` of `bytes`.
    private static func keyValue(
        in bytes: UnsafeRawBufferPointer, at range: Range<Int>
    ) throws(Malformed) -> (key: Range<Int>, value: Range<Int>) {
        var reader = Reader(bytes: bytes, index: range.lowerBound, end: range.upperBound)
        var key = range.lowerBound..<range.lowerBound
        var value = key
        while !reader.atEnd {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): key = try reader.string()
            case (2, .lengthDelimited): value = try reader.string()
            default: try reader.skip(field: field, wireType: wireType, levelsLeft: Self.depthLimit - 2)
            }
        }
        return (key, value)
    }

    /// Reads `bytes[index..<end]`; ranges it returns are positions in `bytes`.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index: Int
        let end: Int

        init(bytes: UnsafeRawBufferPointer, index: Int = 0, end: Int? = nil) {
            self.bytes = bytes
            self.index = index
            self.end = end ?? bytes.count
        }

        var atEnd: Bool { index == end }

        mutating func varint() throws(Malformed) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < end {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
                if shift >= 64 { throw .badVarint }
            }
            throw .truncated
        }

        /// A field's key. SwiftProtobuf reads a message's keys in at most five bytes and
        /// those inside a group as any varint, each under 2^32 (so field numbers stay
        /// under 2^29), and so does this.
        mutating func tag(inGroup: Bool = false) throws(Malformed) -> (field: UInt64, wireType: WireType) {
            let start = index
            let key = try varint()
            guard key < 1 << 32, inGroup || index - start <= 5, key >> 3 != 0 else { throw .badFieldNumber }
            guard let wireType = WireType(rawValue: key & 7) else { throw .badWireType }
            return (key >> 3, wireType)
        }

        mutating func lengthDelimited() throws(Malformed) -> Range<Int> {
            let length = try varint()
            guard length <= UInt64(end - index) else { throw .truncated }
            let range = index..<index + Int(length)
            index = range.upperBound
            return range
        }

        /// A length-delimited field that must be UTF-8. Names are ASCII, so that is checked
        /// first; anything else goes through the standard library's parser.
        mutating func string() throws(Malformed) -> Range<Int> {
            let range = try lengthDelimited()
            let text = UnsafeRawBufferPointer(rebasing: bytes[range])
            guard !text.allSatisfy({ $0 < 0x80 }) else { return range }
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = text.makeIterator()
            while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid: continue
                case .emptyInput: return range
                case .error: throw .invalidUTF8
                }
            }
        }

        mutating func advance(by count: Int) throws(Malformed) {
            guard count <= end - index else { throw .truncated }
            index += count
        }

        /// Skips a field; a group may hold `levelsLeft` levels of groups, itself included.
        mutating func skip(field: UInt64, wireType: WireType, levelsLeft: Int) throws(Malformed) {
            switch wireType {
            case .varint: _ = try varint()
            case .fixed64: try advance(by: 8)
            case .fixed32: try advance(by: 4)
            case .lengthDelimited: _ = try lengthDelimited()
            case .endGroup: throw .unbalancedGroup
            case .startGroup:
                guard levelsLeft > 0 else { throw .tooDeep }
                while true {
                    guard !atEnd else { throw .truncated }
                    let (inner, innerType) = try tag(inGroup: true)
                    if innerType == .endGroup {
                        guard inner == field else { throw .unbalancedGroup }
                        return
                    }
                    try skip(field: inner, wireType: innerType, levelsLeft: levelsLeft - 1)
                }
            }
        }
    }
}
