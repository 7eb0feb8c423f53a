import Foundation
import GRDB
import ScenicNumbering
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

extension Harness {
    var today: String { services.accountPolicy.today }

    func recharge(_ id: Int64, _ fen: Int64, requestID: String = "") async throws -> Scenic_V1_BalanceChange {
        var request = Scenic_V1_RechargeRequest()
        request.distributorID = id
        request.amountFen = fen
        request.requestID = requestID
        return try await call(admin, AccountService.service, "Recharge", request)
    }

    func sell(
        token: String, code: String = "GATE", quantity: Int32 = 1, visitDate: String? = nil, requestID: String = ""
    ) async throws -> Scenic_V1_SellResponse {
        var request = Scenic_V1_SellRequest()
        request.productCode = code
        request.quantity = quantity
        request.visitDate = visitDate ?? today
        request.requestID = requestID
        return try await call(pos, SalesService.service, "Sell", request, token: token)
    }

    func refund(token: String, _ codes: [String], requestID: String = "") async throws -> Scenic_V1_RefundResponse {
        var request = Scenic_V1_RefundRequest()
        request.voucherCodes = codes
        request.requestID = requestID
        return try await call(pos, SalesService.service, "Refund", request, token: token)
    }

    func redeem(_ code: String) async throws -> Scenic_V1_Voucher {
        var request = Scenic_V1_RedeemRequest()
        request.code = code
        return try await call(admin, VoucherAdminService.service, "Redeem", request)
    }

    /// A distributor with GATE (retail 120.00) bound at `price`, recharged with `balance`.
    func seller(phone: String = "13800138000", price: Int64 = 9_800, balance: Int64 = 20_000, refundable: Bool = true) async throws
        -> (id: Int64, token: String)
    {
        let (id, token, _) = try await activeDistributor(phone: phone)
        if try await store.product(code: "GATE") == nil { try await product("GATE", retailFen: 12_000, refundable: refundable) }
        _ = try await bind(id, [("GATE", price)])
        if balance > 0 { _ = try await recharge(id, balance) }
        return (id, token)
    }

