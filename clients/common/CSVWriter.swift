/// Writes CSV as RFC 4180 reads it: a field with a comma, quote or line break is quoted,
/// its quotes doubled; lines end CRLF.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",") + "\r\n"
    }
}
