import Foundation
import SwiftProtobuf

/// The sizes every decoded request is held to before its handler runs: no string longer
/// than ``maxStringBytes``, no repeated field with more than ``maxRepeatedCount``
/// elements, no enum value the daemon does not know, at any depth. A handler's own limits are tighter (a refund takes at most
/// 100 codes); these keep a handler from ever doing work, or building an answer, in
/// proportion to a hostile request's size before it gets to check them.
public struct RequestBounds: Sendable {
    /// Longest string or bytes field, in bytes.
    public var maxStringBytes: Int
    /// Most elements in one repeated field.
    public var maxRepeatedCount: Int

    /// Large enough for every request Scenic defines (a product import of 20,000 rows, a
    /// note of a few hundred characters), far below what a 4 MiB frame could carry.
    public static let standard = RequestBounds(maxStringBytes: 4096, maxRepeatedCount: 20_000)

    public init(maxStringBytes: Int, maxRepeatedCount: Int) {
        self.maxStringBytes = maxStringBytes
        self.maxRepeatedCount = maxRepeatedCount
    }

    /// Throws INVALID_ARGUMENT with one violation, on the first field found out of bounds.
    public func check(_ message: some SwiftProtobuf.Message) throws {
        var visitor = BoundsVisitor(bounds: self, messageType: type(of: message), path: "")
        try message.traverse(visitor: &visitor)
    }
}

/// Walks a message and throws at the first field out of bounds. Only strings, bytes and
/// repeated fields can grow with the request, and only enums hold values the daemon may
/// not know (a client built from newer protos would have them silently ignored), so every
/// other field is passed over.
private struct BoundsVisitor: Visitor {
    let bounds: RequestBounds
    let messageType: any SwiftProtobuf.Message.Type
    let path: String

    private func field(_ number: Int, index: Int? = nil) -> String {
        path + FieldName.of(number, in: messageType) + (index.map { "[\($0)]" } ?? "")
    }

    private func tooLong(_ count: Int, _ number: Int, index: Int? = nil) throws {
        guard count > bounds.maxStringBytes else { return }
        throw RPCError.invalidArgument(
            "\(field(number, index: index)) is longer than \(bounds.maxStringBytes) bytes",
            violations: [.init(
                field: field(number, index: index), description: "must be at most \(bounds.maxStringBytes) bytes",
                reason: "TOO_LONG")])
    }

    private func tooMany(_ count: Int, _ number: Int) throws {
        guard count > bounds.maxRepeatedCount else { return }
        throw RPCError.invalidArgument(
            "\(field(number)) holds more than \(bounds.maxRepeatedCount) elements",
            violations: [.init(
                field: field(number), description: "must hold at most \(bounds.maxRepeatedCount) elements",
                reason: "TOO_MANY")])
    }

    private func unknown<E: Enum>(_ value: E, _ number: Int, index: Int? = nil) throws {
        guard let listed = value as? any CaseIterable & Equatable, !Self.isKnown(listed) else { return }
        let path = field(number, index: index)
        let raw = value.rawValue
        throw RPCError.invalidArgument(
            "\(path) has no value \(raw)",
            violations: [.init(field: path, description: "has no value \(raw)", reason: "UNKNOWN_ENUM_VALUE")])
    }

    /// Generated enums list every value they know in `allCases`; `UNRECOGNIZED` is not among them.
    private static func isKnown<C: CaseIterable & Equatable>(_ value: C) -> Bool {
        C.allCases.contains(value)
    }

    private func nested<M: SwiftProtobuf.Message>(_ value: M, path: String) throws {
        var visitor = BoundsVisitor(bounds: bounds, messageType: M.self, path: path + ".")
        try value.traverse(visitor: &visitor)
    }

    mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {}
    mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {}
    mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {}
    mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
    mutating func visitSingularEnumField<E: Enum>(value: E, fieldNumber: Int) throws {
        try unknown(value, fieldNumber)
    }

    mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {
        try tooLong(value.utf8.count, fieldNumber)
    }

    mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws {
        try tooLong(value.count, fieldNumber)
    }

    mutating func visitSingularMessageField<M: SwiftProtobuf.Message>(value: M, fieldNumber: Int) throws {
        try nested(value, path: field(fieldNumber))
    }

    mutating func visitRepeatedStringField(value: [String], fieldNumber: Int) throws {
        try tooMany(value.count, fieldNumber)
        for (index, element) in value.enumerated() { try tooLong(element.utf8.count, fieldNumber, index: index) }
    }

    mutating func visitRepeatedBytesField(value: [Data], fieldNumber: Int) throws {
        try tooMany(value.count, fieldNumber)
        for (index, element) in value.enumerated() { try tooLong(element.count, fieldNumber, index: index) }
    }

    mutating func visitRepeatedMessageField<M: SwiftProtobuf.Message>(value: [M], fieldNumber: Int) throws {
        try tooMany(value.count, fieldNumber)
        for (index, element) in value.enumerated() { try nested(element, path: field(fieldNumber, index: index)) }
    }

    // Repeated scalars come packed or not; either way only their count can grow.
    mutating func visitRepeatedInt32Field(value: [Int32], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitRepeatedInt64Field(value: [Int64], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitRepeatedUInt32Field(value: [UInt32], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitRepeatedUInt64Field(value: [UInt64], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitRepeatedBoolField(value: [Bool], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitRepeatedEnumField<E: Enum>(value: [E], fieldNumber: Int) throws {
        try tooMany(value.count, fieldNumber)
        for (index, element) in value.enumerated() { try unknown(element, fieldNumber, index: index) }
    }
    mutating func visitPackedInt32Field(value: [Int32], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitPackedInt64Field(value: [Int64], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitPackedUInt32Field(value: [UInt32], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitPackedUInt64Field(value: [UInt64], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitPackedBoolField(value: [Bool], fieldNumber: Int) throws { try tooMany(value.count, fieldNumber) }
    mutating func visitPackedEnumField<E: Enum>(value: [E], fieldNumber: Int) throws {
        try visitRepeatedEnumField(value: value, fieldNumber: fieldNumber)
    }

    // Scenic's protos have no maps (protobuf-c 1.4 lacks them); a map's size is still its count.
    mutating func visitMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type, value: _ProtobufMap<KeyType, ValueType>.BaseType, fieldNumber: Int
    ) throws { try tooMany(value.count, fieldNumber) }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type, value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws where ValueType.RawValue == Int { try tooMany(value.count, fieldNumber) }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type, value: _ProtobufMessageMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws { try tooMany(value.count, fieldNumber) }

    /// Fields this build does not know were kept as bytes; the frame cap bounds them, and
    /// no handler reads them.
    mutating func visitUnknown(bytes: Data) throws {}
}

/// A field's name in its `.proto` file, for a violation's path. SwiftProtobuf keeps its
/// name tables internal; its text format is the public way to them: a message holding
/// only that field prints as `name: …` or `name {…}` (a field it does not know prints under
/// its number). Asked only when a request is refused.
enum FieldName {
    static func of<M: SwiftProtobuf.Message>(_ number: Int, in type: M.Type) -> String {
        // A value of each wire type Scenic uses: a varint of 1 (a number, a bool, an enum),
        // a one-byte string, an empty message.
        for (wireType, body): (UInt64, [UInt8]) in [(0, [1]), (2, [1, 0x61]), (2, [0])] {
            guard let single = try? M(serializedBytes: key(number, wireType) + body) else { continue }
            let text = single.textFormatString()
            let name = text.prefix { $0 != ":" && $0 != " " }
            if let first = name.first, first.isLetter { return String(name) }
        }
        return "field \(number)"
    }

    private static func key(_ number: Int, _ wireType: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var value = UInt64(number) << 3 | wireType
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }
}
