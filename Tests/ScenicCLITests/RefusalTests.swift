import ScenicClient
import Testing

@testable import ScenicCLI

/// A batch as `distributor bind` sends it: the origin shows code and price whole.
private let bound = RequestItems(
    field: "items",
    items: [("GATE-ADULT=98.00", 9800), ("NOPE=10.00", 1000), ("BOAT=90.00", 9000)].map {
        .init(origin: "--product " + $0.0, priceFen: $0.1)
    },
    parts: ["product_code": "", "settlement_price_fen": ""])

@Suite("Refusals in the user's terms: batches named as given, money in yuan, each reason once")
struct RefusalTests {
    @Test("an element's path is named by its origin, a part by its word, an unlisted part by its name")
    func locate() {
        #expect(bound.locate("items[1].product_code")?.label == "--product NOPE=10.00")
        #expect(bound.locate("items[2].settlement_price_fen")?.item.priceFen == 9000)
        #expect(bound.locate("items[2]")?.label == "--product BOAT=90.00")
        #expect(bound.locate("items[0].note")?.label == "--product GATE-ADULT=98.00, note")
        let file = RequestItems(field: "products", origins: ["p.csv line 2", "p.csv line 4"], parts: ["retail_price_fen": "price"])
        #expect(file.locate("products[1].retail_price_fen")?.label == "p.csv line 4, price")
    }

    @Test("a path outside the batch, or past its end, keeps its path", arguments: [
        "items[3].product_code", "items[-1]", "items[x]", "items", "product_codes[0]", "distributor_id", "",
    ])
    func notLocated(path: String) {
        #expect(bound.locate(path) == nil)
    }