    /// Balance = sum of the ledger = recharges + adjustments − sales + refunds (less their
    /// fees) + date changes ≥ −credit limit, and each entry's balance_after follows from the
    /// one before: for every distributor.
    func checkLedgerInvariants() async throws {
        for distributor in try await rows("SELECT * FROM distributor").map(DistributorRecord.init(row:)) {
            let entries = try await rows("SELECT * FROM ledger_entry WHERE distributor_id = \(distributor.id) ORDER BY id")
                .map(LedgerEntryRecord.init(row:))
            var running: Int64 = 0
            for entry in entries {
                running += entry.amountFen
                #expect(entry.balanceAfterFen == running)
                switch entry.kind {
                case .recharge: #expect(entry.amountFen > 0)
                case .refund: #expect(entry.amountFen >= 0 && entry.amountFen + entry.feeFen > 0)
                case .sale: #expect(entry.amountFen < 0)
                case .dateChange: #expect(entry.amountFen != 0)
                case .adjustment: break
                }
                if entry.kind != .refund { #expect(entry.feeFen == 0) }
            }
            #expect(distributor.balanceFen == running)
            // Limits change over time: only today's balance answers to today's limit.
            #expect(distributor.balanceFen >= -distributor.creditLimitFen)
            let sales: Int64 = try await value("SELECT coalesce(sum(amount_fen), 0) FROM sale_order WHERE distributor_id = \(distributor.id)") ?? 0
            let refunds: Int64 = try await value(
                "SELECT coalesce(sum(settlement_price_fen - coalesce(refund_fee_fen, 0)), 0) FROM voucher WHERE distributor_id = \(distributor.id) AND status = 'refunded'") ?? 0
            let credits: Int64 = try await value(
                "SELECT coalesce(sum(amount_fen), 0) FROM ledger_entry WHERE distributor_id = \(distributor.id) AND kind IN ('recharge', 'adjustment', 'date_change')") ?? 0
            #expect(distributor.balanceFen == credits - sales + refunds)
            #expect(distributor.heldFen >= 0 && distributor.heldFen <= distributor.balanceFen + distributor.creditLimitFen)
        }
    }
}

@Suite("Money and tickets")
struct MoneyTests {
    @Test("32 concurrent sellers against one balance: exactly floor(balance / price) succeed, the balance is exact")
    func concurrentSellers() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 100_000)  // covers 10 of 32
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    do {
                        _ = try await harness.sell(token: token)
                        return "sold"
                    } catch let error as RPCError {
                        return error.reason ?? "\(error.code)"
                    }
                }
            }
            return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        #expect(outcomes == ["sold": 10, "INSUFFICIENT_BALANCE": 22])
        #expect(try await harness.store.money(distributorID: id).balanceFen == 100_000 - 10 * 9_800)
        #expect(try await harness.rowCount("voucher") == 10)
        try await harness.checkLedgerInvariants()
    }

    @Test("the same sell request id twice at once, and again after: one order, one charge; other content is refused")
    func idempotentSell() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller()
        async let first = harness.sell(token: token, quantity: 2, requestID: "sale-1")
        async let second = harness.sell(token: token, quantity: 2, requestID: "sale-1")
        let (a, b) = try await (first, second)
        #expect(a == b)
        let third = try await harness.sell(token: token, quantity: 2, requestID: "sale-1")
        #expect(third == a)
        #expect(try await harness.rowCount("sale_order") == 1)
        #expect(try await harness.store.money(distributorID: id).balanceFen == 20_000 - 2 * 9_800)
        let reused = try await expectFailure(.failedPrecondition, reason: "REQUEST_ID_REUSED") {
            _ = try await harness.sell(token: token, quantity: 1, requestID: "sale-1")
        }
        #expect(reused.fieldViolations.map(\.field) == ["request_id"])
        // A refused call writes nothing, so its id stays free.
        try await expectFailure(.failedPrecondition, reason: "INSUFFICIENT_BALANCE") {
            _ = try await harness.sell(token: token, quantity: 5, requestID: "sale-2")
        }
        _ = try await harness.recharge(id, 9_800)
        _ = try await harness.sell(token: token, quantity: 1, requestID: "sale-2")
        try await harness.checkLedgerInvariants()
    }

    @Test("a sale retried after midnight with its request id gets its first answer, not IN_THE_PAST")
    func retryAfterMidnight() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 50_000)
        let first = try await harness.sell(token: token, quantity: 2, requestID: "late-night")
        let yesterday = harness.today
        let fresh = try await harness.nextDay()
        var request = Scenic_V1_SellRequest()
        request.productCode = "GATE"
        request.quantity = 2
        request.visitDate = yesterday
        request.requestID = "late-night"
        let again: Scenic_V1_SellResponse = try await harness.call(harness.pos, SalesService.service, "Sell", request, token: fresh)
        #expect(again == first)
        #expect(try await harness.store.money(distributorID: id).balanceFen == 50_000 - 2 * 9_800)
        request.requestID = "new-one"
        try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_SellResponse = try await harness.call(harness.pos, SalesService.service, "Sell", request, token: fresh)
        }
    }

    @Test("an insufficient balance refuses the sale, says what it has and needs, and changes nothing")
    func insufficient() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 10_000)
        let error = try await expectFailure(.failedPrecondition, reason: "INSUFFICIENT_BALANCE") {
            _ = try await harness.sell(token: token, quantity: 2)
        }
        #expect(error.metadata == ["balance_fen": "10000", "required_fen": "19600"])
        #expect(error.message.contains("¥100.00") && error.message.contains("¥196.00"))
        #expect(try await harness.store.money(distributorID: id).balanceFen == 10_000)
        #expect(try await harness.rowCount("sale_order") == 0)
        #expect(try await harness.rowCount("ledger_entry") == 1)
    }

    @Test("whoami shows the balance after every sale and recharge, though the session is not read again")
    func whoAmIBalanceIsCurrent() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 20_000)
        #expect(try await harness.whoAmI(token: token).balanceFen == 20_000)
        _ = try await harness.sell(token: token)
        #expect(try await harness.whoAmI(token: token).balanceFen == 10_200)
        _ = try await harness.recharge(id, 5_000)
        #expect(try await harness.whoAmI(token: token).balanceFen == 15_200)
    }

    @Test("bad sales are refused naming the field", arguments: [
        ("GATE", Int32(0), "today", "quantity"), ("GATE", Int32(101), "today", "quantity"),
        ("GATE", Int32(1), "2020-01-01", "visit_date"), ("GATE", Int32(1), "2026-02-30", "visit_date"),
        ("GATE", Int32(1), "tomorrow", "visit_date"), ("bad code", Int32(1), "today", "product_code"),
    ])
    func badSale(code: String, quantity: Int32, visit: String, field: String) async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller()
        let error = try await expectFailure(.invalidArgument) {
            _ = try await harness.sell(token: token, code: code, quantity: quantity, visitDate: visit == "today" ? harness.today : visit)
        }
        #expect(error.fieldViolations.map(\.field) == [field])
        #expect(try await harness.rowCount("sale_order") == 0)
    }

    @Test("an unbound, archived or unknown product is PRODUCT_NOT_AUTHORIZED")
    func notAuthorized() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller()
        try await harness.product("OTHER")
        for code in ["OTHER", "NOPE"] {
            try await expectFailure(.failedPrecondition, reason: "PRODUCT_NOT_AUTHORIZED") { _ = try await harness.sell(token: token, code: code) }
        }
        var unbind = Scenic_V1_UnbindProductsRequest()
        unbind.distributorID = id
        unbind.productCodes = ["GATE"]
        let _: Scenic_V1_BindingsResponse = try await harness.call(harness.admin, BindingAdminService.service, "Unbind", unbind)
        try await expectFailure(.failedPrecondition, reason: "PRODUCT_NOT_AUTHORIZED") { _ = try await harness.sell(token: token) }
    }

    @Test("a sale keeps the prices it was sold at; a later price change alters nothing sold, and a refund credits the old price")
    func priceSnapshot() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 20_000)
        let sale = try await harness.sell(token: token)
        _ = try await harness.bind(id, [("GATE", 5_000)], method: "SetPrices")
        var update = Scenic_V1_UpdateProductRequest()
        update.code = "GATE"
        update.retailPriceFen = 15_000
        update.refundRule = .nonRefundable
        let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Update", update)
        let voucher = try #require(try await harness.store.vouchers(.init(limit: 1)).first)
        #expect(voucher.settlementPriceFen == 9_800)
        #expect(voucher.retailPriceFen == 12_000)
        #expect(voucher.refundable)
        let refund = try await harness.refund(token: token, sale.voucherCodes)
        #expect(refund.refundedFen == 9_800)
        #expect(refund.balanceAfterFen == 20_000)
        try await harness.checkLedgerInvariants()
    }

    @Test("a distributor cannot see or refund another's vouchers: NOT_FOUND, as for a code that does not exist")
    func isolation() async throws {
        let harness = try await Harness()
        let (_, tokenA) = try await harness.seller(phone: "13800138000")
        let (_, tokenB) = try await harness.seller(phone: "13900139000")
        let sale = try await harness.sell(token: tokenA)
        let code = sale.voucherCodes[0]
        var filter = Scenic_V1_VoucherFilter()
        filter.code = code
        let seen: Scenic_V1_ListVouchersResponse = try await harness.call(harness.pos, SalesService.service, "ListVouchers", filter, token: tokenB)
        #expect(seen.vouchers.isEmpty)
        let foreign = try await expectFailure(.notFound, reason: "VOUCHER_NOT_FOUND") { _ = try await harness.refund(token: tokenB, [code]) }
        let missing = try await expectFailure(.notFound, reason: "VOUCHER_NOT_FOUND") {
            _ = try await harness.refund(token: tokenB, [VoucherCodes(key: Array(repeating: 1, count: 16)).code(for: 1)])
        }
        #expect(foreign.message.replacingOccurrences(of: code, with: "X") == missing.message.replacingOccurrences(of: missing.metadata["code"] ?? "", with: "X"))
        let own: Scenic_V1_ListVouchersResponse = try await harness.call(harness.pos, SalesService.service, "ListVouchers", filter, token: tokenA)
        #expect(own.vouchers.map(\.code) == [code])
    }

    @Test("redemption: today only, once; refunded and expired vouchers have their own reasons; undo within 10 minutes")
    func redemption() async throws {
        let harness = try await Harness()
        let (seller, token) = try await harness.seller(balance: 100_000)
        let tomorrow = try #require(harness.services.accountPolicy.calendar.end(of: harness.today))
        let later = try await harness.sell(token: token, visitDate: harness.services.accountPolicy.calendar.day(of: Date(millis: tomorrow)))
        try await expectFailure(.failedPrecondition, reason: "NOT_YET_VALID") { _ = try await harness.redeem(later.voucherCodes[0]) }

        let now = try await harness.sell(token: token, quantity: 3)
        let redeemed = try await harness.redeem(now.voucherCodes[0])
        #expect(redeemed.status == .redeemed)
        #expect(redeemed.redeemedBy == "uid:0")
        let again = try await expectFailure(.failedPrecondition, reason: "ALREADY_REDEEMED") { _ = try await harness.redeem(now.voucherCodes[0]) }
        #expect(again.metadata["redeemed_at"] == redeemed.redeemedAt)
        _ = try await harness.refund(token: token, [now.voucherCodes[1]])
        try await expectFailure(.failedPrecondition, reason: "VOUCHER_REFUNDED") { _ = try await harness.redeem(now.voucherCodes[1]) }
        try await expectFailure(.failedPrecondition, reason: "ALREADY_REDEEMED") { _ = try await harness.refund(token: token, [now.voucherCodes[0]]) }

        var undo = Scenic_V1_UndoRedemptionRequest()
        undo.code = now.voucherCodes[0]
        undo.reason = "scanned twice"
        let undone: Scenic_V1_Voucher = try await harness.call(harness.admin, VoucherAdminService.service, "UndoRedemption", undo)
        #expect(undone.status == .valid)
        _ = try await harness.redeem(now.voucherCodes[0])
        harness.clock.advance(.seconds(11 * 60))
        try await expectFailure(.failedPrecondition, reason: "UNDO_WINDOW_CLOSED") {
            let _: Scenic_V1_Voucher = try await harness.call(harness.admin, VoucherAdminService.service, "UndoRedemption", undo)
        }

        var expired = Scenic_V1_VoucherFilter()
        expired.status = .expired
        func expiredCodes(of distributorID: Int64 = 0) async throws -> Set<String> {
            expired.distributorID = distributorID
            let list: Scenic_V1_ListVouchersResponse = try await harness.call(harness.admin, VoucherAdminService.service, "List", expired)
            return Set(list.vouchers.map(\.code))
        }
        #expect(try await expiredCodes().isEmpty)
        harness.clock.advance(.seconds(2 * 86_400))
        try await expectFailure(.failedPrecondition, reason: "VOUCHER_EXPIRED") { _ = try await harness.redeem(now.voucherCodes[2]) }
        #expect(try await expiredCodes() == [now.voucherCodes[2], later.voucherCodes[0]])
        #expect(try await expiredCodes(of: seller) == [now.voucherCodes[2], later.voucherCodes[0]])
        let (other, _) = try await harness.seller(phone: "13900139000", balance: 0)
        #expect(try await expiredCodes(of: other).isEmpty)
    }

    @Test("refunds: all or nothing; non-refundable and past-visit-date vouchers are refused")
    func refundRules() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 100_000, refundable: false)
        let sale = try await harness.sell(token: token, quantity: 2)
        try await expectFailure(.failedPrecondition, reason: "NOT_REFUNDABLE") { _ = try await harness.refund(token: token, sale.voucherCodes) }
        var update = Scenic_V1_UpdateProductRequest()
        update.code = "GATE"
        update.refundRule = .refundable
        let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Update", update)
        let refundable = try await harness.sell(token: token, quantity: 2)
        // One bad code in the batch: nothing is refunded.
        try await expectFailure(.failedPrecondition, reason: "NOT_REFUNDABLE") {
            _ = try await harness.refund(token: token, refundable.voucherCodes + [sale.voucherCodes[0]])
        }
        #expect(try await harness.store.money(distributorID: id).balanceFen == 100_000 - 4 * 9_800)
        let mistyped = try await expectFailure(.invalidArgument) { _ = try await harness.refund(token: token, ["1234567890123456"]) }
        #expect(mistyped.fieldViolations.first?.reason == "INVALID_VOUCHER_CODE")
        harness.clock.advance(.seconds(86_400))
        let fresh = try await harness.login(password: "my own password").sessionToken
        try await expectFailure(.failedPrecondition, reason: "REFUND_WINDOW_CLOSED") {
            _ = try await harness.refund(token: fresh, [refundable.voucherCodes[0]])
        }
        try await harness.checkLedgerInvariants()
    }

    @Test("adjustments never take a balance below zero; recharges are positive and capped")
    func adjustAndRecharge() async throws {
        let harness = try await Harness()
        let (id, _) = try await harness.seller(balance: 5_000)
        var adjust = Scenic_V1_AdjustRequest()
        adjust.distributorID = id
        adjust.amountFen = -5_001
        adjust.reason = "typo"
        try await expectFailure(.failedPrecondition, reason: "BALANCE_WOULD_GO_NEGATIVE") {
            let _: Scenic_V1_BalanceChange = try await harness.call(harness.admin, AccountService.service, "Adjust", adjust)
        }
        adjust.amountFen = -5_000
        let change: Scenic_V1_BalanceChange = try await harness.call(harness.admin, AccountService.service, "Adjust", adjust)
        #expect(change.balanceFen == 0)
        adjust.reason = ""
        try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_BalanceChange = try await harness.call(harness.admin, AccountService.service, "Adjust", adjust)
        }
        for amount: Int64 in [0, -1, AccountService.maxRechargeFen + 1] {
            try await expectFailure(.invalidArgument) { _ = try await harness.recharge(id, amount) }
        }
        try await expectFailure(.notFound) { _ = try await harness.recharge(999, 100) }
        let first = try await harness.recharge(id, 100, requestID: "r-1")
        #expect(try await harness.recharge(id, 100, requestID: "r-1") == first)
        #expect(try await harness.store.money(distributorID: id).balanceFen == 100)
        try await harness.checkLedgerInvariants()
    }
}

@Suite("Ledger order")
struct LedgerOrderTests {
    @Test("a clock that steps back dates no entry before the one before it: the ledger and statement still chain")
    func clockStepsBack() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 50_000)
        _ = try await harness.sell(token: token)
        harness.clock.advance(.seconds(-3600))
        _ = try await harness.sell(token: token)
        _ = try await harness.recharge(id, 1_000)
        let entries = try await harness.ledgerEntries(id)
        #expect(entries.map(\.balanceAfterFen) == [50_000, 40_200, 30_400, 31_400])
        #expect(entries.map(\.at) == entries.map(\.at).sorted())
        let statement = try await harness.statement(id, from: harness.today, to: harness.today)
        #expect(statement.balanced && statement.closingBalanceFen == 31_400)
    }
}
