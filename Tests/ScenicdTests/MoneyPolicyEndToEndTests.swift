import Foundation
import Testing

/// The money policies through both executables against a real daemon: refund rules
/// (stepped, fixed and base fees, deadlines, approval, non-refundable), credit lines and
/// date changes, each number read from the clients' `--json` output.
@Suite("Money policies end to end")
struct MoneyPolicyEndToEndTests {
    /// What one refund of the table must do.
    enum Outcome {
        /// Refunded at once: credits the price less `fee`.
        case credited(Int64, fee: Int64)
        /// Filed for approval: credits nothing now; approval would credit the price less `fee`.
        case pending(wouldCredit: Int64, fee: Int64)
        /// Refused with this reason; nothing changes.
        case refused(String)
    }

    struct RefundCase: CustomStringConvertible {
        var product: String
        /// The visit date, in days from today in the daemon's time zone: its visit starts
        /// 0–24 h from now for 1, 72–96 h for 4 and 216–240 h for 10.
        var daysAhead: Int
        var outcome: Outcome
        var description: String { "\(product) +\(daysAhead)d" }
    }

    static let price: Int64 = 9800

    /// All sold at ¥98.00. The two APPROVE vouchers are for today, so that the gate
    /// would admit them if a pending refund did not stop it.
    static let table: [RefundCase] = [
        .init(product: "STEP", daysAhead: 10, outcome: .credited(9800, fee: 0)),
        .init(product: "STEP", daysAhead: 4, outcome: .credited(9310, fee: 490)),
        .init(product: "STEP", daysAhead: 1, outcome: .credited(7840, fee: 1960)),
        .init(product: "FIXED", daysAhead: 1, outcome: .credited(8300, fee: 1500)),
        .init(product: "CUTOFF", daysAhead: 4, outcome: .credited(9800, fee: 0)),
        .init(product: "CUTOFF", daysAhead: 1, outcome: .refused("REFUND_WINDOW_CLOSED")),
        .init(product: "NOREFUND", daysAhead: 4, outcome: .refused("NOT_REFUNDABLE")),
        .init(product: "APPROVE", daysAhead: 0, outcome: .pending(wouldCredit: 8820, fee: 980)),
        .init(product: "APPROVE", daysAhead: 0, outcome: .pending(wouldCredit: 8820, fee: 980)),
    ]

