import Foundation

/// The state of one crash test: every operation planned, every answer received, and the
/// figures of the report.
struct CrashRun {
    let fixture: Fixture
    let adminSocket: String
    let posSocket: String
    let directory: String
    private(set) var planned: [CrashOperation] = []
    private(set) var answers: [String: CrashAcknowledgement] = [:]
    /// Sales whose first voucher has a refund planned.
    private var refundPlanned: Set<String> = []
    var report = CrashReport()

    init(fixture: Fixture, adminSocket: String, posSocket: String, directory: String) {
        self.fixture = fixture
        self.adminSocket = adminSocket
        self.posSocket = posSocket
        self.directory = directory
    }

    var pending: [CrashOperation] { planned.filter { answers[$0.id] == nil } }

    /// Adds `sales` sales, a recharge for every four sales, and a refund for each of up to
    /// a quarter as many sales already acknowledged.
    mutating func planMore(sales: Int) {
        let sellers = fixture.sellers.count
        for _ in 0..<sales {
            planned.append(CrashOperation(
                id: "sell-\(planned.count)", kind: .sell, seller: Int.random(in: 0..<sellers), quantity: Int32.random(in: 1...3)))
        }
        for _ in 0..<max(1, sales / 4) {
            planned.append(CrashOperation(
                id: "recharge-\(planned.count)", kind: .recharge, seller: Int.random(in: 0..<sellers),
                amountFen: Int64.random(in: 1...500) * 100))
        }
        let refundable = planned.filter { $0.kind == .sell && !refundPlanned.contains($0.id) && answers[$0.id]?.codes.isEmpty == false }
        for sale in refundable.shuffled().prefix(max(1, sales / 4)) {
            refundPlanned.insert(sale.id)
            planned.append(CrashOperation(
                id: "refund-\(planned.count)", kind: .refund, seller: sale.seller, codes: [answers[sale.id]!.codes[0]]))
        }
    }

    /// A few answered operations, sent again: each must replay its first answer.
    func replaySample(_ count: Int) -> [CrashOperation] {
        Array(planned.filter { answers[$0.id] != nil }.shuffled().prefix(count))
    }

    /// Splits `operations` over `clients` worker processes and starts them.
    func startWorkers(_ operations: [CrashOperation], clients: Int, cycle: Int) throws -> [Process] {
        try (0..<clients).map { index in
            let share = operations.enumerated().filter { $0.offset % clients == index }.map(\.element)
            let plan = WorkerPlan(
                adminSocket: adminSocket, posSocket: posSocket, tokens: fixture.sellers.map(\.token),
                sellerIDs: fixture.sellers.map(\.id), visitDate: fixture.today, operations: share)
            let planPath = Self.planPath(directory, cycle, index)
            try JSONEncoder().encode(plan).write(to: URL(fileURLWithPath: planPath))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            process.arguments = ["crash-worker", "--plan", planPath, "--acknowledgements", Self.answersPath(directory, cycle, index)]
            try process.run()
            return process
        }
    }

    /// Returns once `cycle`'s workers have written `count` answers between them (one line
    /// each), or after `limit`.
    func waitForAnswers(_ count: Int, cycle: Int, clients: Int, atMost limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        let paths = (0..<clients).map { Self.answersPath(directory, cycle, $0) }
        while ContinuousClock.now < deadline {
            let lines = paths.reduce(0) { total, path in
                total + (FileManager.default.contents(atPath: path)?.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } ?? 0)
            }
            if lines >= count { return }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    private static func planPath(_ directory: String, _ cycle: Int, _ worker: Int) -> String {
        "\(directory)/crash-plan-\(cycle)-\(worker).json"
    }

    private static func answersPath(_ directory: String, _ cycle: Int, _ worker: Int) -> String {
        "\(directory)/crash-answers-\(cycle)-\(worker).jsonl"
    }

    /// Reads the answers of `cycle`'s workers; returns how many first answers came.
    mutating func collect(cycle: Int, replays: [CrashOperation]) -> Int {
        let replayIDs = Set(replays.map(\.id))
        var firsts = 0
        for worker in 0... {
            let path = Self.answersPath(directory, cycle, worker)
            guard FileManager.default.fileExists(atPath: path) else { break }
            defer {
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: Self.planPath(directory, cycle, worker))
            }
            for answer in JSONLines.read(CrashAcknowledgement.self, from: path) {
                if let refusal = answer.refusal { report.refusals.append("\(answer.id): \(refusal)") }
                if replayIDs.contains(answer.id), let first = answers[answer.id] {
                    report.replays += 1
                    if first != answer { report.replayMismatches.append(answer.id) }
                } else if answers[answer.id] == nil {
                    answers[answer.id] = answer
                    firsts += 1
                }
            }
        }
        report.operations = planned.count
        report.answered = answers.count
        return firsts
    }

