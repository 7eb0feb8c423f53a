import Foundation
import PropertyBased
import ScenicProto
import SwiftProtobuf
import Testing

@testable import ScenicRPC

/// One field of a hand-encoded request: the generator picks these so that the bytes hold
/// what SwiftProtobuf never writes but must read (repeats, unknown fields, groups, known
/// numbers with another wire type).
enum EnvelopeField: Sendable, CustomStringConvertible {
    case service(String)
    case method(String)
    case payload([UInt8])
    case timeout(Int64)
    case metadata(key: String, value: String, unknownInside: Bool)
    case unknownVarint(field: UInt64, UInt64)
    case unknownFixed32(field: UInt64)
    case unknownFixed64(field: UInt64)
    case unknownBytes(field: UInt64, [UInt8])
    case unknownGroup(field: UInt64)
    case serviceAsVarint(UInt64)
    /// A varint field whose key is padded to `length` bytes (0x80s and a closing 0x00).
    case paddedKey(field: UInt64, length: Int)

    static let names = ["", "grpc.health.v1.Health", "Check", "scenic.v1.Sales", "景区", "e\u{301}", String(repeating: "x", count: 200)]

    static let generator = zip(
        Gen.int(in: 0...11), Gen.element(of: names), Gen.element(of: names), Gen.uint8().array(of: 0...300),
        Gen.int64(), Gen.uint64(in: 6...(1 << 29) - 1)
    ).map { EnvelopeField(kind: $0.0, first: $0.1!, second: $0.2!, bytes: $0.3, number: $0.4, field: $0.5) }

    init(kind: Int, first: String, second: String, bytes: [UInt8], number: Int64, field: UInt64) {
        self =
            switch kind {
            case 0: .service(first)
            case 1: .method(first)
            case 2: .payload(bytes)
            case 3: .timeout(number)
            case 4: .metadata(key: first, value: second, unknownInside: number % 2 == 0)
            case 5: .unknownVarint(field: field, UInt64(bitPattern: number))
            case 6: .unknownFixed32(field: field)
            case 7: .unknownFixed64(field: field)
            case 8: .unknownBytes(field: field, bytes)
            case 9: .unknownGroup(field: field)
            case 10: .serviceAsVarint(UInt64(bitPattern: number))
            default: .paddedKey(field: field % 2 == 0 ? field : 3, length: bytes.count % 3 + 3)
            }
    }

    var description: String { "\(Array(bytes))" }

    var bytes: [UInt8] {
        switch self {
        case .service(let name): Self.lengthDelimited(1, Array(name.utf8))
        case .method(let name): Self.lengthDelimited(2, Array(name.utf8))
        case .payload(let bytes): Self.lengthDelimited(3, bytes)
        case .timeout(let nanos): Self.varint(4 << 3) + Self.varint(UInt64(bitPattern: nanos))
        case .metadata(let key, let value, let unknownInside):
            Self.lengthDelimited(
                5,
                Self.lengthDelimited(1, Array(key.utf8)) + (unknownInside ? Self.varint(9 << 3) + [1] : [])
                    + Self.lengthDelimited(2, Array(value.utf8)))
        case .unknownVarint(let field, let value): Self.varint(field << 3) + Self.varint(value)
        case .unknownFixed32(let field): Self.varint(field << 3 | 5) + [1, 2, 3, 4]
        case .unknownFixed64(let field): Self.varint(field << 3 | 1) + [1, 2, 3, 4, 5, 6, 7, 8]
        case .unknownBytes(let field, let bytes): Self.lengthDelimited(field, bytes)
        case .unknownGroup(let field):
            Self.varint(field << 3 | 3) + Self.varint(1 << 3) + [42] + Self.lengthDelimited(2, [1, 2])
                + Self.varint(field << 3 | 4)
        case .serviceAsVarint(let value): Self.varint(1 << 3) + Self.varint(value)
        case .paddedKey(let field, let length):
            Self.padded(Self.varint(field << 3), to: length) + [7]
        }
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }

    /// `varint` spread over `length` bytes, when it fits in fewer.
    static func padded(_ varint: [UInt8], to length: Int) -> [UInt8] {
        guard varint.count < length else { return varint }
        return varint.dropLast() + [varint.last! | 0x80] + [UInt8](repeating: 0x80, count: length - varint.count - 1) + [0]
    }

    static func lengthDelimited(_ field: UInt64, _ body: [UInt8]) -> [UInt8] {
        varint(field << 3 | 2) + varint(UInt64(body.count)) + body
    }
}

