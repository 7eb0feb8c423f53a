import Foundation
import ScenicClient
import Synchronization

/// A message type's fields as protobuf's JSON mapping names them, each with the value it
/// has when left at its default: what proto3's JSON leaves out and ``ProtoJSON`` writes.
///
/// SwiftProtobuf has no option to write defaults, and no descriptors at run time. The
/// fields are found by running the type's generated `decodeMessage` with ``FieldProbe``,
/// which offers one field number and learns the field's type from the method the
/// generated code calls for it; the probe then sets a value JSON writes, so that the
/// field's JSON name is the one key of the message's JSON.
struct FieldSchema: Sendable {
    /// A default as JSON writes it.
    enum Zero: Sendable {
        case number, bool, list, object
        /// A 64-bit integer ("0"), a string or bytes (""), an enum (its zero's name).
        case string(String)

        var json: Any {
            switch self {
            case .number: 0
            case .bool: false
            case .list: [Any]()
            case .object: [String: Any]()
            case .string(let text): text
            }
        }
    }

    enum Shape: Sendable {
        /// A field without presence, written as `zero` when at its default.
        case scalar(zero: Zero)
        /// A message: written only when set (it has presence), then with all its fields.
        case message(any Message.Type)
        /// A repeated message: `[]` when empty, else each element with all its fields.
        case messages(any Message.Type)
        /// A map whose values are messages: `{}` when empty, else each value with all its fields.
        case messageMap(any Message.Type)
    }

    struct Field: Sendable {
        let name: String
        let shape: Shape
    }

    let fields: [Field]

    /// The field numbers tried: all whose tags fit in two bytes, as protobuf's style guide
    /// asks of a message's fields. A field numbered above is written only when set.
    static let numbers = 1...2047

    /// Each type's fields, found once a process.
    private static let known = Mutex<[ObjectIdentifier: FieldSchema]>([:])

    static func of(_ type: any Message.Type) throws -> FieldSchema {
        if let schema = known.withLock({ $0[ObjectIdentifier(type)] }) { return schema }
        let schema = try FieldSchema(type)
        known.withLock { $0[ObjectIdentifier(type)] = schema }
        return schema
    }

    private init<M: Message>(_ type: M.Type) throws {
        var fields: [Field] = []
        for number in Self.numbers {
            var probe = FieldProbe(number: number)
            var message = M()
            try message.decodeMessage(decoder: &probe)
            guard let shape = probe.shape,
                let written = try JSONSerialization.jsonObject(with: message.jsonUTF8Data()) as? [String: Any],
                let name = written.keys.first
            else { continue }
            fields.append(Field(name: name, shape: shape))
        }
        self.fields = fields
    }
}

/// The decoder ``FieldSchema`` runs a generated `decodeMessage` with: it offers one field
/// number, notes the shape of the field the generated code decodes for it, and sets that
/// field to a value JSON writes. A field with presence (proto3 `optional`, a member of a
/// oneof) comes through an optional and is left unset: JSON writes it only when set.
struct FieldProbe: SwiftProtobuf.Decoder {
    let number: Int
    private var offered = false
    private(set) var shape: FieldSchema.Shape?

    init(number: Int) {
        self.number = number
    }

    mutating func nextFieldNumber() throws -> Int? {
        defer { offered = true }
        return offered ? nil : number
    }

    mutating func handleConflictingOneOf() throws {}

    private mutating func scalar<T>(_ value: inout T, _ probe: T, zero: FieldSchema.Zero) {
        shape = .scalar(zero: zero)
        value = probe
    }

    private mutating func list<T>(_ value: inout [T], _ probe: T) {
        shape = .scalar(zero: .list)
        value = [probe]
    }

