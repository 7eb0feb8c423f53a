import Testing

@testable import ScenicServices

@Suite("Identity documents")
struct IdentityDocumentTests {
    /// What a parse comes to: the normalized number, or why it was refused.
    typealias Outcome = Result<String, IdentityDocument.Problem>

    /// Fixed, so that the rows about birth dates in the future stay right whenever they run.
    static let today = "2027-01-15"

    func outcome(_ text: String, _ kind: IdentityDocument.Kind) -> Outcome {
        IdentityDocument.parse(text, kind: kind, today: Self.today).map { document in
            #expect(document.kind == kind)
            return document.number
        }
    }

    // The check characters below are computed per GB 11643-1999, not copied from real people.

    @Test("a resident ID with a real region, birth date and check character is accepted, normalized", arguments: [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 1101 0519 4912 3100 2x ", "11010519491231002X"),
        ("110105-19491231-002X", "11010519491231002X"),
        ("\u{3000}44030419900307123X\u{3000}", "44030419900307123X"),
        ("310104200002290014", "310104200002290014"),  // 29 February 2000: a century leap year
        ("650102198506150037", "650102198506150037"),
        ("330106199201017652", "330106199201017652"),
        ("110101190001010014", "110101190001010014"),  // the earliest date allowed
        ("510107202701150008", "510107202701150008"),  // born today
        ("710000197001010016", "710000197001010016"),
        ("810000197601010021", "810000197601010021"),
        ("830000200202285018", "830000200202285018"),
    ] as [(String, String)])
    func validResidentID(text: String, number: String) {
        #expect(outcome(text, .residentID) == .success(number))
    }

    @Test("a resident ID whose last character is not the check character of the first 17 is refused", arguments: [
        "110105194912310021",  // X typed as 1
        "440304199003071230",  // X typed as 0
        "310104200002290015",
        "650102198506150307",  // two neighbours swapped
        "330106199201017625",
    ])
    func wrongCheckCharacter(text: String) {
        #expect(outcome(text, .residentID) == .failure(.badCheckCharacter))
    }

    @Test("a resident ID with a birth date that is no date, before 1900 or after today is refused", arguments: [
        "110105200102300012",  // 30 February
        "110105202302290014",  // 29 February of 2023
        "110105190002290017",  // 29 February of 1900, not a leap year
        "510107202701160003",  // the day after today
        "110105189912310015",  // 1899
        "110105199013010018",  // month 13
        "110105199001000015",  // day 0
        "110105199004310019",  // 31 April
    ])
    func impossibleBirthDate(text: String) {
        #expect(outcome(text, .residentID) == .failure(.impossibleBirthDate))
    }

    @Test("a resident ID of another length than 18 is refused", arguments: [
        "11010519491231002",  // 17
        "11010519491231002X1",  // 19
        "",
        "   ",
    ])
    func wrongLength(text: String) {
        #expect(outcome(text, .residentID) == .failure(.wrongLength(expected: "18 characters")))
    }

    @Test("a resident ID with anything but 17 digits then a digit or X is refused", arguments: [
        "1101051949A231002X",  // a letter in the middle
        "110105194912310O2X",  // the letter O for a zero
        "X10105194912310021",
        "11010519491231002Y",
        "1101051949/231002X",
        "１１０１０５１９４９１２３１００２Ｘ",  // full-width digits
    ])
    func residentIDBadCharacters(text: String) {
        #expect(outcome(text, .residentID) == .failure(.badCharacters(expected: "17 digits then a digit or X")))
    }

    @Test("a resident ID whose first two digits are no province is refused", arguments: [
        "990105199001010014",
        "000105199001010015",
        "16010519900101001X",
        "720105199001010014",
        "840105199001010011",
    ])
    func unknownRegion(text: String) {
        #expect(outcome(text, .residentID) == .failure(.unknownRegion))
    }

    @Test("a resident ID with several problems reports the first of length, characters, region, birth date, check character", arguments: [
        ("1101051949A23100", .failure(.wrongLength(expected: "18 characters"))),
        ("99010519491231A02X", .failure(.badCharacters(expected: "17 digits then a digit or X"))),
        ("990105200102300010", .failure(.unknownRegion)),
        ("110105200102300019", .failure(.impossibleBirthDate)),
    ] as [(String, Outcome)])
    func orderOfChecks(text: String, expected: Outcome) {
        #expect(outcome(text, .residentID) == expected)
    }