    @Test("refund rules: stepped, fixed and base fees, a deadline, approval and non-refundable, to the fen; balance, ledger and statement agree")
    func refundTable() async throws {
        let desk = try await Desk.open()
        for product in ["STEP", "FIXED", "CUTOFF", "APPROVE"] {
            #expect(try await desk.admin("product", "create", "--code", product, "--name", product, "--price", "120.00").status == 0)
        }
        #expect(
            try await desk.admin("product", "create", "--code", "NOREFUND", "--name", "NOREFUND", "--price", "120.00", "--non-refundable")
                .status == 0)
        let rules: [(String, [String], String)] = [
            ("STEP", ["--fee", "20%", "--fee-step", "200h=0", "--fee-step", "72h=5%"],
             "refunds until the visit date ends; fee 20%, 5% from 72 h before, none from 200 h before"),
            ("FIXED", ["--fee", "15.00"], "refunds until the visit date ends; fee ¥15.00"),
            ("CUTOFF", ["--deadline", "30h"], "refunds until 30 h before the visit; no fee"),
            ("APPROVE", ["--fee", "10%", "--needs-approval"], "refunds until the visit date ends; fee 10%; needs approval"),
        ]
        for (product, options, words) in rules {
            let set = try await desk.admin(["product", "refund-rules", product] + options)
            #expect(set.status == 0, "\(set.stderr)")
            #expect(set.stdout.contains("refund rules  \(words)\n"), "\(set.stdout)")
        }
        #expect(
            try await desk.admin(
                "distributor", "bind", "1", "--product", "STEP=98.00", "--product", "FIXED=98.00", "--product", "CUTOFF=98.00",
                "--product", "APPROVE=98.00", "--product", "NOREFUND=98.00"
            ).status == 0)
        let recharged: Int64 = 200_000
        #expect(try await desk.admin("distributor", "recharge", "1", "2000.00").status == 0)

        var codes: [String] = []
        var approvalIDs: [String] = []
        for row in Self.table {
            let sale = try desk.json(
                try await desk.pos("sell", "--product", row.product, "--quantity", "1", "--visit-date", desk.date(row.daysAhead), "--json"))
            #expect(fen(sale["amountFen"]) == Self.price, "\(row)")
            let code = try #require((sale["voucherCodes"] as? [String])?.first)
            codes.append(code)
            let before = try await desk.balance()
            let entriesBefore = try await desk.ledger().count
            let refund = try await desk.pos("refund", code, "--json")
            switch row.outcome {
            case .credited(let credit, fee: let fee):
                let answer = try desk.json(refund)
                #expect(fen(answer["refundedFen"]) == credit, "\(row)")
                #expect(fen(answer["feeFen"]) == fee, "\(row)")
                #expect(fen(answer["balanceAfterFen"]) == before + credit, "\(row)")
                let voucher = try #require((answer["vouchers"] as? [[String: Any]])?.first)
                #expect(voucher["status"] as? String == "VOUCHER_STATUS_REFUNDED", "\(row)")
                #expect(fen(voucher["refundFeeFen"]) == fee, "\(row)")
                #expect(try await desk.balance() == before + credit, "\(row)")
            case .pending(wouldCredit: let wouldCredit, fee: let fee):
                let answer = try desk.json(refund)
                #expect(fen(answer["refundedFen"]) == 0, "\(row)")
                #expect(fen(answer["feeFen"]) == 0, "\(row)")
                #expect(fen(answer["balanceAfterFen"]) == before, "\(row)")
                #expect((answer["vouchers"] as? [[String: Any]])?.map { $0["status"] as? String } == ["VOUCHER_STATUS_REFUND_PENDING"])
                let approval = try #require((answer["approvals"] as? [[String: Any]])?.first)
                #expect(approval["voucherCode"] as? String == code)
                #expect(approval["status"] as? String == "REFUND_APPROVAL_STATUS_PENDING")
                #expect(fen(approval["feeFen"]) == fee, "\(row)")
                #expect(fen(approval["refundFen"]) == wouldCredit, "\(row)")
                approvalIDs.append(try #require(approval["id"] as? String))
                #expect(try await desk.balance() == before, "\(row)")
                #expect(try await desk.ledger().count == entriesBefore, "\(row)")
                #expect(try await desk.voucherStatus(code) == "VOUCHER_STATUS_REFUND_PENDING", "\(row)")
            case .refused(let reason):
                #expect(refund.status == 1, "\(row): \(refund.stdout)")
                #expect(refund.stderr.contains("reason: \(reason)\n"), "\(row): \(refund.stderr)")
                #expect(try await desk.balance() == before, "\(row)")
                #expect(try await desk.ledger().count == entriesBefore, "\(row)")
                #expect(try await desk.voucherStatus(code) == "VOUCHER_STATUS_VALID", "\(row)")
            }
        }

        // Both requests wait for the back office; meanwhile their vouchers neither admit nor move.
        let pending = try desk.json(try await desk.admin("refunds", "list", "--json"))
        let listed = try #require(pending["approvals"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(approvalIDs))
        #expect(listed.allSatisfy { fen($0["feeFen"]) == 980 && fen($0["refundFen"]) == 8820 && fen($0["settlementPriceFen"]) == 9800 })
        let (approved, rejected) = (codes[7], codes[8])
        for code in [approved, rejected] {
            let gate = try await desk.admin("gate", "check-in", "--code", code)
            #expect(gate.status == 1, "\(gate.stdout)")
            #expect(gate.stderr.contains("reason: REFUND_PENDING\n"), "\(gate.stderr)")
            let redeem = try await desk.admin("vouchers", "redeem", code)
            #expect(redeem.status == 1, "\(redeem.stdout)")
            #expect(redeem.stderr.contains("reason: REFUND_PENDING\n"), "\(redeem.stderr)")
            let move = try await desk.pos("change-date", code, "--to", desk.date(1))
            #expect(move.status == 1, "\(move.stdout)")
            #expect(move.stderr.contains("reason: REFUND_PENDING\n"), "\(move.stderr)")
        }

        // Approval credits the fee fixed at the request, once.
        let beforeApproval = try await desk.balance()
        let approval = try desk.json(try await desk.admin("refunds", "approve", approvalIDs[0], "--json"))
        #expect(approval["status"] as? String == "REFUND_APPROVAL_STATUS_APPROVED")
        #expect(fen(approval["refundFen"]) == 8820)
        #expect(try await desk.balance() == beforeApproval + 8820)
        #expect(try await desk.voucherStatus(approved) == "VOUCHER_STATUS_REFUNDED")
        let twice = try await desk.admin("refunds", "approve", approvalIDs[0])
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("reason: NOT_PENDING\n"), "\(twice.stderr)")
        #expect(try await desk.balance() == beforeApproval + 8820)

        // Rejection credits nothing and the voucher admits again.
        let rejection = try desk.json(
            try await desk.admin("refunds", "reject", approvalIDs[1], "--reason", "visitor is coming after all", "--json"))
        #expect(rejection["status"] as? String == "REFUND_APPROVAL_STATUS_REJECTED")
        #expect(rejection["reason"] as? String == "visitor is coming after all")
        #expect(try await desk.balance() == beforeApproval + 8820)
        #expect(try await desk.voucherStatus(rejected) == "VOUCHER_STATUS_VALID")
        let admitted = try await desk.admin("gate", "check-in", "--code", rejected)
        #expect(admitted.status == 0, "\(admitted.stderr)")
        #expect(try await desk.voucherStatus(rejected) == "VOUCHER_STATUS_REDEEMED")
        #expect((try desk.json(try await desk.admin("refunds", "list", "--json"))["approvals"] as? [Any])?.isEmpty == true)
        let decided = try desk.json(try await desk.pos("refunds", "--json"))
        #expect(
            Dictionary((decided["approvals"] as? [[String: Any]] ?? []).map {
                ($0["voucherCode"] as? String ?? "", $0["status"] as? String ?? "")
            }, uniquingKeysWith: { $0 + ", " + $1 }) == [approved: "REFUND_APPROVAL_STATUS_APPROVED", rejected: "REFUND_APPROVAL_STATUS_REJECTED"])

        // Every refund that credited, the approved one among them, with the fee the table names.
        var credits: [String: Int64] = [:]
        var fees: [String: Int64] = [:]
        for (row, code) in zip(Self.table, codes) {
            switch row.outcome {
            case .credited(let credit, fee: let fee):
                credits[code] = credit
                fees[code] = fee
            case .pending(wouldCredit: let credit, fee: let fee) where code == approved:
                credits[code] = credit
                fees[code] = fee
            case .pending, .refused: break
            }
        }
        let sold = Int64(Self.table.count) * Self.price
        let credited = credits.values.reduce(0, +)
        #expect(credited == 53_870)
        #expect(fees.values.reduce(0, +) == 4930)
        let balance = try await desk.balance()
        #expect(balance == recharged - sold + credited)

        let refundEntries = try await desk.ledger().filter { $0["kind"] as? String == "LEDGER_KIND_REFUND" }
        // Summed by voucher, so that a voucher refunded twice would show as a wrong amount.
        #expect(refundEntries.count == credits.count)
        #expect(Dictionary(refundEntries.map { ($0["voucherCode"] as? String ?? "", fen($0["feeFen"]) ?? -1) }, uniquingKeysWith: +) == fees)
        #expect(
            Dictionary(refundEntries.map { ($0["voucherCode"] as? String ?? "", fen($0["amountFen"]) ?? -1) }, uniquingKeysWith: +)
                == credits)

        let statement = try desk.json(
            try await desk.admin("report", "statement", "1", "--from", desk.date(0), "--to", desk.date(0), "--json"))
        #expect(fen(statement["refundFeesFen"]) == 4930)
        let refunds = try #require(statement["refunds"] as? [String: Any])
        #expect(fen(refunds["count"]) == Int64(credits.count))
        #expect(fen(refunds["amountFen"]) == credited)
        #expect(fen((statement["sales"] as? [String: Any])?["amountFen"]) == -sold)
        #expect(fen(statement["closingBalanceFen"]) == balance)
        #expect(statement["balanced"] as? Bool == true)
        try await desk.stop()
    }

    @Test("credit line: set-credit 500 lets a sale go below zero, balance shows credit used and available, CREDIT_IN_USE, a recharge repays")
    func creditLine() async throws {
        let desk = try await Desk.open()
        #expect(try await desk.admin("product", "create", "--code", "GATE", "--name", "Gate ticket", "--price", "120.00").status == 0)
        #expect(try await desk.admin("distributor", "bind", "1", "--product", "GATE=98.00").status == 0)
        #expect(try await desk.admin("distributor", "recharge", "1", "300.00").status == 0)
        let visit = desk.date(1)

        // Prepaid only, six tickets (¥588.00) are more than the ¥300.00 there is.
        let prepaid = try await desk.pos("sell", "--product", "GATE", "--quantity", "6", "--visit-date", visit)
        #expect(prepaid.status == 1)
        #expect(prepaid.stderr.contains("reason: INSUFFICIENT_BALANCE\n"), "\(prepaid.stderr)")

        let line = try desk.json(try await desk.admin("distributor", "set-credit", "1", "500", "--json"))
        #expect(fen(line["creditLimitFen"]) == 50_000)
        #expect(fen(line["availableFen"]) == 80_000)
        let sale = try desk.json(try await desk.pos("sell", "--product", "GATE", "--quantity", "6", "--visit-date", visit, "--json"))
        #expect(fen(sale["balanceAfterFen"]) == -28_800)
        let owing = try desk.json(try await desk.pos("balance", "--json"))
        #expect(fen(owing["balanceFen"]) == -28_800)
        #expect(fen(owing["creditLimitFen"]) == 50_000)
        #expect(fen(owing["creditUsedFen"]) == 28_800)
        #expect(fen(owing["availableFen"]) == 21_200)
        let shown = try await desk.pos("balance")
        #expect(shown.stdout.contains("credit used   ¥288.00\n"), "\(shown.stdout)")
        #expect(shown.stdout.contains("available     ¥212.00\n"), "\(shown.stdout)")

        // The line stops sales at its limit: ¥392.00 is more than the ¥212.00 left.
        let beyond = try await desk.pos("sell", "--product", "GATE", "--quantity", "4", "--visit-date", visit)
        #expect(beyond.status == 1)
        #expect(beyond.stderr.contains("reason: INSUFFICIENT_BALANCE\n"), "\(beyond.stderr)")

        // A limit must keep covering what is owed; exactly what is owed still does.
        let lowered = try await desk.admin("distributor", "set-credit", "1", "200")
        #expect(lowered.status == 1)
        #expect(lowered.stderr.contains("CREDIT_IN_USE"), "\(lowered.stderr)")
        #expect(lowered.stderr.contains("¥288.00 owed"), "\(lowered.stderr)")
        #expect(fen(try desk.json(try await desk.pos("balance", "--json"))["creditLimitFen"]) == 50_000)
        let exact = try desk.json(try await desk.admin("distributor", "set-credit", "1", "288.00", "--json"))
        #expect(fen(exact["creditLimitFen"]) == 28_800)
        #expect(fen(exact["availableFen"]) == 0)

        // A recharge repays what is owed first, and says so.
        let repaid = try await desk.admin("distributor", "recharge", "1", "400.00")
        #expect(repaid.status == 0, "\(repaid.stderr)")
        #expect(repaid.stdout == "recharged ¥400.00 (repaid ¥288.00 of credit); balance ¥112.00\n")
        let after = try desk.json(try await desk.pos("balance", "--json"))
        #expect(fen(after["balanceFen"]) == 11_200)
        #expect(fen(after["creditUsedFen"]) == 0)
        #expect(fen(after["availableFen"]) == 40_000)
        let plain = try desk.json(try await desk.admin("distributor", "recharge", "1", "100.00", "--json"))
        #expect(fen(plain["repaidFen"]) == 0)
        #expect(fen(plain["balanceFen"]) == 21_200)
        try await desk.stop()
    }

    @Test("date change onto a dearer date: the difference charged once, the codes kept, one date_change ledger entry")
    func dateChange() async throws {
        let desk = try await Desk.open()
        #expect(try await desk.admin("product", "create", "--code", "GATE", "--name", "Gate ticket", "--price", "120.00").status == 0)
        #expect(try await desk.admin("distributor", "bind", "1", "--product", "GATE=98.00").status == 0)
        #expect(try await desk.admin("distributor", "recharge", "1", "500.00").status == 0)
        let (from, to) = (desk.date(3), desk.date(5))
        #expect(
            try await desk.admin("calendar", "prices", "GATE", "--from", to, "--to", to, "--settlement", "1=110.00").stdout
                == "prices set on 1 date\n")

        let sale = try desk.json(try await desk.pos("sell", "--product", "GATE", "--quantity", "2", "--visit-date", from, "--json"))
        let codes = try #require(sale["voucherCodes"] as? [String])
        #expect(fen(sale["balanceAfterFen"]) == 30_400)

        let moved = try await desk.pos(["change-date"] + codes + ["--to", to, "--request-id", "move-1"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.hasSuffix("charged ¥24.00 (the new date's prices less those paid); balance ¥280.00\n"), "\(moved.stdout)")
        // The same request again is the first answer, not a second charge.
        let replay = try desk.json(try await desk.pos(["change-date"] + codes + ["--to", to, "--request-id", "move-1", "--json"]))
        #expect(fen(replay["differenceFen"]) == 2400)
        #expect(fen(replay["balanceAfterFen"]) == 28_000)
        #expect(try await desk.balance() == 28_000)
        let again = try await desk.pos(["change-date"] + codes + ["--to", to])
        #expect(again.status == 1)
        #expect(again.stderr.contains("reason: SAME_DATE\n"), "\(again.stderr)")

        let vouchers = try #require(try desk.json(try await desk.pos("vouchers", "--json"))["vouchers"] as? [[String: Any]])
        #expect(Set(vouchers.compactMap { $0["code"] as? String }) == Set(codes))
        #expect(vouchers.count == 2)
        #expect(vouchers.allSatisfy { $0["visitDate"] as? String == to && fen($0["settlementPriceFen"]) == 11_000 })

        let entries = try await desk.ledger()
        #expect(entries.map { $0["kind"] as? String } == ["LEDGER_KIND_RECHARGE", "LEDGER_KIND_SALE", "LEDGER_KIND_DATE_CHANGE"])
        #expect(entries.map { fen($0["amountFen"]) } == [50_000, -19_600, -2400])
        let statement = try desk.json(
            try await desk.admin("report", "statement", "1", "--from", desk.date(0), "--to", desk.date(0), "--json"))
        let changes = try #require(statement["dateChanges"] as? [String: Any])
        #expect(fen(changes["count"]) == 1)
        #expect(fen(changes["amountFen"]) == -2400)
        #expect(statement["balanced"] as? Bool == true)

        // A refund after the move credits all that was paid for the voucher: its price and its share of the difference.
        let refund = try desk.json(try await desk.pos("refund", codes[0], "--json"))
        #expect(fen(refund["refundedFen"]) == 11_000)
        #expect(try await desk.balance() == 39_000)
        try await desk.stop()
    }
}

