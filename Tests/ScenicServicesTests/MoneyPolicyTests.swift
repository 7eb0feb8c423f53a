import Foundation
import GRDB
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

extension Harness {
    func setCredit(_ id: Int64, _ fen: Int64) async throws -> Scenic_V1_Distributor {
        var request = Scenic_V1_SetCreditRequest()
        request.id = id
        request.creditLimitFen = fen
        return try await call(admin, DistributorAdminService.service, "SetCredit", request)
    }

    /// Sets GATE's refund rules: `fee` and `steps` as (hours, fee), fees written "10%" or in fen.
    @discardableResult
    func setRefundPolicy(
        deadline: Scenic_V1_RefundDeadline = .visitDay, hours: Int32 = 0, fee: String = "0", steps: [(Int32, String)] = [],
        approval: Bool = false, code: String = "GATE"
    ) async throws -> Scenic_V1_Product {
        func refundFee(_ text: String) -> Scenic_V1_RefundFee {
            var fee = Scenic_V1_RefundFee()
            if text.hasSuffix("%") { fee.percentBp = Int32(text.dropLast())! * 100 } else { fee.fixedFen = Int64(text)! }
            return fee
        }
        var request = Scenic_V1_SetRefundPolicyRequest()
        request.code = code
        request.policy.deadline = deadline
        request.policy.deadlineHours = hours
        request.policy.fee = refundFee(fee)
        request.policy.steps = steps.map { hours, fee in
            var step = Scenic_V1_RefundFeeStep()
            step.hoursBefore = hours
            step.fee = refundFee(fee)
            return step
        }
        request.policy.needsApproval = approval
        return try await call(admin, ProductAdminService.service, "SetRefundPolicy", request)
    }

    func changeDate(token: String, _ codes: [String], to date: String, slot: String = "") async throws -> Scenic_V1_ChangeDateResponse {
        var request = Scenic_V1_ChangeDateRequest()
        request.voucherCodes = codes
        request.toDate = date
        request.slot = slot
        return try await call(pos, SalesService.service, "ChangeDate", request, token: token)
    }

    func approvals(status: Scenic_V1_RefundApprovalStatus = .pending) async throws -> [Scenic_V1_RefundApproval] {
        var request = Scenic_V1_ListRefundApprovalsRequest()
        request.status = status
        let response: Scenic_V1_ListRefundApprovalsResponse = try await call(admin, RefundAdminService.service, "List", request)
        return response.approvals
    }

    func decide(_ id: Int64, approve: Bool, reason: String = "") async throws -> Scenic_V1_RefundApproval {
        var request = Scenic_V1_DecideRefundRequest()
        request.id = id
        request.reason = reason
        return try await call(admin, RefundAdminService.service, approve ? "Approve" : "Reject", request)
    }

    func balance(token: String) async throws -> Scenic_V1_BalanceResponse {
        try await call(pos, SalesService.service, "Balance", Scenic_V1_BalanceRequest(), token: token)
    }

    func ledgerEntries(_ id: Int64) async throws -> [Scenic_V1_LedgerEntry] {
        var request = Scenic_V1_ListLedgerRequest()
        request.distributorID = id
        request.pageSize = 500
        let response: Scenic_V1_ListLedgerResponse = try await call(admin, AccountService.service, "ListLedger", request)
        return response.entries
    }
}

