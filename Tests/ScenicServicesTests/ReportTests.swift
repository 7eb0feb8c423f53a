import Foundation
import GRDB
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

extension Harness {
    func statement(_ id: Int64, from: String, to: String) async throws -> Scenic_V1_StatementResponse {
        var request = Scenic_V1_StatementRequest()
        request.distributorID = id
        request.fromDate = from
        request.toDate = to
        return try await call(admin, ReportsService.service, "Statement", request)
    }

    func salesReport(from: String, to: String, by: Scenic_V1_SalesGrouping) async throws -> Scenic_V1_SalesReportResponse {
        var request = Scenic_V1_SalesReportRequest()
        request.fromDate = from
        request.toDate = to
        request.groupBy = by
        return try await call(admin, ReportsService.service, "Sales", request)
    }

    func adjust(_ id: Int64, _ fen: Int64) async throws {
        var request = Scenic_V1_AdjustRequest()
        request.distributorID = id
        request.amountFen = fen
        request.reason = "correction"
        let _: Scenic_V1_BalanceChange = try await call(admin, AccountService.service, "Adjust", request)
    }

    /// Moves the clock to the next day and logs in again (the old session idles out).
    func nextDay() async throws -> String {
        clock.advance(.seconds(86_400))
        return try await login(password: "my own password").sessionToken
    }
}

@Suite("Reports")
struct ReportTests {
    @Test("a statement over a period with every kind of movement balances to the fen")
    func statementBalances() async throws {
        let harness = try await Harness()
        var (id, token) = try await harness.seller(price: 9_800, balance: 50_000)
        _ = try await harness.sell(token: token)  // before the period
        token = try await harness.nextDay()
        let first = harness.today
        _ = try await harness.recharge(id, 12_345)
        let sale = try await harness.sell(token: token, quantity: 3)
        _ = try await harness.refund(token: token, [sale.voucherCodes[0]])
        _ = try await harness.redeem(sale.voucherCodes[1])
        try await harness.adjust(id, -1_001)
        token = try await harness.nextDay()
        let last = harness.today
        _ = try await harness.sell(token: token, quantity: 2)
        try await harness.adjust(id, 77)
        token = try await harness.nextDay()
        _ = try await harness.sell(token: token)  // after the period

        let statement = try await harness.statement(id, from: first, to: last)
        #expect(statement.openingBalanceFen == 50_000 - 9_800)
        #expect(statement.recharges.amountFen == 12_345)
        #expect(statement.sales.count == 5)
        #expect(statement.sales.amountFen == -5 * 9_800)
        #expect(statement.refunds.count == 1)
        #expect(statement.refunds.amountFen == 9_800)
        #expect(statement.adjustments.count == 2)
        #expect(statement.adjustments.amountFen == -1_001 + 77)
        #expect(statement.closingBalanceFen == 50_000 - 9_800 + 12_345 - 5 * 9_800 + 9_800 - 1_001 + 77)
        #expect(statement.computedClosingFen == statement.closingBalanceFen)
        #expect(statement.balanced)
        #expect(statement.vouchersRefunded == 1)
        #expect(statement.vouchersRedeemed == 1)
        #expect(statement.vouchersValid + statement.vouchersExpired == 3)
        // The whole history: closing equals the balance now.
        let all = try await harness.statement(id, from: "2020-01-01", to: harness.today)
        #expect(all.closingBalanceFen == (try await harness.store.money(distributorID: id).balanceFen))
        #expect(all.openingBalanceFen == 0)
        try await expectFailure(.invalidArgument) { _ = try await harness.statement(id, from: last, to: first) }
    }