/// protobuf's JSON mapping writes int64 as a string.
private func fen(_ value: Any?) -> Int64? {
    (value as? String).flatMap { Int64($0) }
}

/// A daemon on a fresh data directory in Asia/Shanghai, the two executables pointed at
/// it, and distributor 1 logged in with its own password.
private struct Desk {
    let daemon: DaemonProcess
    let environment: [String: String]
    let calendar: Calendar
    let now = Date()

    static func open() async throws -> Desk {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12", "--time-zone", "Asia/Shanghai"])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let desk = Desk(
            daemon: daemon,
            environment: ["SCENIC_DATA_DIR": daemon.dataDirectory, "XDG_CONFIG_HOME": daemon.dataDirectory + "-sessions"],
            calendar: calendar)
        let created = try desk.json(
            try await desk.admin("distributor", "create", "--name", "Hotel Desk", "--phone", "13800138000", "--json"))
        let password = try #require(created["initialPassword"] as? String)
        #expect(try await desk.pos(["login", "--phone", "13800138000", "--password-stdin"], input: password + "\n").status == 0)
        #expect(try await desk.pos(["passwd", "--password-stdin"], input: "\(password)\nthe desk 2026\n").status == 0)
        return desk
    }

    /// Today + `offset` days in the daemon's time zone, YYYY-MM-DD.
    func date(_ offset: Int) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: offset, to: now)!)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    func admin(_ arguments: String...) async throws -> CommandResult { try await admin(arguments) }
    func admin(_ arguments: [String]) async throws -> CommandResult {
        try await CommandResult.run("scenic-admin", arguments, environment: environment)
    }
    func pos(_ arguments: String...) async throws -> CommandResult { try await pos(arguments) }
    func pos(_ arguments: [String], input: String? = nil) async throws -> CommandResult {
        try await CommandResult.run("scenic-pos", arguments, environment: environment, input: input)
    }

    func json(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }

    func balance(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        try #require(fen(try json(try await pos("balance", "--json"), sourceLocation: sourceLocation)["balanceFen"]))
    }

    /// Distributor 1's ledger, oldest first, from the back office.
    func ledger(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[String: Any]] {
        let page = try json(try await admin("distributor", "ledger", "1", "--json"), sourceLocation: sourceLocation)
        #expect(page["nextPageToken"] as? String == "", sourceLocation: sourceLocation)
        return try #require(page["entries"] as? [[String: Any]], sourceLocation: sourceLocation)
    }

    func voucherStatus(_ code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String? {
        let page = try json(try await pos("vouchers", "--code", code, "--json"), sourceLocation: sourceLocation)
        return (page["vouchers"] as? [[String: Any]])?.first?["status"] as? String
    }

    func stop() async throws {
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
