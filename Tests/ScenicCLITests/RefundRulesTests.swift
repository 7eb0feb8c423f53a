import ArgumentParser
import ScenicClient
import Testing

@testable import ScenicCLI

@Suite("Refund rules as typed for product refund-rules, and in words")
struct RefundRulesTests {
    /// What the option's error says after ArgumentParser's "The value … is invalid" part.
    static func message(_ parse: () throws -> Any) -> String? {
        (#expect(throws: ValidationError.self) { _ = try parse() }).map { "\($0)" }
    }

    @Test("a percent with up to two decimals is basis points, read from its digits", arguments: [
        ("10%", 1000), ("12.5%", 1250), ("12.55%", 1255), ("0.05%", 5), ("100%", 10_000), ("0%", 0), ("7.10%", 710),
    ] as [(String, Int32)])
    func percent(text: String, basisPoints: Int32) throws {
        let fee = try RefundRulesArguments.fee(text)
        #expect(fee.percentBp == basisPoints)
        #expect(fee.fixedFen == 0)
    }

    @Test("a plain amount is yuan a ticket, in fen", arguments: [("5.00", 500), ("5", 500), ("0.5", 50), ("0", 0)] as [(String, Int64)])
    func fixed(text: String, fen: Int64) throws {
        let fee = try RefundRulesArguments.fee(text)
        #expect(fee.fixedFen == fen)
        #expect(fee.percentBp == 0)
    }

    @Test("a fee that is neither says what a fee is", arguments: ["12.555%", "abc", "%", "-5%", "5.001", "1,000", "10%%", "ten%"])
    func badFee(text: String) {
        let message = Self.message { try RefundRulesArguments.fee(text) }
        #expect(message?.hasPrefix(text + " is not ") == true, "\(message ?? "no error")")
        #expect(message?.contains("10%") == true, "\(message ?? "no error")")
    }

    @Test("a share above the price is refused as such")
    func aboveHundredPercent() {
        #expect(Self.message { try RefundRulesArguments.fee("100.01%") } == "100.01%: a fee is at most 100% of the price")
    }

    @Test("a step is hours before the visit and a fee", arguments: [
        ("24h=10%", 24, 1000, 0), ("72h=0", 72, 0, 0), ("8760h=5.00", 8760, 0, 500), ("1H=12.5%", 1, 1250, 0),
    ] as [(String, Int32, Int32, Int64)])
    func step(text: String, hours: Int32, basisPoints: Int32, fen: Int64) throws {
        let step = try RefundRulesArguments.step(text)
        #expect(step.hoursBefore == hours)
        #expect(step.fee.percentBp == basisPoints)
        #expect(step.fee.fixedFen == fen)
    }

    @Test("a step without its hours, its unit or its fee shows the form", arguments: ["24=10%", "24h", "h=10%", "=10%", "24h10%", "1d=10%"])
    func badStepForm(text: String) {
        #expect(Self.message { try RefundRulesArguments.step(text) }
            == "\(text): expected HOURSh=FEE, e.g. 24h=10% or 72h=0 (the fee from that many hours before the visit)")
    }

    @Test("hours outside 1 to 8760 are named with the range", arguments: ["0h=10%", "8761h=10%", "99999h=0"])
    func stepHoursOutOfRange(text: String) {
        #expect(Self.message { try RefundRulesArguments.step(text) } == "\(text): hours before the visit are 1h to 8760h (a year)")
    }

    @Test("a step's bad fee is the fee's error")
    func stepBadFee() {
        #expect(Self.message { try RefundRulesArguments.step("24h=150%") } == "150%: a fee is at most 100% of the price")
    }

    @Test("deadlines: the visit day, none, or hours before the visit")
    func deadline() throws {
        #expect(try RefundRulesArguments.deadline("visit-day") == .init(kind: .visitDay, hours: 0))
        #expect(try RefundRulesArguments.deadline("none") == .init(kind: .none, hours: 0))
        #expect(try RefundRulesArguments.deadline("48h") == .init(kind: .hoursBefore, hours: 48))
        #expect(try RefundRulesArguments.deadline("Visit-Day") == .init(kind: .visitDay, hours: 0))
    }

    @Test("a deadline of another form lists the forms; a bare number is not taken for hours", arguments: ["48", "2d", "tomorrow", "", "visit day"])
    func badDeadline(text: String) {
        #expect(Self.message { try RefundRulesArguments.deadline(text) }
            == "\(text): expected visit-day, none, or hours before the visit such as 48h")
    }

    @Test("a deadline of 0 hours or more than a year is refused with the range")
    func deadlineOutOfRange() {
        #expect(Self.message { try RefundRulesArguments.deadline("0h") } == "0h: hours before the visit are 1h to 8760h (a year)")
        #expect(Self.message { try RefundRulesArguments.deadline("8761h") } == "8761h: hours before the visit are 1h to 8760h (a year)")
    }

    @Test("no options give the default policy: until the visit date ends, no fee, no approval")
    func defaultPolicy() {
        let policy = RefundRulesArguments.policy(deadline: nil, fee: nil, steps: [], needsApproval: false)
        #expect(policy.deadline == .visitDay)
        #expect(policy.deadlineHours == 0)
        #expect(policy.fee == Scenic_V1_RefundFee())
        #expect(policy.steps.isEmpty)
        #expect(!policy.needsApproval)
        #expect(RefundRulesView.rules(policy) == "refunds until the visit date ends; no fee")
    }

    @Test("the options give the whole policy, in words with the steps from the latest refund to the earliest")
    func fullPolicy() throws {
        let policy = RefundRulesArguments.policy(
            deadline: try RefundRulesArguments.deadline("24h"), fee: try RefundRulesArguments.fee("20%"),
            steps: [try RefundRulesArguments.step("72h=0"), try RefundRulesArguments.step("24h=10%")], needsApproval: true)
        #expect(policy.deadline == .hoursBefore)
        #expect(policy.deadlineHours == 24)
        #expect(policy.fee.percentBp == 2000)
        #expect(policy.steps.map(\.hoursBefore) == [72, 24])
        #expect(policy.needsApproval)
        #expect(RefundRulesView.rules(policy)
            == "refunds until 24 h before the visit; fee 20%, 10% from 24 h before, none from 72 h before; needs approval")
    }

    @Test("fees in words: shares without trailing zeros, sums in yuan", arguments: [
        ("12.5%", "12.5%"), ("12.05%", "12.05%"), ("0.05%", "0.05%"), ("100%", "100%"), ("5.00", "¥5.00"), ("0", "none"),
    ])
    func feeWords(text: String, words: String) throws {
        #expect(RefundRulesView.fee(try RefundRulesArguments.fee(text)) == words)
    }

    @Test("a policy without a deadline keeps refunds while the voucher is valid; a fixed fee reads in yuan")
    func noDeadline() throws {
        let policy = RefundRulesArguments.policy(
            deadline: try RefundRulesArguments.deadline("none"), fee: try RefundRulesArguments.fee("5"), steps: [], needsApproval: false)
        #expect(RefundRulesView.rules(policy) == "refunds while the voucher is valid and unused; fee ¥5.00")
    }
}
