import Foundation
import Testing

/// The money scenario, through both executables against a real daemon.
@Suite("Money and tickets end to end", .serialized)
struct MoneyEndToEndTests {
    @Test("bind at 98.00, recharge 200.00, sell 2 → 4.00; a third is refused; redeem one, refund the other → 102.00")
    func scenario() async throws {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12", "--time-zone", "Asia/Shanghai"])
        let sessions = daemon.dataDirectory + "-sessions"
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory, "XDG_CONFIG_HOME": sessions]
        func admin(_ arguments: String...) async throws -> CommandResult {
            try await CommandResult.run("scenic-admin", arguments, environment: environment)
        }
        func pos(_ arguments: [String], input: String? = nil) async throws -> CommandResult {
            try await CommandResult.run("scenic-pos", arguments, environment: environment, input: input)
        }
        func json(_ result: CommandResult) throws -> [String: Any] {
            #expect(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }

        let created = try json(try await admin("distributor", "create", "--name", "Hotel Desk", "--phone", "13800138000", "--json"))
        let password = try #require(created["initialPassword"] as? String)
        #expect(try await pos(["login", "--phone", "13800138000", "--password-stdin"], input: password + "\n").status == 0)
        #expect(try await pos(["passwd", "--password-stdin"], input: "\(password)\nthe desk 2026\n").status == 0)
        #expect(try await admin("product", "create", "--code", "GATE", "--name", "Gate ticket", "--price", "120.00").status == 0)
        #expect(try await admin("distributor", "bind", "1", "--product", "GATE=98.00").status == 0)
        let recharged = try await admin("distributor", "recharge", "1", "200.00")
        #expect(recharged.stdout.contains("balance ¥200.00"))
        #expect(recharged.stderr.hasPrefix("request id: "))

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)

        let sale = try json(try await pos(["sell", "--product", "GATE", "--quantity", "2", "--visit-date", today, "--json"]))
        #expect(sale["balanceAfterFen"] as? String == "400")
        let codes = try #require(sale["voucherCodes"] as? [String])
        #expect(codes.count == 2)
        #expect(try await pos(["balance"]).stdout == "¥4.00\n")

        let refused = try await pos(["sell", "--product", "GATE", "--quantity", "1", "--visit-date", today])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("error: FAILED_PRECONDITION"))
        #expect(refused.stderr.contains("reason: INSUFFICIENT_BALANCE"))
        #expect(try await pos(["balance"]).stdout == "¥4.00\n")

        let listed = try json(try await admin("vouchers", "list", "--distributor", "1", "--json"))
        #expect(Set((listed["vouchers"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }) == Set(codes))

        #expect(try await admin("vouchers", "redeem", codes[0]).status == 0)
        let refund = try json(try await pos(["refund", codes[1], "--json"]))
        #expect(refund["balanceAfterFen"] as? String == "10200")
        #expect(try await pos(["balance"]).stdout == "¥102.00\n")

        let ledger = try json(try await admin("distributor", "ledger", "1", "--json"))
        let entries = try #require(ledger["entries"] as? [[String: Any]])
        #expect(entries.map { $0["kind"] as? String } == ["LEDGER_KIND_RECHARGE", "LEDGER_KIND_SALE", "LEDGER_KIND_REFUND"])
        #expect(entries.map { $0["balanceAfterFen"] as? String } == ["20000", "400", "10200"])
        #expect(entries.map { $0["amountFen"] as? String } == ["20000", "-19600", "9800"])

        let mine = try json(try await pos(["vouchers", "--json"]))
        let states = (mine["vouchers"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
            $0[$1["code"] as? String ?? ""] = $1["status"] as? String
        }
        #expect(states == [codes[0]: "VOUCHER_STATUS_REDEEMED", codes[1]: "VOUCHER_STATUS_REFUNDED"])
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
