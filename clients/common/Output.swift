import Foundation
import ScenicClient

/// Prints a response: protobuf's JSON mapping with every field (``ProtoJSON``) with
/// `--json`, else the human form.
public enum Output {
    public static func emit(_ message: some SwiftProtobuf.Message, json: Bool, human: () -> String) throws {
        if json {
            print(try ProtoJSON.text(message))
        } else {
            print(human())
        }
    }

    /// Rows of `label: value`, labels padded to one column.
    public static func fields(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in
            label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value
        }.joined(separator: "\n")
    }
}

extension Output {
    /// A plain-text table: a header row, then one row each, columns padded to fit.
    public static func table(_ headers: [String], _ rows: [[String]]) -> String {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            var text = zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            // Only the padding after the last cell goes: a first cell may be indented on purpose.
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// A size for a person: "41.2 MB", in powers of 1000 as disks are sold.
    public static func bytes(_ count: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    /// Fen as yuan with two decimals, e.g. 12345 → "123.45".
    public static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Fen as an amount of money, e.g. 12345 → "¥123.45", -450 → "-¥4.50".
    public static func money(_ fen: Int64) -> String {
        let text = yuan(fen)
        return text.hasPrefix("-") ? "-¥" + text.dropFirst() : "¥" + text
    }

    /// Where a list continues, said after the table when there is more.
    public static func nextPageHint(_ token: String) -> String {
        token.isEmpty ? "" : "\n(more: --page-token \(token))"
    }
}
