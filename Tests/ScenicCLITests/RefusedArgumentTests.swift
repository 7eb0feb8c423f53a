import Testing

@testable import ScenicCLI

@Suite("Arguments refused before parsing")
struct RefusedArgumentTests {
    @Test("valid UTF-8, accented and CJK text included, passes")
    func validUTF8() {
        let arguments = ["distributor", "create", "--name", "Café 西湖旅行社", ""].map { Array($0.utf8) }
        #expect(UTF8Arguments.firstInvalid(arguments) == nil)
    }

    @Test("the first argument that is not UTF-8 is named by position, with the text it would become")
    func invalidUTF8() throws {
        let arguments: [[UInt8]] = [
            Array("distributor".utf8), Array("create".utf8), Array("--name".utf8),
            Array("bad".utf8) + [0xFF, 0xFE] + Array("name".utf8), [0xC3],
        ]
        let refused = try #require(UTF8Arguments.firstInvalid(arguments))
        #expect(refused.position == 4)
        #expect(refused.description.hasPrefix("argument 4 is not valid UTF-8"))
        #expect(refused.description.contains("bad\u{FFFD}\u{FFFD}name"))
    }

    @Test("overlong and surrogate encodings are not UTF-8", arguments: [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE4, 0xB8]] as [[UInt8]])
    func malformedSequences(bytes: [UInt8]) {
        #expect(UTF8Arguments.firstInvalid([bytes])?.position == 1)
    }

    @Test("a negative number is refused, named by position", arguments: ["-5", "-5.00", "-0.5", "-.5"])
    func negativeNumber(number: String) throws {
        let refused = try #require(NegativeNumberArguments.first(in: ["distributor", "recharge", "1", number]))
        #expect(refused.position == 4)
        #expect(refused.description.hasPrefix("argument 4 (\(number)) is a negative number"))
    }

    @Test("options, dashed text and anything after -- are left to ArgumentParser", arguments: [
        ["distributor", "recharge", "1", "200.00", "--note", "x"],
        ["-h"], ["--timeout", "5"], ["--credit=-5"], ["-"], ["-x5"], ["vouchers", "redeem", "AB-12-34"],
        ["distributor", "recharge", "1", "--", "-5"],
    ])
    func notNegativeNumbers(arguments: [String]) {
        #expect(NegativeNumberArguments.first(in: arguments) == nil)
    }

    @Test("a signed amount that does get through says amounts are never negative")
    func signedYuan() {
        let error = #expect(throws: (any Error).self) { try YuanArgument.parse("-5") }
        #expect(error.map { "\($0)" } == "-5 is not an amount in yuan: amounts are never negative")
    }
}
