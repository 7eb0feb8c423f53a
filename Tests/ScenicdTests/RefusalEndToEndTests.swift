import Foundation
import Testing

/// Refusals through both executables against a real daemon: each names what the user
/// typed (an option, an argument, a line of their file), never the request's path
/// (`items[2]`), and says money in yuan, never in fen.
@Suite("Refusals end to end", .serialized)
struct RefusalEndToEndTests {
    /// A command refused, and what its report must say.
    struct Refusal: CustomStringConvertible {
        var description: String
        var program: String
        var arguments: [String]
        var expected: [String]
    }

    /// Request paths and amounts in fen the user never typed, and a reason that only
    /// repeats the code over field lines that each have their own.
    static let leaks = [
        "items[", "products[", "product_codes[", "voucher_codes[", "slots[", "settlement_prices[", " fen", "reason: INVALID_ARGUMENT",
    ]

    @Test("each refusal names the user's own terms, in yuan; --json writes zeros")
    func table() async throws {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12", "--time-zone", "Asia/Shanghai"])
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory, "XDG_CONFIG_HOME": daemon.dataDirectory + "-sessions"]
        let otherSession = daemon.dataDirectory + "-agent-session.json"
        func run(_ program: String, _ arguments: [String], input: String? = nil) async throws -> CommandResult {
            try await CommandResult.run(program, arguments, environment: environment, input: input)
        }
        func admin(_ arguments: String...) async throws -> CommandResult { try await run("scenic-admin", arguments) }
        func succeeds(_ result: CommandResult) -> CommandResult {
            #expect(result.status == 0, "\(result.stderr)")
            return result
        }
        func json(_ result: CommandResult) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(succeeds(result).stdout.utf8)) as? [String: Any])
        }
        /// Creates a distributor and signs it in with `session` (nil: the default session file).
        func distributor(_ name: String, phone: String, session: [String]) async throws {
            let created = try json(try await admin("distributor", "create", "--name", name, "--phone", phone, "--json"))
            let password = try #require(created["initialPassword"] as? String)
            _ = succeeds(try await run("scenic-pos", ["login", "--phone", phone, "--password-stdin"] + session, input: password + "\n"))
            _ = succeeds(try await run("scenic-pos", ["passwd", "--password-stdin"] + session, input: "\(password)\n\(name) 2026 desk\n"))
        }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        func date(_ offset: Int) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: offset, to: Date())!)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
        let tomorrow = date(1)

        // Distributor 1 sells GATE-ADULT at 98.00 and has ¥3.00 left after one sale;
        // distributor 2 has nothing bound and a zero balance.
        try await distributor("Hotel Desk", phone: "13800138000", session: [])
        try await distributor("Travel Agent", phone: "13800138001", session: ["--session-file", otherSession])
        _ = succeeds(try await admin("product", "create", "--code", "GATE-ADULT", "--name", "Gate ticket", "--price", "120.00"))
        _ = succeeds(try await admin("product", "create", "--code", "BOAT", "--name", "Boat ride", "--price", "80.00"))
        _ = succeeds(try await admin("distributor", "bind", "1", "--product", "GATE-ADULT=98.00"))
        _ = succeeds(try await admin("distributor", "recharge", "1", "101.00"))
        let sale = try json(try await run("scenic-pos", ["sell", "--product", "GATE-ADULT", "--visit-date", tomorrow, "--json"]))
        let code = try #require((sale["voucherCodes"] as? [String])?.first)
        // As a person reads it off a printed voucher.
        let spaced = stride(from: 0, to: 16, by: 4).map { String(Array(code)[$0..<$0 + 4]) }.joined(separator: " ")

        // A product file with a blank line: lines are counted as the file's, not as rows.
        let products = daemon.dataDirectory + "-products.csv"
        try "code,name,price\nCANOE,\"Canoe, an hour\",60.00\n\nBAD CODE,Bad,0\n".write(toFile: products, atomically: true, encoding: .utf8)
        // A bad row past the first 1,000, which are checked as a chunk of their own.
        let many = daemon.dataDirectory + "-many.csv"
        try ("code,name,price\n" + (1...1001).map { "P\($0),Product \($0),10.00\n" }.joined() + "LATE,Late,0\n")
            .write(toFile: many, atomically: true, encoding: .utf8)

        let refusals = [
            Refusal(
                description: "bind: an unknown product and a price above retail",
                program: "scenic-admin",
                arguments: ["distributor", "bind", "2", "--product", "GATE-ADULT=98.00", "--product", "NOPE=10.00", "--product", "BOAT=90.00"],
                expected: [
                    "--product NOPE=10.00: no such product (PRODUCT_NOT_FOUND)",
                    "--product BOAT=90.00: the settlement price ¥90.00 must not exceed the retail price ¥80.00 (ABOVE_RETAIL_PRICE)",
                ]),
            Refusal(
                description: "set-price: a price above the most a product may cost",
                program: "scenic-admin", arguments: ["distributor", "set-price", "1", "GATE-ADULT=2000000"],
                expected: ["GATE-ADULT=2000000: must be at most ¥1000000.00 (TOO_LARGE)"]),
            Refusal(
                description: "unbind: a product not bound",
                program: "scenic-admin", arguments: ["distributor", "unbind", "1", "BOAT"],
                expected: ["reason: BINDING_NOT_FOUND", "\nBOAT: not bound to this distributor (NOT_BOUND)"]),
            Refusal(
                description: "product import: a bad row, by its line in the file",
                program: "scenic-admin", arguments: ["product", "import", products],
                expected: [
                    "\(products) line 4, code: must be 1–32 characters of A–Z a–z 0–9 - _ . (INVALID_CODE)",
                    "\(products) line 4, price: must be positive (NOT_POSITIVE)",
                ]),
            Refusal(
                description: "product import: a bad row in the second chunk",
                program: "scenic-admin", arguments: ["product", "import", many],
                expected: ["\(many) line 1003, price: must be positive (NOT_POSITIVE)"]),
            Refusal(
                description: "refund: a mistyped code, as typed",
                program: "scenic-pos", arguments: ["refund", code, "1234-5678-9012-345"],
                expected: ["\n1234-5678-9012-345: not 16 digits with a valid check digit (INVALID_VOUCHER_CODE)"]),
            Refusal(
                description: "refund: a code that is not the distributor's, as typed",
                program: "scenic-pos", arguments: ["refund", spaced, "--session-file", otherSession],
                expected: ["error: NOT_FOUND: no voucher \(spaced)\n", "reason: VOUCHER_NOT_FOUND"]),
            Refusal(
                description: "sell: the balance short, in yuan",
                program: "scenic-pos", arguments: ["sell", "--product", "GATE-ADULT", "--visit-date", tomorrow],
                expected: ["available balance ¥3.00, this sale needs ¥98.00", "reason: INSUFFICIENT_BALANCE"]),
            Refusal(
                description: "calendar prices: a distributor not bound to the product",
                program: "scenic-admin",
                arguments: ["calendar", "prices", "GATE-ADULT", "--from", tomorrow, "--to", tomorrow, "--settlement", "2=90.00"],
                expected: ["distributor 2 is not bound to GATE-ADULT", "reason: BINDING_NOT_FOUND"]),
            Refusal(
                description: "calendar prices: a settlement price too high and a distributor twice",
                program: "scenic-admin",
                arguments: [
                    "calendar", "prices", "GATE-ADULT", "--from", tomorrow, "--to", tomorrow, "--settlement", "1=2000000", "--binding-price", "1",
                ],
                expected: [
                    "\n--settlement 1=2000000: must be at most ¥1000000.00 (TOO_LARGE)",
                    "\n--binding-price 1: 1 appears more than once in the batch (DUPLICATE_ITEM)",
                ]),
            Refusal(
                description: "calendar set: overlapping slots",
                program: "scenic-admin",
                arguments: [
                    "calendar", "set", "GATE-ADULT", "--from", tomorrow, "--to", tomorrow, "--capacity", "5", "--slot", "09:00-11:00=2",
                    "--slot", "10:00-12:00=2",
                ],
                expected: ["\n--slot 10:00-12:00=2: overlaps another slot of the same dates (OVERLAPPING_SLOT)"]),
            Refusal(
                description: "product update: a retail price below a bound settlement price",
                program: "scenic-admin", arguments: ["product", "update", "GATE-ADULT", "--price", "50.00"],
                expected: ["GATE-ADULT is bound at a settlement price of ¥98.00", "reason: SETTLEMENT_ABOVE_RETAIL"]),
            Refusal(
                description: "recharge: more than a recharge may be",
                program: "scenic-admin", arguments: ["distributor", "recharge", "2", "2000000"],
                expected: ["a recharge is ¥0.01 to ¥1000000.00"]),
        ]
        for refusal in refusals {
            let result = try await run(refusal.program, refusal.arguments)
            #expect(result.status == 1, "\(refusal): \(result.stdout)")
            for line in refusal.expected {
                #expect(result.stderr.contains(line), "\(refusal): \(result.stderr)")
            }
            for leak in Self.leaks {
                #expect(!result.stderr.contains(leak), "\(refusal): \(leak) in \(result.stderr)")
            }
        }

        // Nothing above was written: all or nothing.
        let agent = try json(try await admin("distributor", "show", "2", "--json"))
        #expect(agent["balanceFen"] as? String == "0")
        #expect(try await admin("distributor", "show", "2", "--json").stdout.contains(#""balanceFen":"0""#))
        #expect((try json(try await admin("distributor", "products", "2", "--json"))["bindings"] as? [Any])?.isEmpty == true)
        #expect(try await run("scenic-pos", ["balance", "--json", "--session-file", otherSession]).stdout.contains(#""heldFen":"0""#))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
