import Foundation

/// JSON text of a value as `JSONSerialization` reads it and ``ProtoJSON`` completes it
/// (strings, numbers, booleans, null, lists and objects), keys sorted by code point (as
/// `jq -S` sorts them), slashes unescaped, non-ASCII written as UTF-8.
///
/// Foundation's own writer takes about a quarter of a millisecond an object of 30 fields on
/// Linux, and four times that with sorted keys: most of a `--json` page of 50 vouchers' time.
enum JSONText {
    /// A value with no JSON form, described when thrown (an error is sendable; the value
    /// need not be).
    struct Unwritable: Error, CustomStringConvertible {
        let description: String
        init(value: Any) { description = "no JSON for \(type(of: value)): \(value)" }
    }

    static func text(_ value: Any) throws -> String {
        var text = ""
        try append(value, to: &text)
        return text
    }

    private static func append(_ value: Any, to text: inout String) throws {
        switch value {
        case let string as String:
            appendString(string, to: &text)
        case let object as [String: Any]:
            text += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                try append(object[key]!, to: &text)
            }
            text += "}"
        case let list as [Any]:
            text += "["
            for (index, element) in list.enumerated() {
                if index > 0 { text += "," }
                try append(element, to: &text)
            }
            text += "]"
        case is NSNull:
            text += "null"
        default:
            text += try scalar(value)
        }
    }

    /// A number or boolean. What JSONSerialization reads is an NSNumber (a boolean one of
    /// type "c"), which also casts to Bool and Int: its own type says which it is.
    private static func scalar(_ value: Any) throws -> String {
        if type(of: value) is NSNumber.Type, let number = value as? NSNumber {
            switch String(cString: number.objCType) {
            case "c", "B": return number.boolValue ? "true" : "false"
            case "f", "d": return try double(number.doubleValue)
            case "Q": return String(number.uint64Value)
            default: return String(number.int64Value)
            }
        }
        if type(of: value) == Bool.self, let flag = value as? Bool { return flag ? "true" : "false" }
        if let integer = value as? any BinaryInteger { return String(describing: integer) }
        if let number = value as? Double { return try double(number) }
        throw Unwritable(value: value)
    }

    private static func double(_ number: Double) throws -> String {
        guard number.isFinite else { throw Unwritable(value: number) }
        return String(describing: number)
    }

    private static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20: text += String(format: "\\u%04x", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