    mutating func decodeSingularFloatField(value: inout Float) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularFloatField(value: inout Float?) throws {}
    mutating func decodeRepeatedFloatField(value: inout [Float]) throws { list(&value, 1) }
    mutating func decodeSingularDoubleField(value: inout Double) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularDoubleField(value: inout Double?) throws {}
    mutating func decodeRepeatedDoubleField(value: inout [Double]) throws { list(&value, 1) }
    mutating func decodeSingularInt32Field(value: inout Int32) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularInt32Field(value: inout Int32?) throws {}
    mutating func decodeRepeatedInt32Field(value: inout [Int32]) throws { list(&value, 1) }
    mutating func decodeSingularInt64Field(value: inout Int64) throws { scalar(&value, 1, zero: .string("0")) }
    mutating func decodeSingularInt64Field(value: inout Int64?) throws {}
    mutating func decodeRepeatedInt64Field(value: inout [Int64]) throws { list(&value, 1) }
    mutating func decodeSingularUInt32Field(value: inout UInt32) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularUInt32Field(value: inout UInt32?) throws {}
    mutating func decodeRepeatedUInt32Field(value: inout [UInt32]) throws { list(&value, 1) }
    mutating func decodeSingularUInt64Field(value: inout UInt64) throws { scalar(&value, 1, zero: .string("0")) }
    mutating func decodeSingularUInt64Field(value: inout UInt64?) throws {}
    mutating func decodeRepeatedUInt64Field(value: inout [UInt64]) throws { list(&value, 1) }
    mutating func decodeSingularSInt32Field(value: inout Int32) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularSInt32Field(value: inout Int32?) throws {}
    mutating func decodeRepeatedSInt32Field(value: inout [Int32]) throws { list(&value, 1) }
    mutating func decodeSingularSInt64Field(value: inout Int64) throws { scalar(&value, 1, zero: .string("0")) }
    mutating func decodeSingularSInt64Field(value: inout Int64?) throws {}
    mutating func decodeRepeatedSInt64Field(value: inout [Int64]) throws { list(&value, 1) }
    mutating func decodeSingularFixed32Field(value: inout UInt32) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularFixed32Field(value: inout UInt32?) throws {}
    mutating func decodeRepeatedFixed32Field(value: inout [UInt32]) throws { list(&value, 1) }
    mutating func decodeSingularFixed64Field(value: inout UInt64) throws { scalar(&value, 1, zero: .string("0")) }
    mutating func decodeSingularFixed64Field(value: inout UInt64?) throws {}
    mutating func decodeRepeatedFixed64Field(value: inout [UInt64]) throws { list(&value, 1) }
    mutating func decodeSingularSFixed32Field(value: inout Int32) throws { scalar(&value, 1, zero: .number) }
    mutating func decodeSingularSFixed32Field(value: inout Int32?) throws {}
    mutating func decodeRepeatedSFixed32Field(value: inout [Int32]) throws { list(&value, 1) }
    mutating func decodeSingularSFixed64Field(value: inout Int64) throws { scalar(&value, 1, zero: .string("0")) }
    mutating func decodeSingularSFixed64Field(value: inout Int64?) throws {}
    mutating func decodeRepeatedSFixed64Field(value: inout [Int64]) throws { list(&value, 1) }
    mutating func decodeSingularBoolField(value: inout Bool) throws { scalar(&value, true, zero: .bool) }
    mutating func decodeSingularBoolField(value: inout Bool?) throws {}
    mutating func decodeRepeatedBoolField(value: inout [Bool]) throws { list(&value, true) }
    mutating func decodeSingularStringField(value: inout String) throws { scalar(&value, "x", zero: .string("")) }
    mutating func decodeSingularStringField(value: inout String?) throws {}
    mutating func decodeRepeatedStringField(value: inout [String]) throws { list(&value, "x") }
    mutating func decodeSingularBytesField(value: inout Data) throws { scalar(&value, Data([1]), zero: .string("")) }
    mutating func decodeSingularBytesField(value: inout Data?) throws {}
    mutating func decodeRepeatedBytesField(value: inout [Data]) throws { list(&value, Data([1])) }

    mutating func decodeSingularEnumField<E: Enum>(value: inout E) throws where E.RawValue == Int {
        // A value without a name is written as its number, which still names the field.
        scalar(&value, E(rawValue: 1) ?? E(), zero: EnumZero<E>.name.map(FieldSchema.Zero.string) ?? .number)
    }
    mutating func decodeSingularEnumField<E: Enum>(value: inout E?) throws where E.RawValue == Int {}
    mutating func decodeRepeatedEnumField<E: Enum>(value: inout [E]) throws where E.RawValue == Int { list(&value, E()) }

    mutating func decodeSingularMessageField<M: Message>(value: inout M?) throws {
        shape = .message(M.self)
        value = M()
    }
    mutating func decodeRepeatedMessageField<M: Message>(value: inout [M]) throws {
        shape = .messages(M.self)
        value = [M()]
    }
    mutating func decodeSingularGroupField<G: Message>(value: inout G?) throws {
        try decodeSingularMessageField(value: &value)
    }
    mutating func decodeRepeatedGroupField<G: Message>(value: inout [G]) throws {
        try decodeRepeatedMessageField(value: &value)
    }

    mutating func decodeMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type, value: inout _ProtobufMap<KeyType, ValueType>.BaseType
    ) throws {
        shape = .scalar(zero: .object)
        value = [KeyType.proto3DefaultValue: ValueType.proto3DefaultValue]
    }
    mutating func decodeMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type, value: inout _ProtobufEnumMap<KeyType, ValueType>.BaseType
    ) throws where ValueType.RawValue == Int {
        shape = .scalar(zero: .object)
        value = [KeyType.proto3DefaultValue: ValueType()]
    }
    mutating func decodeMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type, value: inout _ProtobufMessageMap<KeyType, ValueType>.BaseType
    ) throws {
        shape = .messageMap(ValueType.self)
        value = [KeyType.proto3DefaultValue: ValueType()]
    }

    mutating func decodeExtensionField(values: inout ExtensionFieldValueSet, messageType: any Message.Type, fieldNumber: Int) throws {}
}

/// A message of one repeated enum field, for the name of the enum's zero value: JSON
/// writes a singular enum field only when it is not zero, but every element of a list.
private struct EnumZero<E: SwiftProtobuf.Enum>: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase,
    SwiftProtobuf._ProtoNameProviding
where E.RawValue == Int {
    static var protoMessageName: String { "scenic.cli.EnumZero" }
    // Field 1, `values`, in the form protoc-gen-swift writes name maps.
    static var _protobuf_nameMap: SwiftProtobuf._NameMap { SwiftProtobuf._NameMap(bytecode: "\0\u{1}values\0") }

    var values: [E] = []
    var unknownFields = SwiftProtobuf.UnknownStorage()

    /// The zero's name, e.g. `EVENT_KIND_UNSPECIFIED`; nil if the enum has none.
    static var name: String? {
        let written = try? JSONSerialization.jsonObject(with: EnumZero(values: [E()]).jsonUTF8Data()) as? [String: [Any]]
        return written?["values"]?.first as? String
    }

    mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
        while let number = try decoder.nextFieldNumber() {
            if number == 1 { try decoder.decodeRepeatedEnumField(value: &values) }
        }
    }

    func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
        if !values.isEmpty { try visitor.visitRepeatedEnumField(value: values, fieldNumber: 1) }
    }
}
