import Foundation
import GRDB
import PropertyBased
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

/// One step of a random workload. Distributors and vouchers are picked by index, so any
/// generated step is meaningful whatever came before it.
enum LedgerStep: Sendable, CustomStringConvertible {
    case recharge(distributor: Int, fen: Int64)
    case adjust(distributor: Int, fen: Int64)
    case sell(distributor: Int, quantity: Int32)
    /// `by` asks for the refund, which need not be the voucher's owner.
    case refund(voucher: Int, by: Int)
    case redeem(voucher: Int)
    /// The last acknowledged call again with its request id: it must replay, not re-apply.
    case replayLast

    init(kind: Int, small: Int, large: Int) {
        let distributor = large % 2
        switch kind {
        case 0: self = .recharge(distributor: distributor, fen: Int64(small) * 7_000)
        case 1: self = .adjust(distributor: distributor, fen: Int64(large - 500) * 20 + (large == 500 ? 1 : 0))
        case 2, 3: self = .sell(distributor: distributor, quantity: Int32(small))
        case 4: self = .refund(voucher: large, by: small % 2)
        case 5: self = .redeem(voucher: large)
        default: self = .replayLast
        }
    }

    var description: String {
        switch self {
        case .recharge(let d, let fen): "recharge(\(d), \(fen))"
        case .adjust(let d, let fen): "adjust(\(d), \(fen))"
        case .sell(let d, let quantity): "sell(\(d), ×\(quantity))"
        case .refund(let v, let by): "refund(#\(v), by \(by))"
        case .redeem(let v): "redeem(#\(v))"
        case .replayLast: "replayLast"
        }
    }
}

/// What the ledger should say: the simplest possible bookkeeping, no SQL.
struct LedgerModel {
    struct Voucher {
        var owner: Int
        var code: String
        var priceFen: Int64
        var status = VoucherRecord.Status.valid
    }

    var balances: [Int64]
    let prices: [Int64]
    var vouchers: [Voucher] = []

    /// The refusal reason the model expects for `step`, nil when it should succeed; an
    /// accepted step is applied.
    mutating func expectedRefusal(_ step: LedgerStep, soldCodes: [String]) -> String? {
        switch step {
        case .recharge(let d, let fen):
            balances[d] += fen
        case .adjust(let d, let fen):
            guard balances[d] + fen >= 0 else { return "BALANCE_WOULD_GO_NEGATIVE" }
            balances[d] += fen
        case .sell(let d, let quantity):
            let amount = prices[d] * Int64(quantity)
            guard balances[d] >= amount else { return "INSUFFICIENT_BALANCE" }
            balances[d] -= amount
            vouchers += soldCodes.map { Voucher(owner: d, code: $0, priceFen: prices[d]) }
        case .refund(let pick, let by):
            let index = pick % vouchers.count
            guard vouchers[index].owner == by else { return "VOUCHER_NOT_FOUND" }
            switch vouchers[index].status {
            case .redeemed: return "ALREADY_REDEEMED"
            case .refunded: return "VOUCHER_REFUNDED"
            case .valid:
                vouchers[index].status = .refunded
                balances[by] += vouchers[index].priceFen
            }
        case .redeem(let pick):
            let index = pick % vouchers.count
            switch vouchers[index].status {
            case .redeemed: return "ALREADY_REDEEMED"
            case .refunded: return "VOUCHER_REFUNDED"
            case .valid: vouchers[index].status = .redeemed
            }
        case .replayLast:
            break
        }
        return nil
    }
}

@Suite("Ledger properties")
struct LedgerPropertyTests {
    static let steps = zip(Gen.int(in: 0...6), Gen.int(in: 1...4), Gen.int(in: 0...999))
        .map { LedgerStep(kind: $0.0, small: $0.1, large: $0.2) }
        .array(of: 1...40)

    @Test("random recharges, adjustments, sales, refunds, redemptions and replays leave balances and vouchers as the model says")
    func matchesModel() async throws {
        await propertyCheck(count: 60, input: Self.steps) { steps in
            do {
                try await Self.check(steps)
            } catch {
                Issue.record(error, "steps: \(steps)")
            }
        }
    }