@Suite("Request envelope")
struct RequestEnvelopeTests {
    /// What the envelope reader found, as a `Ttrpc_Request`, or nil when it refused the bytes.
    /// Its strings are made without a check: the reader has checked them.
    static func read(_ bytes: [UInt8]) -> Ttrpc_Request? {
        bytes.withUnsafeBytes { raw -> Ttrpc_Request? in
            guard let envelope = try? RequestEnvelope(parsing: raw) else { return nil }
            var request = Ttrpc_Request()
            request.service = String(decoding: raw[envelope.service], as: UTF8.self)
            request.method = String(decoding: raw[envelope.method], as: UTF8.self)
            request.payload = Data(raw[envelope.payload])
            request.timeoutNano = envelope.timeoutNano
            for (key, value) in envelope.metadata {
                var keyValue = Ttrpc_KeyValue()
                keyValue.key = String(decoding: raw[key], as: UTF8.self)
                keyValue.value = String(decoding: raw[value], as: UTF8.self)
                request.metadata.append(keyValue)
            }
            return request
        }
    }

    /// SwiftProtobuf's reading of the same bytes, unknown fields dropped (the reader keeps none).
    static func reference(_ bytes: [UInt8]) -> Ttrpc_Request? {
        guard var request = try? Ttrpc_Request(serializedBytes: bytes) else { return nil }
        request.unknownFields = UnknownStorage()
        for index in request.metadata.indices { request.metadata[index].unknownFields = UnknownStorage() }
        return request
    }

    @Test("any mix of fields, repeats, unknown fields and groups reads as SwiftProtobuf reads it")
    func matchesSwiftProtobuf() async {
        await propertyCheck(count: 400, input: EnvelopeField.generator.array(of: 0...12)) { fields in
            let bytes = fields.flatMap(\.bytes)
            let expected = Self.reference(bytes)
            #expect(expected != nil)
            #expect(Self.read(bytes) == expected)
        }
    }

    @Test("cut short or with a byte changed: read as SwiftProtobuf reads it, refused when it refuses")
    func damagedBytes() async {
        await propertyCheck(
            count: 400, input: EnvelopeField.generator.array(of: 1...8), Gen.int(in: 0...10_000), Gen.uint8()
        ) { fields, position, byte in
            var bytes = fields.flatMap(\.bytes)
            let at = position % bytes.count
            if byte < 64 { bytes.removeLast(bytes.count - at) } else { bytes[at] = byte }
            #expect(Self.read(bytes) == Self.reference(bytes))
        }
    }

    @Test(
        "malformed envelopes are refused",
        arguments: [
            [0x0A, 0x05, 0x61],  // service longer than the frame
            [0x20, 0xFF, 0xFF],  // timeout varint cut short
            [0x20] + [UInt8](repeating: 0xFF, count: 10) + [0x01],  // varint over 64 bits
            [0x00, 0x01],  // field number 0
            [0x80, 0x80, 0x80, 0x80, 0x10, 0x01],  // field number 2^29, past protobuf's largest
            [0x98, 0xFF, 0xFF, 0xFF, 0x86, 0x00, 0x01],  // a key in six bytes (found by fuzzing)
            [0x0E, 0x01],  // wire type 6
            [0x0C],  // end of a group never started
            [0x33, 0x08, 0x01],  // group never ended
            [0x33, 0x3C],  // group ended under another number
            [0x0A, 0x01, 0x80, 0x0A, 0x00],  // a service that is not UTF-8, though overwritten
            [0x2A, 0x03, 0x12, 0x01, 0xFF],  // a metadata value that is not UTF-8
        ] as [[UInt8]])
    func malformed(bytes: [UInt8]) {
        #expect(Self.read(bytes) == nil)
        #expect(Self.reference(bytes) == nil)
    }

    /// `levels` groups of field 6, one inside the other.
    static func nestedGroups(_ levels: Int) -> [UInt8] {
        [UInt8](repeating: 0x33, count: levels) + [UInt8](repeating: 0x34, count: levels)
    }

    @Test("groups nest as deep as SwiftProtobuf lets them and no deeper, in the envelope and in a metadata entry")
    func deepGroups() {
        #expect(Self.read(Self.nestedGroups(99)) != nil)
        #expect(Self.read(Self.nestedGroups(100)) == nil)
        #expect(Self.reference(Self.nestedGroups(99)) != nil)
        #expect(Self.reference(Self.nestedGroups(100)) == nil)
        for levels in [98, 99] {
            let entry = EnvelopeField.lengthDelimited(5, Self.nestedGroups(levels))
            #expect((Self.read(entry) != nil) == (levels == 98))
            #expect((Self.reference(entry) != nil) == (levels == 98))
        }
        #expect(Self.read([UInt8](repeating: 0x33, count: 10_000)) == nil)
    }
}

