/// Reads CSV as RFC 4180 writes it: comma-separated, fields in double quotes may hold
/// commas, quotes (doubled) and line breaks; CRLF or LF line ends; blank lines skipped.
public enum CSVReader {
    public struct Malformed: Error, CustomStringConvertible {
        public var line: Int
        public var description: String { "line \(line): a quoted field is not closed" }
    }

    /// Every record, each with the line it starts on.
    public static func records(_ text: String) throws -> [(line: Int, fields: [String])] {
        let characters = Array(text)
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var index = 0
        func endRecord() {
            fields.append(field)
            if fields != [""] { records.append((recordLine, fields)) }
            fields = []
            field = ""
        }
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "\"" where field.isEmpty:
                // A quoted field runs to the next quote not doubled.
                var closed = false
                while index < characters.count {
                    let inner = characters[index]
                    index += 1
                    if inner == "\"" {
                        if index < characters.count, characters[index] == "\"" {
                            field.append("\"")
                            index += 1
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        if inner.isNewline { line += 1 }
                        field.append(inner)
                    }
                }
                if !closed { throw Malformed(line: recordLine) }
            case ",":
                fields.append(field)
                field = ""
            case _ where character.isNewline:
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(character)
            }
        }
        endRecord()
        return records
    }
}