    @Test("passports, permits and foreign permanent resident IDs are checked by their own forms", arguments: [
        (.passport, "E12345678", .success("E12345678")),
        (.passport, "e1234 5678", .success("E12345678")),
        (.passport, "123456789", .success("123456789")),
        (.passport, "12345", .success("12345")),
        (.passport, "X1234567890ABCDEF", .success("X1234567890ABCDEF")),
        (.passport, "E123", .failure(.wrongLength(expected: "5 to 17 characters"))),
        (.passport, "X1234567890ABCDEFG", .failure(.wrongLength(expected: "5 to 17 characters"))),
        (.passport, "", .failure(.wrongLength(expected: "5 to 17 characters"))),
        (.passport, "ABCDEFGH", .failure(.badCharacters(expected: "letters and digits, at least one of them a digit"))),
        (.passport, "E1234_567", .failure(.badCharacters(expected: "letters and digits, at least one of them a digit"))),
        (.passport, "É12345678", .failure(.badCharacters(expected: "letters and digits, at least one of them a digit"))),

        (.hongKongMacaoPermit, "H12345678", .success("H12345678")),
        (.hongKongMacaoPermit, "m8765 4321", .success("M87654321")),
        (.hongKongMacaoPermit, "h1234567801", .success("H1234567801")),
        (.hongKongMacaoPermit, "H1234567", .failure(.wrongLength(expected: "9 or 11 characters"))),
        (.hongKongMacaoPermit, "H123456789", .failure(.wrongLength(expected: "9 or 11 characters"))),
        (.hongKongMacaoPermit, "C12345678", .failure(.badCharacters(expected: "H or M then 8 or 10 digits"))),
        (.hongKongMacaoPermit, "H1234567A", .failure(.badCharacters(expected: "H or M then 8 or 10 digits"))),
        (.hongKongMacaoPermit, "112345678", .failure(.badCharacters(expected: "H or M then 8 or 10 digits"))),

        (.taiwanPermit, "12345678", .success("12345678")),
        (.taiwanPermit, "1234-5678", .success("12345678")),
        (.taiwanPermit, "1234567890", .success("1234567890")),
        (.taiwanPermit, "123456789", .failure(.wrongLength(expected: "8 or 10 characters"))),
        (.taiwanPermit, "T123456789", .failure(.badCharacters(expected: "digits only"))),
        (.taiwanPermit, "A1234567", .failure(.badCharacters(expected: "digits only"))),
        (.taiwanPermit, "1234567X", .failure(.badCharacters(expected: "digits only"))),

        (.foreignPermanentResident, "USA123456789012", .success("USA123456789012")),
        (.foreignPermanentResident, "usa-1234-5678-9012", .success("USA123456789012")),
        (.foreignPermanentResident, "911840198503170113", .success("911840198503170113")),
        (.foreignPermanentResident, "950440199211200228", .success("950440199211200228")),
        (.foreignPermanentResident, "USA12345678901", .failure(.wrongLength(expected: "15 or 18 characters"))),
        (.foreignPermanentResident, "US1234567890123", .failure(.badCharacters(expected: "3 letters then 12 digits"))),
        (.foreignPermanentResident, "USA12345678901X", .failure(.badCharacters(expected: "3 letters then 12 digits"))),
        (.foreignPermanentResident, "11010519491231002X", .failure(.badCharacters(expected: "9, then 16 digits, then a digit or X"))),
        (.foreignPermanentResident, "911840198503170114", .failure(.badCheckCharacter)),
        (.foreignPermanentResident, "911840198502300115", .failure(.impossibleBirthDate)),  // 30 February
        (.foreignPermanentResident, "911840202701160118", .failure(.impossibleBirthDate)),  // the day after today
        (.foreignPermanentResident, "911840189912310119", .failure(.impossibleBirthDate)),  // 1899
    ] as [(IdentityDocument.Kind, String, Outcome)])
    func otherKinds(kind: IdentityDocument.Kind, text: String, expected: Outcome) {
        #expect(outcome(text, kind) == expected)
    }

    @Test("lists show the first 3 and last 4 characters, and never more than half of a short number", arguments: [
        (.residentID, "11010519491231002X", "110***********002X"),
        (.foreignPermanentResident, "USA123456789012", "USA********9012"),
        (.passport, "X1234567890ABCDEF", "X12**********CDEF"),
        (.passport, "AB123456789012", "AB1*******9012"),  // 14: the shortest to show 3 and 4
        (.passport, "AB12345678901", "AB1*******901"),
        (.hongKongMacaoPermit, "H1234567801", "H1******801"),
        (.hongKongMacaoPermit, "H12345678", "H1*****78"),
        (.taiwanPermit, "1234567890", "12*****890"),
        (.taiwanPermit, "12345678", "12****78"),
        (.passport, "P12345", "P***45"),
        (.passport, "12345", "1***5"),
    ] as [(IdentityDocument.Kind, String, String)])
    func masked(kind: IdentityDocument.Kind, number: String, masked: String) throws {
        let document = try IdentityDocument.parse(number, kind: kind, today: Self.today).get()
        #expect(document.masked == masked)
        #expect(document.masked.count == number.count)
        #expect(document.masked.filter { $0 != "*" }.count * 2 <= number.count)
    }

    @Test("each problem reads as a short sentence for the user", arguments: [
        (.wrongLength(expected: "18 characters"), "must be 18 characters"),
        (.badCharacters(expected: "17 digits then a digit or X"), "must be 17 digits then a digit or X"),
        (.badCheckCharacter, "the check character (the last) does not match the first 17"),
        (.impossibleBirthDate, "the birth date in it is not a real date"),
        (.unknownRegion, "the first two digits are not a province code"),
    ] as [(IdentityDocument.Problem, String)])
    func problemDescription(problem: IdentityDocument.Problem, text: String) {
        #expect(problem.description == text)
    }

    @Test("the same document typed two ways is one document")
    func equalAfterNormalizing() throws {
        let typed = try IdentityDocument.parse("1101 0519 4912 3100 2x", kind: .residentID, today: Self.today).get()
        let pasted = try IdentityDocument.parse("11010519491231002X", kind: .residentID, today: Self.today).get()
        #expect(typed == pasted)
        #expect(Set([typed, pasted]).count == 1)
        let passport = try IdentityDocument.parse("12345678", kind: .passport, today: Self.today).get()
        let permit = try IdentityDocument.parse("12345678", kind: .taiwanPermit, today: Self.today).get()
        #expect(passport != permit)
    }
}