@Suite("Money policies")
struct MoneyPolicyTests {
    @Test("a credit line lets sales take the balance down to minus the limit, no further; a recharge repays first")
    func creditLine() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 10_000)
        _ = try await harness.sell(token: token)
        try await expectFailure(.failedPrecondition, reason: "INSUFFICIENT_BALANCE") { _ = try await harness.sell(token: token) }

        let distributor = try await harness.setCredit(id, 20_000)
        #expect(distributor.creditLimitFen == 20_000 && distributor.availableFen == 20_200 && distributor.creditUsedFen == 0)
        let second = try await harness.sell(token: token, quantity: 2)
        #expect(second.balanceAfterFen == -19_400)
        try await expectFailure(.failedPrecondition, reason: "INSUFFICIENT_BALANCE") { _ = try await harness.sell(token: token) }
        let balance = try await harness.balance(token: token)
        #expect(balance.balanceFen == -19_400 && balance.creditUsedFen == 19_400 && balance.availableFen == 600)
        let whoami = try await harness.whoAmI(token: token)
        #expect(whoami.creditLimitFen == 20_000 && whoami.creditUsedFen == 19_400 && whoami.availableFen == 600)

        let refused = try await expectFailure(.failedPrecondition, reason: "CREDIT_IN_USE") { _ = try await harness.setCredit(id, 19_000) }
        #expect(refused.metadata["credit_used_fen"] == "19400")
        #expect(try await harness.setCredit(id, 19_400).availableFen == 0)

        let partial = try await harness.recharge(id, 5_000)
        #expect(partial.repaidFen == 5_000 && partial.balanceFen == -14_400)
        let beyond = try await harness.recharge(id, 20_000)
        #expect(beyond.repaidFen == 14_400 && beyond.balanceFen == 5_600)
        #expect(try await harness.setCredit(id, 0).creditLimitFen == 0)
        try await harness.checkLedgerInvariants()
    }

    @Test("the schema itself refuses a balance below minus the credit line")
    func schemaKeepsCreditInvariant() async throws {
        let harness = try await Harness()
        let (id, _) = try await harness.seller(balance: 0)
        _ = try await harness.setCredit(id, 1_000)
        try await harness.execute("UPDATE distributor SET balance_fen = -1000 WHERE id = \(id)")
        await #expect(throws: (any Error).self) { try await harness.execute("UPDATE distributor SET balance_fen = -1001 WHERE id = \(id)") }
        #expect(try await harness.value("SELECT balance_fen FROM distributor WHERE id = \(id)") == -1000)
        try await harness.execute("UPDATE distributor SET balance_fen = 0 WHERE id = \(id)")
    }

    @Test("the low-balance alert looks at the available amount, credit line included")
    func lowBalanceOnAvailable() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 0)
        _ = try await harness.setCredit(id, 50_000)
        var threshold = Scenic_V1_SetLowBalanceAlertRequest()
        threshold.distributorID = id
        threshold.thresholdFen = 30_000
        let _: Scenic_V1_Distributor = try await harness.call(harness.admin, ReportsService.service, "SetLowBalanceAlert", threshold)
        _ = try await harness.sell(token: token)  // available 40,200: no alert
        #expect(try await harness.rowCount("sms_outbox") == 1)  // the initial password only
        _ = try await harness.sell(token: token)  // available 30,400
        _ = try await harness.sell(token: token)  // available 20,600: alert
        #expect(try await harness.rowCount("sms_outbox") == 2)
    }

    /// One row of the refund case table.
    struct RefundCase: Sendable, CustomTestStringConvertible {
        var deadline = Scenic_V1_RefundDeadline.visitDay
        var hours: Int32 = 0
        var fee = "0"
        var steps: [Step] = []
        var approval = false
        /// Hours the clock moves between the sale and the refund.
        var later = 0
        /// What the refund credits, or the reason it is refused.
        var outcome: String

        struct Step: Sendable {
            var hours: Int32
            var fee: String
        }

        var testDescription: String {
            "deadline \(deadline) \(hours) h, fee \(fee), steps \(steps.map { "\($0.hours)h=\($0.fee)" }), "
                + "\(approval ? "approval, " : "")\(later) h later: \(outcome)"
        }
    }

    static let tiered = [RefundCase.Step(hours: 72, fee: "0"), .init(hours: 48, fee: "5%"), .init(hours: 24, fee: "10%")]

    /// GATE at ¥98.00 sold for the date 3 days ahead (2027-01-18; today is 2027-01-15,
    /// 16:00): the refund is 56 hours before the visit starts, less `later`.
    @Test(
        "refund fees: each step, the base fee, fixed fees, deadlines, approval, non-refundable",
        arguments: [
            RefundCase(outcome: "9800"),
            RefundCase(fee: "10%", outcome: "8820"),
            RefundCase(fee: "20%", steps: tiered, outcome: "9310"),  // 56 h before: the 48 h step
            RefundCase(fee: "20%", steps: tiered, later: 30, outcome: "8820"),  // 26 h: the 24 h step
            RefundCase(fee: "20%", steps: tiered, later: 40, outcome: "7840"),  // 16 h: no step, the base fee
            RefundCase(fee: "20%", steps: tiered, later: 70, outcome: "7840"),  // on the visit day itself
            RefundCase(fee: "20%", steps: [.init(hours: 48, fee: "0")], later: -1, outcome: "9800"),  // 57 h
            RefundCase(fee: "1500", outcome: "8300"),  // ¥15.00 a ticket
            RefundCase(fee: "20000", outcome: "0"),  // a fixed fee above the price keeps the price, no more
            RefundCase(later: 80, outcome: "REFUND_WINDOW_CLOSED"),  // the visit date has passed
            RefundCase(deadline: .hoursBefore, hours: 24, later: 30, outcome: "9800"),  // 26 h before
            RefundCase(deadline: .hoursBefore, hours: 24, later: 33, outcome: "REFUND_WINDOW_CLOSED"),  // 23 h before
            RefundCase(deadline: .none, later: 80, outcome: "9800"),  // the day after, still valid
            RefundCase(fee: "10%", approval: true, outcome: "APPROVAL 8820"),
            RefundCase(outcome: "NOT_REFUNDABLE"),
        ])
    func refundCases(_ row: RefundCase) async throws {
        let harness = try await Harness()
        let refundable = row.outcome != "NOT_REFUNDABLE"
        let (id, token) = try await harness.seller(price: 9_800, balance: 100_000, refundable: refundable)
        try await harness.setRefundPolicy(
            deadline: row.deadline, hours: row.hours, fee: row.fee, steps: row.steps.map { ($0.hours, $0.fee) }, approval: row.approval)
        if row.deadline == .none {
            var update = Scenic_V1_UpdateProductRequest()
            update.code = "GATE"
            update.validDays = 3
            let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Update", update)
        }
        let sale = try await harness.sell(token: token, visitDate: harness.day(3))
        try await harness.advance(hours: row.later, keeping: token)
        if let credited = Int64(row.outcome) {
            let refund = try await harness.refund(token: token, sale.voucherCodes)
            #expect(refund.refundedFen == credited && refund.feeFen == 9_800 - credited)
            #expect(refund.vouchers[0].status == .refunded && refund.vouchers[0].refundFeeFen == 9_800 - credited)
            let entry = try #require(try await harness.ledgerEntries(id).last)
            #expect(entry.kind == .refund && entry.amountFen == credited && entry.feeFen == 9_800 - credited)
            #expect(refund.balanceAfterFen == 100_000 - 9_800 + credited)
        } else if row.outcome.hasPrefix("APPROVAL ") {
            let refund = try await harness.refund(token: token, sale.voucherCodes)
            #expect(refund.refundedFen == 0 && refund.vouchers[0].status == .refundPending)
            let approval = try #require(refund.approvals.first)
            #expect("APPROVAL \(approval.refundFen)" == row.outcome && approval.status == .pending)
            _ = try await harness.decide(approval.id, approve: true)
            #expect(try await harness.balance(token: token).balanceFen == 100_000 - 9_800 + approval.refundFen)
        } else {
            let entries = try await harness.ledgerEntries(id).count
            try await expectFailure(.failedPrecondition, reason: row.outcome) { _ = try await harness.refund(token: token, sale.voucherCodes) }
            #expect(try await harness.ledgerEntries(id).count == entries)
        }
        try await harness.checkLedgerInvariants()
    }
}