    @Test("the bind refused for an unknown product and a price above retail: its options, yuan, no INVALID_ARGUMENT twice")
    func bindRefused() {
        let error = RPCError.invalidArgument(
            "2 item(s) refused; nothing was written",
            violations: [
                .init(field: "items[1].product_code", description: "no such product", reason: "PRODUCT_NOT_FOUND"),
                .init(
                    field: "items[2].settlement_price_fen", description: "must not exceed the retail price of 8000 fen",
                    reason: "ABOVE_RETAIL_PRICE"),
            ])
        #expect(CommandFailure(error: error, socketPath: "", items: bound).description == """
            error: INVALID_ARGUMENT: 2 item(s) refused; nothing was written
            --product NOPE=10.00: no such product (PRODUCT_NOT_FOUND)
            --product BOAT=90.00: the settlement price ¥90.00 must not exceed the retail price ¥80.00 (ABOVE_RETAIL_PRICE)
            """)
        // Without the batch, the paths stay, and the retail price is in yuan all the same.
        #expect(CommandFailure(error: error, socketPath: "").description.hasSuffix(
            "field items[2].settlement_price_fen: the settlement price must not exceed the retail price ¥80.00 (ABOVE_RETAIL_PRICE)"))
    }

    @Test("a path in the daemon's message is replaced by its label too")
    func labelInMessage() {
        let error = RPCError.invalidArgument(violations: [
            .init(field: "items[0].settlement_price_fen", description: "must be at most 100000000 fen", reason: "TOO_LARGE")
        ])
        #expect(CommandFailure(error: error, socketPath: "", items: bound).description == """
            error: INVALID_ARGUMENT: --product GATE-ADULT=98.00 must be at most ¥1000000.00
            --product GATE-ADULT=98.00: must be at most ¥1000000.00 (TOO_LARGE)
            """)
    }

    @Test("a reason is printed once: kept without field lines, and when the field lines do not say it")
    func reasonOnce() {
        let plain = RPCError(.failedPrecondition, "sold out (day)", reason: "SOLD_OUT")
        #expect(CommandFailure(error: plain, socketPath: "").description == "error: FAILED_PRECONDITION: sold out (day)\nreason: SOLD_OUT")
        let invalid = RPCError(.invalidArgument, "no slot 08:00-09:00 on this date", reason: "INVALID_ARGUMENT")
        #expect(CommandFailure(error: invalid, socketPath: "").description.contains("\nreason: INVALID_ARGUMENT"))
        let unbound = RPCError(
            .notFound, "1 item(s) refused; nothing was written", reason: "BINDING_NOT_FOUND",
            fieldViolations: [.init(field: "product_codes[0]", description: "not bound to this distributor", reason: "NOT_BOUND")])
        #expect(CommandFailure(error: unbound, socketPath: "", items: RequestItems(field: "product_codes", origins: ["BOAT"])).description == """
            error: NOT_FOUND: 1 item(s) refused; nothing was written
            reason: BINDING_NOT_FOUND
            BOAT: not bound to this distributor (NOT_BOUND)
            """)
        let unauthorized = RPCError(
            .failedPrecondition, "product BOAT is not authorized for sale by this distributor", reason: "PRODUCT_NOT_AUTHORIZED",
            fieldViolations: [.init(field: "product_code", description: "not authorized", reason: "PRODUCT_NOT_AUTHORIZED")])
        #expect(!CommandFailure(error: unauthorized, socketPath: "").description.contains("reason:"))
    }

    @Test("amounts in fen are written in yuan, ranges at both ends; other numbers and words stay", arguments: [
        ("must be at most 100000000 fen", "must be at most ¥1000000.00"),
        ("a recharge is 1 to 100000000 fen", "a recharge is ¥0.01 to ¥1000000.00"),
        ("the threshold is 0 to 100000000 fen", "the threshold is ¥0.00 to ¥1000000.00"),
        ("bound at a settlement price of 9800 fen; the retail price of 8000 fen", "bound at a settlement price of ¥98.00; the retail price of ¥80.00"),
        ("a balance of -450 fen", "a balance of -¥4.50"),
        ("must be 1 to 366", "must be 1 to 366"),
        ("3 fences", "3 fences"),
        ("99999999999999999999 fen", "99999999999999999999 fen"),
    ])
    func yuan(text: String, expected: String) {
        #expect(RefusalWording.yuan(in: text) == expected)
    }

    @Test("INSUFFICIENT_BALANCE is worded from its metadata; without it, from the daemon's message")
    func insufficientBalance() {
        let error = RPCError(
            .failedPrecondition, "the balance of ¥3.00 cannot cover this sale of ¥98.00", reason: "INSUFFICIENT_BALANCE",
            metadata: ["balance_fen": "300", "required_fen": "9800"])
        #expect(CommandFailure(error: error, socketPath: "").description == """
            error: FAILED_PRECONDITION: available balance ¥3.00, this sale needs ¥98.00
            reason: INSUFFICIENT_BALANCE
            """)
        let bare = RPCError(.failedPrecondition, "the balance of 300 fen cannot cover this", reason: "INSUFFICIENT_BALANCE")
        #expect(RefusalWording.message(bare) == "the balance of ¥3.00 cannot cover this")
    }

    @Test("a refund names a code as typed: one refused by index, and one the metadata names by its digits")
    func refundCodes() {
        let codes = ["1234-5678-9012-3455", "9999 8888 7777 6666"]
        let given = RequestItems(
            field: "voucher_codes", items: codes.map { .init(origin: $0, key: VoucherCodeArgument.compact($0)) }, metadataKey: "code")
        let mistyped = RPCError.invalidArgument(violations: [
            .init(field: "voucher_codes[0]", description: "not 16 digits with a valid check digit", reason: "INVALID_VOUCHER_CODE")
        ])
        #expect(CommandFailure(error: mistyped, socketPath: "", items: given).description.hasSuffix(
            "\n1234-5678-9012-3455: not 16 digits with a valid check digit (INVALID_VOUCHER_CODE)"))
        let unknown = RPCError(.notFound, "no voucher 9999888877776666", reason: "VOUCHER_NOT_FOUND", metadata: ["code": "9999888877776666"])
        #expect(CommandFailure(error: unknown, socketPath: "", items: given).description == """
            error: NOT_FOUND: no voucher 9999 8888 7777 6666
            reason: VOUCHER_NOT_FOUND
            """)
    }

    @Test("a refusal of a chunk sent alone is renumbered as the whole batch's, in the message too")
    func renumbered() {
        let file = RequestItems(field: "products", origins: (0..<1500).map { "p.csv line \($0 + 2)" }, parts: ["retail_price_fen": "price"])
        let chunk = RPCError.invalidArgument(violations: [
            .init(field: "products[3].retail_price_fen", description: "must be positive", reason: "NOT_POSITIVE"),
            .init(field: "products[12].code", description: "must be 1–32 characters", reason: "INVALID_CODE"),
        ])
        let whole = file.renumbered(chunk, from: 1000)
        #expect(whole.fieldViolations.map(\.field) == ["products[1003].retail_price_fen", "products[1012].code"])
        #expect(whole.message == "products[1003].retail_price_fen must be positive; products[1012].code must be 1–32 characters")
        #expect(CommandFailure(error: whole, socketPath: "", items: file).description.hasSuffix("""
            p.csv line 1005, price: must be positive (NOT_POSITIVE)
            p.csv line 1014, code: must be 1–32 characters (INVALID_CODE)
            """))
    }

    @Test("money: yuan with a sign before the ¥")
    func money() {
        #expect(Output.money(9800) == "¥98.00")
        #expect(Output.money(-450) == "-¥4.50")
        #expect(Output.money(0) == "¥0.00")
        #expect(Output.money(.min) == "-¥92233720368547758.08")
    }
}
