import ArgumentParser
import ScenicClient

/// The kinds of identity document, as `--visitor`, `--visitors-csv` and `--id-type` name
/// them and as a revealed visitor shows them.
public enum IDTypeArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case residentID = "resident-id"
    case passport
    case hkMacaoPermit = "hk-macao-permit"
    case taiwanPermit = "taiwan-permit"
    case foreignPermanentResident = "foreign-permanent-resident"

    public var proto: Scenic_V1_IdType {
        switch self {
        case .residentID: .residentID
        case .passport: .passport
        case .hkMacaoPermit: .hkMacaoPermit
        case .taiwanPermit: .taiwanPermit
        case .foreignPermanentResident: .foreignPermanentResident
        }
    }

    /// The word for a type an answer carries; an unset one is a resident ID, as in a request.
    public static func word(_ type: Scenic_V1_IdType) -> String {
        (allCases.first { $0.proto == type } ?? .residentID).rawValue
    }

    /// A type word in any case; an empty one is a resident ID card, the usual document.
    /// nil for any other word.
    static func type(_ word: String) -> Scenic_V1_IdType? {
        word.isEmpty ? .residentID : IDTypeArgument(rawValue: word.lowercased())?.proto
    }

    /// What a refused type word is told.
    static func notAType(_ word: String) -> String {
        "\(word) is not an ID type: \(allCases.map(\.rawValue).joined(separator: ", "))"
    }
}

/// One `--visitor "NAME,ID_NUMBER[,TYPE]"`, kept with the text it came from.
public struct VisitorOption: Sendable {
    public let text: String
    public let visitor: Scenic_V1_Visitor

    /// The option's transform. A comma always ends the name here: a name holding one
    /// (as foreign names written "Family, Given" do) can only come from a CSV file, where
    /// a field in double quotes may hold commas.
    public init(parsing text: String) throws {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count <= 3 else {
            throw ValidationError(
                "expected NAME,ID_NUMBER[,TYPE]; a name holding a comma cannot be given with --visitor: "
                    + "put the visitors in a file for --visitors-csv, that name in double quotes")
        }
        guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else {
            throw ValidationError("expected NAME,ID_NUMBER[,TYPE], e.g. \"Zhang San,11010519491231002X\" or \"John Smith,E12345678,passport\"")
        }
        var visitor = Scenic_V1_Visitor()
        visitor.name = fields[0]
        visitor.idNumber = fields[1]
        let word = fields.count == 3 ? fields[2] : ""
        guard let type = IDTypeArgument.type(word) else {
            // A last field that is no type word may be the end of a name holding a comma.
            throw ValidationError(IDTypeArgument.notAType(word) + " (a name holding a comma needs --visitors-csv)")
        }
        visitor.idType = type
        self.text = text
        self.visitor = visitor
    }
}

/// The visitors a real-name sale names, from `--visitor` options or a `--visitors-csv`
/// file, each remembering where it was given: a refusal that names `visitors[2]` is shown
/// pointing there, which is where the user has to correct it.
public struct VisitorArguments: Sendable {
    public struct Entry: Sendable {
        public var visitor: Scenic_V1_Visitor
        /// `visitor 3 (--visitor "Zhang San,1101…")` or `visitors.csv line 4`.
        public var origin: String
    }

    public let entries: [Entry]

    public var visitors: [Scenic_V1_Visitor] { entries.map(\.visitor) }

    /// The `--visitor` options, in the order given (which is the order the sale names them).
    public init(options: [VisitorOption]) {
        entries = options.enumerated().map { index, option in
            Entry(visitor: option.visitor, origin: "visitor \(index + 1) (--visitor \"\(option.text)\")")
        }
    }

    /// A CSV file's text: a header `name,id_number` or `name,id_number,id_type`, then one
    /// visitor a row; an empty id_type is a resident ID card. Every bad line is reported,
    /// each by its line in the file, as ``InputError``; `file` names the file in them.
    public init(csv text: String, file: String) throws {
        let records: [(line: Int, fields: [String])]
        do {
            records = try CSVReader.records(text)
        } catch let malformed as CSVReader.Malformed {
            throw InputError("\(file) \(malformed)")
        }
        guard let header = records.first else { throw InputError("\(file) is empty: expected a header name,id_number[,id_type]") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard columns == ["name", "id_number"] || columns == ["name", "id_number", "id_type"] else {
            throw InputError("\(file) line \(header.line): the header must be name,id_number or name,id_number,id_type")
        }
        guard records.count > 1 else { throw InputError("\(file) has no visitors below its header") }
        var problems: [String] = []
        var entries: [Entry] = []
        for (line, raw) in records.dropFirst() {
            let fields = raw.map { $0.trimmingCharacters(in: .whitespaces) }
            let place = "\(file) line \(line)"
            guard fields.count == columns.count else {
                problems.append("\(place): expected \(columns.count) columns (\(columns.joined(separator: ","))), found \(fields.count)")
                continue
            }
            var visitor = Scenic_V1_Visitor()
            visitor.name = fields[0]
            visitor.idNumber = fields[1]
            if fields[0].isEmpty { problems.append("\(place): the name is empty") }
            if fields[1].isEmpty { problems.append("\(place): the id_number is empty") }
            let word = fields.count == 3 ? fields[2] : ""
            if let type = IDTypeArgument.type(word) { visitor.idType = type } else { problems.append("\(place): " + IDTypeArgument.notAType(word)) }
            entries.append(Entry(visitor: visitor, origin: place))
        }
        guard problems.isEmpty else { throw InputError(problems.joined(separator: "\n")) }
        self.entries = entries
    }

    /// The visitors as the request's `visitors`, for a refusal to name one where it was
    /// given (`visitors.csv line 4, ID number`) instead of by its index (`visitors[2].id_number`).
    public var items: RequestItems {
        RequestItems(
            field: "visitors", origins: entries.map(\.origin), parts: ["name": "name", "id_number": "ID number", "id_type": "ID type"])
    }
}