extension Harness {
    /// Moves the clock `hours` (back when negative), using the session every 10 hours so
    /// that it does not end idle.
    func advance(hours: Int, keeping token: String) async throws {
        var left = hours
        while left != 0 {
            let step = left > 0 ? min(left, 10) : max(left, -10)
            clock.advance(.seconds(step * 3600))
            left -= step
            _ = try await balance(token: token)
        }
    }
}

@Suite("Refund approvals and date changes")
struct ApprovalAndDateChangeTests {
    /// A seller of GATE (¥98.00) whose refunds need approval with a 10% fee, and one sale for tomorrow.
    func pendingRefund(_ harness: Harness) async throws -> (id: Int64, token: String, code: String, approval: Scenic_V1_RefundApproval) {
        let (id, token) = try await harness.seller(price: 9_800, balance: 100_000)
        try await harness.setRefundPolicy(fee: "10%", approval: true)
        let code = try await harness.sell(token: token, visitDate: harness.day(1)).voucherCodes[0]
        let refund = try await harness.refund(token: token, [code])
        return (id, token, code, try #require(refund.approvals.first))
    }

    @Test("a pending refund stops the gate, a second refund and a date change; rejection makes the voucher valid again")
    func pendingThenRejected() async throws {
        let harness = try await Harness()
        let (id, token, code, approval) = try await pendingRefund(harness)
        try await harness.advance(hours: 24, keeping: token)
        try await expectFailure(.failedPrecondition, reason: "REFUND_PENDING") { _ = try await harness.redeem(code) }
        try await expectFailure(.failedPrecondition, reason: "REFUND_PENDING") { _ = try await harness.refund(token: token, [code]) }
        try await expectFailure(.failedPrecondition, reason: "REFUND_PENDING") {
            _ = try await harness.changeDate(token: token, [code], to: harness.day(2))
        }
        try await expectViolation("EMPTY") { _ = try await harness.decide(approval.id, approve: false) }
        let rejected = try await harness.decide(approval.id, approve: false, reason: "visitor already entered")
        #expect(rejected.status == .rejected && rejected.reason == "visitor already entered" && rejected.decidedBy == "uid:0")
        try await expectFailure(.failedPrecondition, reason: "NOT_PENDING") { _ = try await harness.decide(approval.id, approve: true) }
        #expect(try await harness.balance(token: token).balanceFen == 100_000 - 9_800)
        #expect(try await harness.redeem(code).status == .redeemed)
        let kinds = try await harness.events(harness.admin).events.filter { $0.distributorID == id }.map(\.kind)
        #expect(kinds.contains(.refundRequested) && kinds.contains(.refundRejected))
        try await harness.checkLedgerInvariants()
    }

    @Test("a request no one decides is approved by the daemon when its time runs out")
    func autoApproval() async throws {
        let harness = try await Harness()
        let (_, token, code, approval) = try await pendingRefund(harness)
        let sweeper = RefundAutoApproval(store: harness.store, now: { harness.clock.now })
        #expect(try await sweeper.sweep() == 0)
        try await harness.advance(hours: 47, keeping: token)
        #expect(try await sweeper.sweep() == 0)
        try await harness.advance(hours: 1, keeping: token)
        #expect(try await sweeper.sweep() == 1)
        let decided = try #require(try await harness.approvals(status: .approved).first)
        #expect(decided.id == approval.id && decided.decidedBy == "daemon" && decided.refundFen == 8_820)
        #expect(try await harness.balance(token: token).balanceFen == 100_000 - 9_800 + 8_820)
        try await expectFailure(.failedPrecondition, reason: "VOUCHER_REFUNDED") { _ = try await harness.redeem(code) }
        try await harness.checkLedgerInvariants()
    }

    @Test("approval racing a check-in of the same voucher: exactly one wins, 20 times over")
    func approvalRacesCheckIn() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(price: 9_800, balance: 1_000_000)
        try await harness.setRefundPolicy(approval: true)
        for _ in 0..<20 {
            let code = try await harness.sell(token: token).voucherCodes[0]
            // The request and the gate race first; then, if the request won, its approval races the gate.
            async let filed: Scenic_V1_RefundResponse? = try? harness.refund(token: token, [code])
            async let entered: Scenic_V1_Voucher? = try? harness.redeem(code)
            let (request, admission) = await (filed, entered)
            #expect((request == nil) != (admission == nil))
            guard let approval = request?.approvals.first else { continue }
            async let approved: Scenic_V1_RefundApproval? = try? harness.decide(approval.id, approve: true)
            async let late: Scenic_V1_Voucher? = try? harness.redeem(code)
            let (decision, second) = await (approved, late)
            #expect((decision == nil) != (second == nil))
        }
        try await harness.checkLedgerInvariants()
    }

