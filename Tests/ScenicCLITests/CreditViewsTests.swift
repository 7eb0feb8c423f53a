import ScenicClient
import Testing

@testable import ScenicCLI

@Suite("Credit lines, refund fees, approvals and date changes as the clients print them")
struct CreditViewsTests {
    @Test("without a credit line or holds, the balance alone, as before")
    func plainBalance() {
        let rows = MoneyViews.balanceRows(balanceFen: 12_000, heldFen: 0, creditLimitFen: 0, creditUsedFen: 0, availableFen: 12_000)
        #expect(rows.map(\.0) == ["balance"])
        #expect(rows.map(\.1) == ["¥120.00"])
    }

    @Test("with holds only: held and available, as before")
    func heldBalance() {
        let rows = MoneyViews.balanceRows(balanceFen: 12_000, heldFen: 9800, creditLimitFen: 0, creditUsedFen: 0, availableFen: 2200)
        #expect(rows.map(\.0) == ["balance", "held", "available"])
        #expect(rows.map(\.1) == ["¥120.00", "¥98.00", "¥22.00"])
    }

    @Test("with a credit line: a balance below zero, the limit, what is used, and what is left to spend")
    func creditBalance() {
        let rows = MoneyViews.balanceRows(
            balanceFen: -12_000, heldFen: 9800, creditLimitFen: 500_000, creditUsedFen: 12_000, availableFen: 478_200)
        #expect(rows.map(\.0) == ["balance", "credit limit", "credit used", "held", "available"])
        #expect(rows.map(\.1) == ["-¥120.00", "¥5000.00", "¥120.00", "¥98.00", "¥4782.00"])
    }

    @Test("a refund's fee is said in the ledger, and a date change is named")
    func ledger() {
        var refund = Scenic_V1_LedgerEntry()
        refund.id = 3
        refund.kind = .refund
        refund.amountFen = 8820
        refund.feeFen = 980
        refund.voucherCode = "1234567890123452"
        var change = Scenic_V1_LedgerEntry()
        change.id = 4
        change.kind = .dateChange
        change.amountFen = -1000
        var page = Scenic_V1_ListLedgerResponse()
        page.entries = [refund, change]
        let lines = MoneyViews.ledger(page).split(separator: "\n")
        #expect(lines[1].contains("refund") && lines[1].contains("voucher 1234567890123452; fee ¥9.80"))
        #expect(lines[2].contains("date change") && lines[2].contains("-10.00") && !lines[2].contains("fee"))
        #expect(MoneyViews.status(.refundPending) == "refund pending")
    }

    @Test("a statement says refund fees, date changes and the credit line only when there are any")
    func statement() {
        var statement = Scenic_V1_StatementResponse()
        statement.balanced = true
        #expect(!StatementView.text(statement).contains("refund fees"))
        #expect(!StatementView.text(statement).contains("date changes"))
        #expect(!StatementView.text(statement).contains("credit"))
        statement.refundFeesFen = 980
        statement.dateChanges.count = 2
        statement.dateChanges.amountFen = -2000
        statement.creditLimitFen = 500_000
        statement.creditUsedFen = 12_000
        let text = StatementView.text(statement)
        #expect(text.contains("refund fees      ¥9.80 (kept of the refunded prices)"))
        #expect(text.contains("date changes     2 changes = -¥20.00"))
        #expect(text.contains("credit limit     ¥5000.00 (now)"))
        #expect(text.contains("credit used      ¥120.00 (by the closing balance)"))
    }

    @Test("the events of refund requests, date changes and credit lines, amounts in their own words")
    func events() {
        var requested = Scenic_V1_Event()
        requested.id = 1
        requested.at = "T"
        requested.kind = .refundRequested
        requested.voucherCode = "1234567890123452"
        requested.amountFen = 8820
        #expect(EventView.line(requested) == "1  T  refund requested  voucher 1234567890123452  would credit ¥88.20")
        var moved = Scenic_V1_Event()
        moved.id = 2
        moved.at = "T"
        moved.kind = .dateChanged
        moved.dates = "2026-12-01..2026-12-05"
        moved.amountFen = -500
        #expect(EventView.line(moved) == "2  T  date changed  from 2026-12-01 to 2026-12-05  credited ¥5.00")
        moved.amountFen = 500
        #expect(EventView.line(moved).hasSuffix("charged ¥5.00"))
        var credit = Scenic_V1_Event()
        credit.id = 3
        credit.at = "T"
        credit.kind = .creditChanged
        credit.distributorID = 1
        #expect(EventView.line(credit) == "3  T  credit line changed  distributor 1  credit line removed")
        credit.amountFen = 500_000
        #expect(EventView.line(credit).hasSuffix("credit limit ¥5000.00"))
        #expect(EventView.kind(.refundRejected) == "refund rejected")
    }

    @Test("a credit line lowered below its use is refused with the amounts in yuan")
    func creditInUse() {
        let error = RPCError(
            .failedPrecondition, "credit in use", reason: "CREDIT_IN_USE", metadata: ["credit_used_fen": "12000", "held_fen": "9800"])
        #expect(RefusalWording.message(error) == "the credit line is in use: ¥120.00 owed and ¥98.00 held must stay covered")
        let owedOnly = RPCError(
            .failedPrecondition, "credit in use", reason: "CREDIT_IN_USE", metadata: ["credit_used_fen": "37825", "held_fen": "0"])
        #expect(RefusalWording.message(owedOnly) == "the credit line is in use: ¥378.25 owed must stay covered")
    }

    @Test("a refund request: pending until its time, then decided by whom")
    func approvals() {
        var approval = Scenic_V1_RefundApproval()
        approval.id = 7
        approval.status = .pending
        approval.approveBy = "2026-12-03T10:00:00+08:00"
        #expect(RefundApprovalView.decision(approval) == "approve by 2026-12-03T10:00:00+08:00")
        approval.status = .approved
        approval.decidedAt = "2026-12-03T10:00:00+08:00"
        approval.decidedBy = "daemon"
        #expect(RefundApprovalView.decision(approval) == "2026-12-03T10:00:00+08:00 by the daemon, as no one decided in time")
        approval.status = .rejected
        approval.decidedBy = "uid:0"
        approval.reason = "ticket used at the side gate"
        #expect(RefundApprovalView.fields(approval).contains("decided      2026-12-03T10:00:00+08:00 by uid:0"))
        #expect(RefundApprovalView.fields(approval).contains("reason       ticket used at the side gate"))
    }
}
