import Foundation
import ScenicClient

/// Prints a response: canonical protobuf JSON with `--json`, else the human form.
public enum Output {
    public static func emit(_ message: some SwiftProtobuf.Message, json: Bool, human: () -> String) throws {
        if json {
            var options = JSONEncodingOptions()
            options.alwaysPrintEnumsAsInts = false
            print(try message.jsonString(options: options))
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