    /// Checks the stopped daemon's database against every answer.
    mutating func verify(database: String) throws {
        let sql = SQLiteShell(database: database)
        report.integrity = try sql.value("PRAGMA integrity_check")
        let sells = planned.filter { $0.kind == .sell }
        let recharges = planned.filter { $0.kind == .recharge }
        let refunds = planned.filter { $0.kind == .refund }
        report.sells = sells.count
        report.recharges = recharges.count
        report.refunds = refunds.count

        var lost: [String] = []
        // Answers carry public numbers, not row ids: a sale is found by its codes, all in one
        // order and in the order given, a recharge by its note.
        let orders = try sql.rows("SELECT order_id, group_concat(code) FROM (SELECT order_id, code FROM voucher ORDER BY id) GROUP BY order_id")
        let codesOfOrders = Set(orders.map { $0[1] })
        for sale in sells where !codesOfOrders.contains(answers[sale.id]?.codes.joined(separator: ",") ?? "") {
            lost.append(sale.id)
        }
        let notes = Set(try sql.rows("SELECT note FROM ledger_entry WHERE kind = 'recharge'").map { $0[0] })
        lost += recharges.filter { !notes.contains($0.id) }.map(\.id)
        let refunded = Set(try sql.rows("SELECT code FROM voucher WHERE status = 'refunded'").map { $0[0] })
        lost += refunds.filter { !$0.codes.allSatisfy(refunded.contains) }.map(\.id)
        report.lost = lost

        let saleOrders = Int(try sql.value("SELECT count(*) FROM sale_order")) ?? -1
        let rechargeEntries = (Int(try sql.value("SELECT count(*) FROM ledger_entry WHERE kind = 'recharge'")) ?? -1)
            - fixture.sellers.count
        let refundedVouchers = refunded.count
        report.appliedTwice =
            max(0, saleOrders - sells.count) + max(0, rechargeEntries - recharges.count)
            + max(0, refundedVouchers - refunds.reduce(0) { $0 + $1.codes.count })
        report.missingRows =
            max(0, sells.count - saleOrders) + max(0, recharges.count - rechargeEntries)
            + max(0, refunds.reduce(0) { $0 + $1.codes.count } - refundedVouchers)

        for (index, seller) in fixture.sellers.enumerated() {
            let sold = sells.filter { $0.seller == index }.reduce(Int64(0)) { $0 + Int64($1.quantity) * Fixture.priceFen }
            let charged = recharges.filter { $0.seller == index }.reduce(Int64(0)) { $0 + $1.amountFen }
            let returned = refunds.filter { $0.seller == index }.reduce(Int64(0)) { $0 + Int64($1.codes.count) * Fixture.priceFen }
            let expected = Fixture.rechargeFen + charged - sold + returned
            let balance = try sql.value("SELECT balance_fen FROM distributor WHERE id = \(seller.id)")
            let ledger = try sql.value("SELECT sum(amount_fen) FROM ledger_entry WHERE distributor_id = \(seller.id)")
            if balance != "\(expected)" || ledger != "\(expected)" {
                report.balanceMismatches.append("distributor \(seller.id): balance \(balance), ledger \(ledger), expected \(expected)")
            }
        }
        report.negativeBalances = Int(try sql.value("SELECT count(*) FROM ledger_entry WHERE balance_after_fen < 0")) ?? -1
    }
}

/// Runs queries through the sqlite3 shell: the check reads the database with a program
/// that shares no code with the daemon.
struct SQLiteShell {
    let database: String

    func rows(_ query: String) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-separator", "|", database, query]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("sqlite3 failed on: \(query)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    func value(_ query: String) throws -> String { try rows(query).first?.first ?? "" }
}
