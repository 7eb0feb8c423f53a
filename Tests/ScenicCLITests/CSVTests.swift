import Foundation
import ScenicTestSupport
import Testing

@testable import ScenicCLI

@Suite("CSV and money in the clients")
struct CSVTests {
    static let awkward: [[String]] = [
        ["code", "name", "note"],
        ["P1", "West Lake, \"Travel\"", "line one\nline two"],
        ["P2", "", "ends with a quote\""],
        ["P3", "Crlf\r\ninside", "plain"],
    ]

    @Test("what CSVWriter writes, Python's standard csv reader reads back field for field")
    func roundTripThroughPython() throws {
        let text = Self.awkward.map(CSVWriter.line).joined()
        let file = TestScratch.url("csv-", suffix: ".csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))", file.path,
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try JSONDecoder().decode([[String]].self, from: data) == Self.awkward)
    }

    @Test("CSVReader reads what CSVWriter writes")
    func roundTripOwnReader() throws {
        let records = try CSVReader.records(Self.awkward.map(CSVWriter.line).joined())
        #expect(records.map(\.fields) == Self.awkward)
        #expect(records.map(\.line) == [1, 2, 4, 5])
    }

    @Test("yuan parse to fen exactly, without floats", arguments: [
        ("98", Int64(9_800)), ("98.5", 9_850), ("98.05", 9_805), ("0.01", 1), ("123456789.99", 12_345_678_999),
    ])
    func yuan(text: String, fen: Int64) {
        #expect(Yuan.fen(text) == fen)
        #expect(Yuan.fen(Output.yuan(fen)) == fen)
    }

    @Test("anything else is not money", arguments: ["", "-1", "1.234", "1,000", "1e3", ".5", "5.", "¥5", "1234567890"])
    func notYuan(text: String) {
        #expect(Yuan.fen(text) == nil)
    }
}
