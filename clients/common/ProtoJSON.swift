import Foundation
import ScenicClient

/// The JSON every command prints: protobuf's JSON mapping (64-bit integers as strings,
/// enums by name, fields by their JSON names) with every field written, zeros, empty
/// strings and empty lists included, where proto3 leaves defaults out. A script then reads
/// `balanceFen` as "0" instead of finding no such key. A message field left unset is left
/// out, as protobuf's own option for defaults does: it has presence, and unset is not zero.
/// Keys are sorted.
public enum ProtoJSON {
    public static func text(_ message: any Message) throws -> String {
        try text(object(message))
    }

    /// An object of ``object(_:)`` as text.
    public static func text(_ object: [String: Any]) throws -> String {
        try JSONText.text(object)
    }

    /// The JSON object, for a caller that also reads fields of it.
    public static func object(_ message: any Message) throws -> [String: Any] {
        let written = try JSONSerialization.jsonObject(with: message.jsonUTF8Data()) as? [String: Any] ?? [:]
        return try completed(written, as: type(of: message))
    }

    /// `object`, written for a message of `type`, with the fields JSON left out at their defaults.
    private static func completed(_ object: [String: Any], as type: any Message.Type) throws -> [String: Any] {
        // A well-known type's JSON is not its fields (a Timestamp is a string, a Struct any object).
        guard !type.protoMessageName.hasPrefix("google.protobuf.") else { return object }
        var object = object
        for field in try FieldSchema.of(type).fields {
            let value = object[field.name]
            switch field.shape {
            case .scalar(let zero):
                if value == nil { object[field.name] = zero.json }
            case .message(let type):
                if let nested = value as? [String: Any] { object[field.name] = try completed(nested, as: type) }
            case .messages(let type):
                object[field.name] = try (value as? [Any] ?? []).map { element in
                    try (element as? [String: Any]).map { try completed($0, as: type) } ?? element
                }
            case .messageMap(let type):
                object[field.name] = try (value as? [String: Any] ?? [:]).mapValues { entry in
                    try (entry as? [String: Any]).map { try completed($0, as: type) } ?? entry
                }
            }
        }
        return object
    }
}