    @Test("a date change moves the places, keeps the codes and charges or credits the price difference once")
    func dateChange() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 100_000)
        try await harness.setCapacity(harness.range(1, 3), capacity: 2)
        var prices = Scenic_V1_SetDatePricesRequest()
        prices.productCode = "GATE"
        prices.dates = harness.range(3, 3)
        var settlement = Scenic_V1_DistributorDatePrice()
        settlement.distributorID = id
        settlement.settlementPriceFen = 11_000
        prices.settlementPrices = [settlement]
        _ = try await harness.calendarCall("SetPrices", prices)

        let codes = try await harness.sell(token: token, on: harness.day(1), quantity: 2).voucherCodes
        let moved = try await harness.changeDate(token: token, codes, to: harness.day(3))
        #expect(moved.vouchers.map(\.code) == codes && moved.vouchers.allSatisfy { $0.visitDate == harness.day(3) })
        #expect(moved.differenceFen == 2_400 && moved.balanceAfterFen == 100_000 - 19_600 - 2_400)
        #expect(moved.vouchers.allSatisfy { $0.settlementPriceFen == 11_000 })
        let entry = try #require(try await harness.ledgerEntries(id).last)
        #expect(entry.kind == .dateChange && entry.amountFen == -2_400)
        // Day 1 has its places back, day 3 is full.
        _ = try await harness.sell(token: token, on: harness.day(1), quantity: 2)
        try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") { _ = try await harness.sell(token: token, on: harness.day(3)) }
        try await expectFailure(.failedPrecondition, reason: "SAME_DATE") {
            _ = try await harness.changeDate(token: token, [codes[0]], to: harness.day(3))
        }
        // Back to a cheaper date credits the difference; a refund then credits what the voucher now cost.
        try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") {
            _ = try await harness.changeDate(token: token, [codes[0]], to: harness.day(1))
        }
        let back = try await harness.changeDate(token: token, [codes[0]], to: harness.day(2))
        #expect(back.differenceFen == -1_200)
        #expect(try await harness.refund(token: token, [codes[0]]).refundedFen == 9_800)
        let statement = try await harness.statement(id, from: harness.today, to: harness.today)
        #expect(statement.dateChanges.count == 2 && statement.dateChanges.amountFen == -1_200 && statement.balanced)
        let kinds = try await harness.events(harness.admin).events.filter { $0.kind == .dateChanged }
        #expect(kinds.count == 3 && kinds[0].dates == "\(harness.day(1))..\(harness.day(3))")
        try await harness.checkLedgerInvariants()
    }

    @Test("a date change past the deadline, of a used voucher, or onto a closed date changes nothing")
    func dateChangeRefusals() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 100_000)
        let sale = try await harness.sell(token: token, quantity: 2)
        _ = try await harness.redeem(sale.voucherCodes[1])
        let entries = try await harness.ledgerEntries(id).count
        try await expectFailure(.failedPrecondition, reason: "ALREADY_REDEEMED") {
            _ = try await harness.changeDate(token: token, sale.voucherCodes, to: harness.day(1))
        }
        var close = Scenic_V1_CloseDatesRequest()
        close.productCode = "GATE"
        close.dates = harness.range(1, 1)
        close.reason = "maintenance"
        _ = try await harness.calendarCall("Close", close)
        try await expectFailure(.failedPrecondition, reason: "DATE_CLOSED") {
            _ = try await harness.changeDate(token: token, [sale.voucherCodes[0]], to: harness.day(1))
        }
        try await expectViolation("INVALID_DATE") { _ = try await harness.changeDate(token: token, [sale.voucherCodes[0]], to: "2027-02-30") }
        try await harness.advance(hours: 9, keeping: token)  // the visit date has passed
        try await expectFailure(.failedPrecondition, reason: "REFUND_WINDOW_CLOSED") {
            _ = try await harness.changeDate(token: token, [sale.voucherCodes[0]], to: harness.day(2))
        }
        #expect(try await harness.ledgerEntries(id).count == entries)
        var query = VoucherQuery(limit: 1)
        query.code = sale.voucherCodes[0]
        #expect(try await harness.store.vouchers(query).first?.visitDate == harness.day(-1))
    }

    @Test("16 date changes racing for the last 3 places of a date: exactly 3 move, the others change nothing")
    func dateChangeRacesLastSeats() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 1_000_000)
        try await harness.setCapacity(harness.range(2, 2), capacity: 3)
        var codes: [String] = []
        for _ in 0..<16 { codes += try await harness.sell(token: token, on: harness.day(1)).voucherCodes }
        let results = await withTaskGroup(of: Bool.self) { group in
            for code in codes {
                group.addTask { (try? await harness.changeDate(token: token, [code], to: harness.day(2))) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 3)
        let sold: Int? = try await harness.value("SELECT sold FROM calendar_day WHERE visit_date = '\(harness.day(2))'")
        #expect(sold == 3)
        let onDay2: Int? = try await harness.value(
            "SELECT count(*) FROM voucher WHERE visit_date = '\(harness.day(2))' AND distributor_id = \(id)")
        #expect(onDay2 == 3)
        try await harness.checkLedgerInvariants()
    }

    @Test("a real-name ticket moves with its visitor, and not onto a period where its ID would pass the limit")
    func dateChangeKeepsIDLimits() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(price: 9_800, balance: 100_000)
        try await harness.setRealName(.perTicket, limit: 1)
        let zhang = harness.visitor("张三", ResidentIDs.zhang)
        let first = try await harness.sell(token: token, visitors: [zhang], on: harness.day(1)).voucherCodes[0]
        _ = try await harness.sell(token: token, visitors: [zhang], on: harness.day(2))
        let refused = try await expectFailure(.resourceExhausted, reason: "ID_LIMIT_EXCEEDED") {
            _ = try await harness.changeDate(token: token, [first], to: harness.day(2))
        }
        #expect(refused.fieldViolations.first?.field == "voucher_codes[0]")
        let moved = try await harness.changeDate(token: token, [first], to: harness.day(3))
        #expect(moved.vouchers[0].visitor.name == "张*" && moved.differenceFen == 0)
        // Day 1 is free for the ID again; day 3 is not.
        _ = try await harness.sell(token: token, visitors: [zhang], on: harness.day(1))
        try await expectFailure(.resourceExhausted, reason: "ID_LIMIT_EXCEEDED") {
            _ = try await harness.sell(token: token, visitors: [zhang], on: harness.day(3))
        }
    }
}