    @Test("a sales report's totals are the sum of its rows, whatever the grouping, and agree with the ledger")
    func salesReportTotals() async throws {
        let harness = try await Harness()
        let start = harness.today
        let (a, tokenA) = try await harness.seller(phone: "13800138000", price: 9_800, balance: 200_000)
        let (b, tokenB) = try await harness.seller(phone: "13900139000", price: 9_000, balance: 200_000)
        try await harness.product("KID", retailFen: 5_000)
        _ = try await harness.bind(a, [("KID", 4_000)])
        _ = try await harness.sell(token: tokenA, quantity: 2)
        let kid = try await harness.sell(token: tokenA, code: "KID", quantity: 3)
        _ = try await harness.refund(token: tokenA, [kid.voucherCodes[0]])
        let saleB = try await harness.sell(token: tokenB, quantity: 4)
        _ = try await harness.redeem(saleB.voucherCodes[0])
        let end = harness.today

        var totals: [Int64] = []
        for grouping in [Scenic_V1_SalesGrouping.day, .product, .distributor] {
            let report = try await harness.salesReport(from: start, to: end, by: grouping)
            #expect(report.total.ticketsSold == report.rows.reduce(0) { $0 + $1.ticketsSold })
            #expect(report.total.ticketsRefunded == report.rows.reduce(0) { $0 + $1.ticketsRefunded })
            #expect(report.total.ticketsRedeemed == report.rows.reduce(0) { $0 + $1.ticketsRedeemed })
            #expect(report.total.settlementRevenueFen == report.rows.reduce(0) { $0 + $1.settlementRevenueFen })
            totals.append(report.total.settlementRevenueFen)
            #expect(report.total.ticketsSold == 9)
            #expect(report.total.ticketsRefunded == 1)
            #expect(report.total.ticketsRedeemed == 1)
        }
        #expect(Set(totals).count == 1)
        // Revenue = what the ledger charged for sales less what it credited for refunds.
        let ledgerNet: Int64 = try await harness.value("SELECT -sum(amount_fen) FROM ledger_entry WHERE kind IN ('sale', 'refund')") ?? 0
        #expect(totals[0] == ledgerNet)
        #expect(totals[0] == 2 * 9_800 + 2 * 4_000 + 4 * 9_000)
        let byProduct = try await harness.salesReport(from: start, to: end, by: .product)
        #expect(byProduct.rows.map(\.key) == ["GATE", "KID"])
        let byDistributor = try await harness.salesReport(from: start, to: end, by: .distributor)
        #expect(byDistributor.rows.map(\.key) == ["\(a)", "\(b)"])
    }

    @Test("falling below the threshold sends one SMS, not one per sale; a recharge above it re-arms the alert")
    func lowBalanceAlert() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 1_000, balance: 10_000)
        var request = Scenic_V1_SetLowBalanceAlertRequest()
        request.distributorID = id
        request.thresholdFen = 5_000
        let armed: Scenic_V1_Distributor = try await harness.call(harness.admin, ReportsService.service, "SetLowBalanceAlert", request)
        #expect(!armed.lowBalance)
        func alerts() async throws -> Int {
            try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 100).filter { $0.body.contains("below ¥50.00") }.count
        }
        for _ in 0..<5 { _ = try await harness.sell(token: token) }
        #expect(try await alerts() == 0)
        for _ in 0..<3 { _ = try await harness.sell(token: token) }
        #expect(try await alerts() == 1)
        #expect(try await harness.idCall("Get", id).lowBalance)
        _ = try await harness.recharge(id, 10_000)
        #expect(try await !harness.idCall("Get", id).lowBalance)
        for _ in 0..<10 { _ = try await harness.sell(token: token) }
        #expect(try await alerts() == 2)
    }
}

@Suite("Voucher tally")
struct VoucherTallyTests {
    @Test(
        "voucher counts by state from the tally equal a count of the vouchers themselves, for any period",
        .enabled(if: TestBackend.isSQLite, "checks the SQLite store's own tally reader"))
    func tallyMatchesVouchers() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 1_000, balance: 1_000_000)
        // Another distributor selling in the same minutes, whose vouchers must not count.
        let (_, otherToken) = try await harness.seller(phone: "13800138001", price: 1_000, balance: 1_000_000)
        let start = Int64(harness.clock.now.timeIntervalSince1970 * 1_000)
        var codes: [String] = []
        for _ in 0..<30 {
            codes += try await harness.sell(token: token, quantity: 2).voucherCodes
            _ = try await harness.sell(token: otherToken, quantity: 3)
            harness.clock.advance(.seconds(7 * 60 + 13))
        }
        let end = Int64(harness.clock.now.timeIntervalSince1970 * 1_000)
        for code in codes.enumerated().filter({ $0.offset % 5 == 1 }).map(\.element) { _ = try await harness.redeem(code) }
        _ = try await harness.refund(token: token, codes.enumerated().filter { $0.offset % 7 == 3 && $0.offset % 5 != 1 }.map(\.element))

        for _ in 0..<200 {
            let from = Int64.random(in: start - 3_600_000...end + 3_600_000)
            let until = Int64.random(in: from...end + 3_600_000)
            let today = Bool.random() ? harness.today : "2099-01-01"
            let (tallied, counted) = try await #require(harness.sqlite).pool.read { db in
                let tallied = try SQLiteStore.voucherStates(db, distributorID: id, from: from, until: until, today: today)
                var counted: [String: (Int64, Int64)] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT status, count(*) AS count, sum(valid_until < ?) AS past FROM voucher
                        WHERE distributor_id = ? AND sold_at >= ? AND sold_at < ? GROUP BY status
                        """,
                    arguments: [today, id, from, until])
                {
                    counted[row["status"]] = (row["count"], row["past"])
                }
                return (tallied, counted)
            }
            let valid = counted["valid"] ?? (0, 0)
            #expect(tallied.valid == valid.0 - valid.1, "\(from)..<\(until)")
            #expect(tallied.expired == valid.1)
            #expect(tallied.redeemed == counted["redeemed"]?.0 ?? 0)
            #expect(tallied.refunded == counted["refunded"]?.0 ?? 0)
        }
    }
}
