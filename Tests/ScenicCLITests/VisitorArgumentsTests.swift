import ScenicClient
import Testing

@testable import ScenicCLI

@Suite("Real-name visitors as the point of sale is given them, and refusals pointing back at them")
struct VisitorArgumentsTests {
    static func message(of body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("--visitor NAME,ID_NUMBER[,TYPE]: fields trimmed, the type in any case, a resident ID without one")
    func option() throws {
        let resident = try VisitorOption(parsing: "Zhang San,11010519491231002X")
        #expect(resident.visitor.name == "Zhang San")
        #expect(resident.visitor.idNumber == "11010519491231002X")
        #expect(resident.visitor.idType == .residentID)
        let passport = try VisitorOption(parsing: " John Smith , E12345678 , PASSPORT ")
        #expect([passport.visitor.name, passport.visitor.idNumber] == ["John Smith", "E12345678"])
        #expect(passport.visitor.idType == .passport)
        #expect(try VisitorOption(parsing: "Li Si,11010519491231002X,").visitor.idType == .residentID)
    }

    @Test("every TYPE word names its kind, and an answer's kind reads back as its word")
    func typeWords() throws {
        for type in IDTypeArgument.allCases {
            let option = try VisitorOption(parsing: "Chan Tai Man,H12345678," + type.rawValue)
            #expect(option.visitor.idType == type.proto)
            #expect(IDTypeArgument.word(type.proto) == type.rawValue)
        }
    }

    @Test("a TYPE that is no type word is refused with the words there are")
    func badType() {
        let text = Self.message { _ = try VisitorOption(parsing: "Zhang San,11010519491231002X,id-card") }
        #expect(text.hasPrefix("id-card is not an ID type: resident-id, passport, hk-macao-permit, taiwan-permit, foreign-permanent-resident"))
        // Three fields may be a name holding a comma: the refusal says where such a name goes.
        #expect(text.contains("--visitors-csv"))
    }

    @Test("a missing name or ID number is refused with the form expected", arguments: [
        "Zhang San", "Zhang San,", ",11010519491231002X", "", " , ,passport",
    ])
    func missingFields(text: String) {
        #expect(Self.message { _ = try VisitorOption(parsing: text) }.hasPrefix("expected NAME,ID_NUMBER[,TYPE], e.g."))
    }

    @Test("a name with a comma cannot be told from the fields with --visitor: the refusal says to use the CSV")
    func commaInName() {
        let text = Self.message { _ = try VisitorOption(parsing: "Smith, John,E12345678,passport") }
        #expect(text.contains("a name holding a comma cannot be given with --visitor"))
        #expect(text.contains("--visitors-csv"))
        #expect(text.contains("double quotes"))
    }

    @Test("a CSV file: a quoted name may hold a comma, an empty id_type is a resident ID, each visitor keeps its line")
    func csv() throws {
        let text = """
            name,id_number,id_type
            Zhang San,11010519491231002X,
            "Smith, John",E12345678,passport
            "Two-line
            name",110101199003070011,resident-id

            Wang Wu,11010519491231002X,RESIDENT-ID
            """
        let visitors = try VisitorArguments(csv: text, file: "group.csv")
        #expect(visitors.visitors.map(\.name) == ["Zhang San", "Smith, John", "Two-line\nname", "Wang Wu"])
        #expect(visitors.visitors.map(\.idType) == [.residentID, .passport, .residentID, .residentID])
        // Line numbers are the file's: a quoted line break and a blank line count.
        #expect(visitors.entries.map(\.origin) == ["group.csv line 2", "group.csv line 3", "group.csv line 4", "group.csv line 7"])
        #expect(try VisitorArguments(csv: "Name,ID_Number\nLi Si,11010519491231002X\n", file: "f").visitors.map(\.idType) == [.residentID])
    }

    @Test("every bad line of a CSV file is reported by its line, in one refusal")
    func csvProblems() {
        let text = """
            name,id_number,id_type
            Zhang San,11010519491231002X
            ,11010519491231002X,
            Li Si,,passport
            Wang Wu,E12345678,pasport
            Zhao Liu,11010519491231002X,passport,extra
            """
        #expect(Self.message { _ = try VisitorArguments(csv: text, file: "v.csv") } == """
            v.csv line 2: expected 3 columns (name,id_number,id_type), found 2
            v.csv line 3: the name is empty
            v.csv line 4: the id_number is empty
            v.csv line 5: pasport is not an ID type: resident-id, passport, hk-macao-permit, taiwan-permit, foreign-permanent-resident
            v.csv line 6: expected 3 columns (name,id_number,id_type), found 4
            """)
    }

    @Test("a CSV file without its header, without rows, or with a quote left open is refused naming the file", arguments: [
        ("Zhang San,11010519491231002X\n", "v.csv line 1: the header must be name,id_number or name,id_number,id_type"),
        ("name,id_number\n", "v.csv has no visitors below its header"),
        ("", "v.csv is empty: expected a header name,id_number[,id_type]"),
        ("name,id_number\nA,1\n\"B,2\n", "v.csv line 3: a quoted field is not closed"),
    ])
    func csvRefused(text: String, expected: String) {
        #expect(Self.message { _ = try VisitorArguments(csv: text, file: "v.csv") } == expected)
    }

    @Test("a field the daemon names by index is labelled by where the visitor was given")
    func labels() throws {
        let options = VisitorArguments(options: try ["Zhang San,11010519491231002X", "Li Si,110101199003070012"].map(VisitorOption.init(parsing:)))
        func label(_ visitors: VisitorArguments, _ field: String) -> String? { visitors.items.locate(field)?.label }
        #expect(label(options, "visitors[1].id_number") == "visitor 2 (--visitor \"Li Si,110101199003070012\"), ID number")
        #expect(label(options, "visitors[0].name") == "visitor 1 (--visitor \"Zhang San,11010519491231002X\"), name")
        #expect(label(options, "visitors[0]") == "visitor 1 (--visitor \"Zhang San,11010519491231002X\")")
        #expect(label(options, "visitors[2].id_number") == nil)
        #expect(label(options, "visitors") == nil)
        #expect(label(options, "visit_date") == nil)
        let file = try VisitorArguments(csv: "name,id_number\n\"A\nB\",1\nC,2\n", file: "visitors.csv")
        #expect(label(file, "visitors[1].id_number") == "visitors.csv line 4, ID number")
    }

    @Test("a refusal prints labelled fields in place of their paths, in the message too; others keep their path")
    func labelledFailure() throws {
        let error = RPCError.invalidArgument(
            "visitors[1].id_number the check character (the last) does not match the first 17; visit_date must be today or later",
            violations: [
                .init(field: "visitors[1].id_number", description: "the check character (the last) does not match the first 17",
                      reason: "INVALID_ID_NUMBER"),
                .init(field: "visit_date", description: "must be today or later", reason: "IN_THE_PAST"),
            ])
        let visitors = try VisitorArguments(csv: "name,id_number\nA,1\n\nB,2\n", file: "visitors.csv")
        let failure = CommandFailure(error: error, socketPath: "/run/pos.sock", items: visitors.items)
        // INVALID_ARGUMENT is not said again as the reason: each field line has its own.
        #expect(failure.description == """
            error: INVALID_ARGUMENT: visitors.csv line 4, ID number the check character (the last) does not match the first 17; visit_date must be today or later
            visitors.csv line 4, ID number: the check character (the last) does not match the first 17 (INVALID_ID_NUMBER)
            field visit_date: must be today or later (IN_THE_PAST)
            """)
        #expect(CommandFailure(error: error, socketPath: "").description.contains("field visitors[1].id_number: the check"))
    }

    @Test("real-name rules in words", arguments: [
        (Scenic_V1_RealNameMode.perTicket, Int32(2), Scenic_V1_IdLimitPeriod.day, "one visitor per ticket, at most 2 per ID a day"),
        (.perOrder, 0, .unspecified, "one visitor per order"),
        (.perOrder, 5, .month, "one visitor per order, at most 5 per ID a month"),
        (.none, 0, .week, "none"),
        (.unspecified, 0, .unspecified, "none"),
    ])
    func rulesInWords(mode: Scenic_V1_RealNameMode, limit: Int32, period: Scenic_V1_IdLimitPeriod, words: String) {
        var rules = Scenic_V1_RealNameRules()
        rules.mode = mode
        rules.idLimit = limit
        rules.idLimitPeriod = period
        #expect(RealNameView.rules(rules) == words)
    }

    @Test("a voucher's visitor: masked, (erased), or nothing")
    func voucherVisitor() {
        var voucher = Scenic_V1_Voucher()
        #expect(RealNameView.visitor(voucher) == "")
        voucher.visitor.name = "张*"
        voucher.visitor.idNumber = "110***********002X"
        #expect(RealNameView.visitor(voucher) == "张* 110***********002X")
        voucher.visitor.erased = true
        #expect(RealNameView.visitor(voucher) == "(erased)")
    }

    @Test("a voucher code for its QR code: spaces and dashes go, 16 digits stay")
    func voucherCode() throws {
        #expect(try VoucherCodeArgument.parse("1234 5678-9012 3456") == "1234567890123456")
        for text in ["123456789012345", "12345678901234567", "123456789012345X", "１２３４５６７８９０１２３４５６", ""] {
            #expect(throws: (any Error).self) { try VoucherCodeArgument.parse(text) }
        }
    }
}