    /// Runs `steps` against a fresh store and the model side by side.
    static func check(_ steps: [LedgerStep]) async throws {
        let harness = try Harness()
        let prices: [Int64] = [9_800, 4_550]
        var sellers: [(id: Int64, token: String)] = []
        for (index, price) in prices.enumerated() {
            sellers.append(try await harness.seller(phone: "1380013800\(index)", price: price, balance: 20_000))
        }
        var model = LedgerModel(balances: [20_000, 20_000], prices: prices)
        var lastAcknowledged: (step: LedgerStep, requestID: String, answer: String)?

        for (number, step) in steps.enumerated() {
            if case .refund = step, model.vouchers.isEmpty { continue }
            if case .redeem = step, model.vouchers.isEmpty { continue }
            let requestID = "step-\(number)"
            if case .replayLast = step {
                guard let last = lastAcknowledged else { continue }
                let answer = try await perform(last.step, requestID: last.requestID, harness: harness, sellers: sellers, model: model)
                #expect(answer.text == last.answer, "replay of \(last.step) answered differently")
                continue
            }
            do {
                let answer = try await perform(step, requestID: requestID, harness: harness, sellers: sellers, model: model)
                #expect(model.expectedRefusal(step, soldCodes: answer.codes) == nil, "\(step) succeeded")
                lastAcknowledged = (step, requestID, answer.text)
            } catch let error as RPCError {
                var scratch = model
                let expected = scratch.expectedRefusal(step, soldCodes: [])
                #expect(error.reason == expected, "\(step) refused \(error.reason ?? "\(error.code)"), the model expected \(expected ?? "success")")
            }
            for (index, seller) in sellers.enumerated() {
                #expect(try await harness.store.balance(distributorID: seller.id) == model.balances[index], "balance \(index) after \(step)")
            }
        }

        let stored = try await harness.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT code, status, distributor_id FROM voucher ORDER BY id")
                .map { "\($0["code"] as String) \($0["status"] as String) \($0["distributor_id"] as Int64)" }
        }
        #expect(stored == model.vouchers.map { "\($0.code) \($0.status.rawValue) \(sellers[$0.owner].id)" })
        try await harness.checkLedgerInvariants()
    }

    /// Sends `step` and returns its answer as text (to compare replays) and any codes sold.
    static func perform(
        _ step: LedgerStep, requestID: String, harness: Harness, sellers: [(id: Int64, token: String)], model: LedgerModel
    ) async throws -> (text: String, codes: [String]) {
        switch step {
        case .recharge(let d, let fen):
            let change = try await harness.recharge(sellers[d].id, fen, requestID: requestID)
            return ("\(change)", [])
        case .adjust(let d, let fen):
            var request = Scenic_V1_AdjustRequest()
            request.requestID = requestID
            request.distributorID = sellers[d].id
            request.amountFen = fen
            request.reason = "property test"
            let change: Scenic_V1_BalanceChange = try await harness.call(harness.admin, AccountService.service, "Adjust", request)
            return ("\(change)", [])
        case .sell(let d, let quantity):
            let sale = try await harness.sell(token: sellers[d].token, quantity: quantity, requestID: requestID)
            return ("\(sale)", sale.voucherCodes)
        case .refund(let pick, let by):
            let code = model.vouchers[pick % model.vouchers.count].code
            let refund = try await harness.refund(token: sellers[by].token, [code], requestID: requestID)
            return ("\(refund)", [])
        case .redeem(let pick):
            var request = Scenic_V1_RedeemRequest()
            request.requestID = requestID
            request.code = model.vouchers[pick % model.vouchers.count].code
            let voucher: Scenic_V1_Voucher = try await harness.call(harness.admin, VoucherAdminService.service, "Redeem", request)
            return ("\(voucher)", [])
        case .replayLast:
            preconditionFailure("replays are sent as the step they repeat")
        }
    }
}
