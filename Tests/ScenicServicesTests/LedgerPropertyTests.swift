import Foundation
import GRDB
import PropertyBased
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

/// A product's refund rules as the model reads them. Built from one small number, so that
/// a generated sequence carries its products' rules and a failure names them.
struct LedgerRefundRules: Sendable, CustomStringConvertible {
    enum Deadline: Sendable {
        case visitDay, hoursBefore(Int), none
    }

    enum Fee: Sendable {
        case percent(basisPoints: Int), fixed(fen: Int64)
    }

    var deadline: Deadline
    var fee: Fee
    /// Most hours first.
    var steps: [(hours: Int, fee: Fee)]
    var needsApproval: Bool

    /// What a refundable product sold before any SetRefundPolicy has, and what decides when
    /// a non-refundable voucher may still change its date.
    static let standard = LedgerRefundRules(deadline: .visitDay, fee: .fixed(fen: 0), steps: [], needsApproval: false)

    init(deadline: Deadline, fee: Fee, steps: [(hours: Int, fee: Fee)], needsApproval: Bool) {
        self.deadline = deadline
        self.fee = fee
        self.steps = steps
        self.needsApproval = needsApproval
    }

    /// One of 405 rules: every deadline (with hours either side of the next day's visit,
    /// which starts 8 h after the sequence does), base fees in percent (one that rounds),
    /// fixed and above any price, none, one or two steps; two in three need approval, so
    /// that most sequences decide some.
    init(seed: Int) {
        switch seed % 3 {
        case 0: deadline = .visitDay
        case 1: deadline = .hoursBefore([6, 20, 30][seed / 3 % 3])
        default: deadline = .none
        }
        fee = [Fee.fixed(fen: 0), .percent(basisPoints: 1000), .percent(basisPoints: 2550), .fixed(fen: 500), .fixed(fen: 20_000)][seed / 9 % 5]
        steps = [[], [(48, .fixed(fen: 0)), (24, .percent(basisPoints: 500))], [(12, .fixed(fen: 100))]][seed / 45 % 3]
        needsApproval = seed / 135 % 3 != 0
    }

    /// Rounded to the nearest fen, halves up, in integers.
    static func fen(_ fee: Fee, of priceFen: Int64) -> Int64 {
        switch fee {
        case .percent(let basisPoints):
            let (whole, rest) = (priceFen * Int64(basisPoints)).quotientAndRemainder(dividingBy: 10_000)
            return whole + (rest * 2 >= 10_000 ? 1 : 0)
        case .fixed(let fen): return min(fen, priceFen)
        }
    }

    func feeFen(priceFen: Int64, minutesBefore: Int) -> Int64 {
        Self.fen(steps.first { minutesBefore >= $0.hours * 60 }?.fee ?? fee, of: priceFen)
    }

    func allows(minutesBefore: Int, today: Int, visitDay: Int, lastDay: Int) -> Bool {
        switch deadline {
        case .visitDay: today <= visitDay
        case .hoursBefore(let hours): minutesBefore >= hours * 60
        case .none: today <= lastDay
        }
    }

    var proto: Scenic_V1_RefundPolicy {
        func feeProto(_ fee: Fee) -> Scenic_V1_RefundFee {
            var proto = Scenic_V1_RefundFee()
            switch fee {
            case .percent(let basisPoints): proto.percentBp = Int32(basisPoints)
            case .fixed(let fen): proto.fixedFen = fen
            }
            return proto
        }
        var policy = Scenic_V1_RefundPolicy()
        switch deadline {
        case .visitDay: policy.deadline = .visitDay
        case .hoursBefore(let hours):
            policy.deadline = .hoursBefore
            policy.deadlineHours = Int32(hours)
        case .none: policy.deadline = .none
        }
        policy.fee = feeProto(fee)
        policy.steps = steps.map { step in
            var proto = Scenic_V1_RefundFeeStep()
            proto.hoursBefore = Int32(step.hours)
            proto.fee = feeProto(step.fee)
            return proto
        }
        policy.needsApproval = needsApproval
        return policy
    }

    var description: String {
        func text(_ fee: Fee) -> String {
            switch fee {
            case .percent(let basisPoints): "\(basisPoints)bp"
            case .fixed(let fen): "\(fen)fen"
            }
        }
        let until =
            switch deadline {
            case .visitDay: "visit day"
            case .hoursBefore(let hours): "\(hours) h before"
            case .none: "while valid"
            }
        let steps = steps.map { "≥\($0.hours) h \(text($0.fee))" }.joined(separator: ", ")
        return "\(until), \(text(fee))\(steps.isEmpty ? "" : " [\(steps)]")\(needsApproval ? ", approval" : "")"
    }
}

/// What a sequence starts with: the rules of FEE and PASS (NR is given FEE's, which its
/// non-refundable vouchers must ignore), then, before anything is sold, date prices up
/// and down on two of the first four days of each product, a limited capacity on one,
/// and maybe a credit line, so that date changes and sales meet them often.
struct LedgerSetup: Sendable, CustomStringConvertible {
    var fee: LedgerRefundRules
    var pass: LedgerRefundRules
    var steps: [LedgerStep]

    init(fee: Int, pass: Int, calendar seed: Int) {
        self.fee = LedgerRefundRules(seed: fee)
        self.pass = LedgerRefundRules(seed: pass)
        steps = (0..<4).flatMap { product -> [LedgerStep] in
            let day = (seed + product) % 4
            return [
                .setDatePrices(product: product, daysAhead: day, choice: (seed / 4 + product) % 2),
                .setDatePrices(product: product, daysAhead: (day + 1 + seed / 8 % 3) % 4, choice: (seed / 4 + product + 1) % 2),
            ]
        }
        steps += (0..<4).map { .setCapacity(product: $0, daysAhead: (seed / 24 + $0) % 4, capacity: 1 + (seed / 96 + $0) % 3) }
        steps.append(.setCredit(distributor: 0, choice: [0, 2, 3][seed / 288 % 3]))
    }

    static let seeds = 0...(3 * 288 - 1)

    var description: String { "FEE: \(fee); PASS: \(pass); then \(steps)" }
}

/// One step of a random workload. Distributors, vouchers and approvals are picked by
/// index, so any generated step is meaningful whatever came before it.
enum LedgerStep: Sendable, CustomStringConvertible {
    enum Decision: Sendable {
        case approve, reject, rejectWithoutReason
    }

    case recharge(distributor: Int, fen: Int64)
    case adjust(distributor: Int, fen: Int64)
    /// `choice` picks a line: fixed sums, exactly what is in use, or one fen below it.
    case setCredit(distributor: Int, choice: Int)
    case sell(distributor: Int, product: Int, quantity: Int32, daysAhead: Int)
    /// `foreign`: asked by the distributor that does not own the first voucher.
    case refund(vouchers: [Int], foreign: Bool)
    case redeem(voucher: Int)
    case changeDate(vouchers: [Int], foreign: Bool, daysAhead: Int)
    case decide(approval: Int, decision: Decision)
    /// Both distributors' settlement prices for a date: `choice` 0 and 1 move them up and
    /// down, 2 goes back to the bindings' prices.
    case setDatePrices(product: Int, daysAhead: Int, choice: Int)
    case setCapacity(product: Int, daysAhead: Int, capacity: Int)
    /// The clock moves on: sessions are signed in again and overdue approvals approved.
    case advance(hours: Int)
    /// The last acknowledged call again with its request id: it must replay, not re-apply.
    case replayLast

    init(kind: Int, small: Int, large: Int, extra: Int) {
        let distributor = large % 2
        // One or two vouchers: a batch is all or nothing.
        let vouchers = extra % 3 == 0 ? [large, large + 1 + extra / 3 % 5] : [large]
        // One in eight refunds and date changes names another's voucher.
        let foreign = small == 4 && extra % 2 == 1
        switch kind {
        case 0: self = .recharge(distributor: distributor, fen: Int64(small) * 7_000)
        case 1: self = .adjust(distributor: distributor, fen: Int64(large - 500) * 20 + (large == 500 ? 1 : 0))
        case 2, 3, 4: self = .sell(distributor: distributor, product: extra % 4, quantity: Int32(small), daysAhead: extra / 4 % 4)
        case 5, 6, 7: self = .refund(vouchers: vouchers, foreign: foreign)
        case 8: self = .redeem(voucher: large)
        case 9, 10:
            // One in eight to yesterday.
            self = .changeDate(vouchers: vouchers, foreign: foreign, daysAhead: extra / 16 % 8 == 7 ? -1 : extra / 16 % 4)
        case 11:
            self = .decide(approval: large, decision: small <= 2 ? .approve : small == 3 ? .reject : .rejectWithoutReason)
        case 12: self = .setCredit(distributor: distributor, choice: extra % 6)
        case 13:
            self =
                extra % 2 == 0
                ? .setDatePrices(product: small % 4, daysAhead: large % 4, choice: extra / 2 % 3)
                : .setCapacity(product: small % 4, daysAhead: large % 4, capacity: extra / 2 % 4)
        case 14, 15: self = .advance(hours: [3, 13, 25, 49][small - 1])
        default: self = .replayLast
        }
    }

    var description: String {
        switch self {
        case .recharge(let d, let fen): "recharge(\(d), \(fen))"
        case .adjust(let d, let fen): "adjust(\(d), \(fen))"
        case .setCredit(let d, let choice): "setCredit(\(d), choice \(choice))"
        case .sell(let d, let p, let quantity, let ahead): "sell(\(d), \(LedgerRun.products[p].code) ×\(quantity), \(Self.day(ahead)))"
        case .refund(let v, let foreign): "refund(#\(v)\(foreign ? ", foreign" : ""))"
        case .redeem(let v): "redeem(#\(v))"
        case .changeDate(let v, let foreign, let ahead): "changeDate(#\(v)\(foreign ? ", foreign" : ""), to \(Self.day(ahead)))"
        case .decide(let a, let decision): "decide(#\(a), \(decision))"
        case .setDatePrices(let p, let ahead, let choice): "setDatePrices(\(LedgerRun.products[p].code), \(Self.day(ahead)), choice \(choice))"
        case .setCapacity(let p, let ahead, let capacity): "setCapacity(\(LedgerRun.products[p].code), \(Self.day(ahead)), \(capacity))"
        case .advance(let hours): "advance(\(hours) h)"
        case .replayLast: "replayLast"
        }
    }

    private static func day(_ ahead: Int) -> String { ahead < 0 ? "\(ahead)d" : "+\(ahead)d" }
}

/// What a call answered: its text (to compare replays), the codes it sold, the approvals
/// it filed, and the sums the model predicts.
struct LedgerAnswer {
    var text = ""
    var codes: [String] = []
    var approvalIDs: [Int64] = []
    var amounts: [Int64] = []
}

/// What the model expects of a step.
enum LedgerOutcome: Equatable, CustomStringConvertible {
    case accepted(amounts: [Int64])
    case refused(String)

    var description: String {
        switch self {
        case .accepted(let amounts): "accepted \(amounts)"
        case .refused(let reason): "refused \(reason)"
        }
    }
}

/// What the store should say: the simplest possible bookkeeping, no SQL. Days are counted
/// from the sequence's first, minutes from its first midnight.
struct LedgerModel {
    struct Voucher {
        var owner: Int
        var code: String
        var product: Int
        var priceFen: Int64
        var visitDay: Int
        var lastDay: Int
        /// Nil: sold non-refundable.
        var rules: LedgerRefundRules?
        var status = VoucherRecord.Status.valid
        var pending = false
        var refundFeeFen: Int64 = 0
    }

    struct Approval {
        var id: Int64
        var voucher: Int
        var feeFen: Int64
        var approveBy: Int
        var status = RefundApprovalRecord.Status.pending
    }

    struct DateKey: Hashable {
        var product: Int
        var day: Int
    }

    static let approvalWindowMinutes = 48 * 60

    var balances: [Int64] = [20_000, 20_000]
    var limits: [Int64] = [0, 0]
    /// Recharges and adjustments: what each distributor put in.
    var paidIn: [Int64] = [20_000, 20_000]
    /// What a statement of the whole run shows, by distributor.
    var salesFen: [Int64] = [0, 0]
    var tickets: [Int64] = [0, 0]
    var refundedFen: [Int64] = [0, 0]
    var feesFen: [Int64] = [0, 0]
    var dateChangesFen: [Int64] = [0, 0]
    let rules: [LedgerRefundRules?]
    var minute: Int
    var vouchers: [Voucher] = []
    var approvals: [Approval] = []
    var capacity: [DateKey: Int] = [:]
    var datePrices: [DateKey: [Int64]] = [:]

    init(setup: LedgerSetup, startMinute: Int) {
        rules = [.standard, setup.fee, setup.pass, nil]
        minute = startMinute
    }

    var today: Int { minute / 1440 }

    func minutesBefore(_ voucher: Voucher) -> Int { voucher.visitDay * 1440 - minute }

    func sold(_ key: DateKey) -> Int {
        vouchers.count { $0.product == key.product && $0.visitDay == key.day && $0.status != .refunded }
    }

    func settlementPrice(product: Int, distributor: Int, day: Int) -> Int64 {
        datePrices[DateKey(product: product, day: day)]?[distributor] ?? LedgerRun.products[product].prices[distributor]
    }

    /// Half the time one of the last six sold, which are mostly still in date: old ones
    /// are only refused for their deadline.
    func voucher(_ pick: Int) -> Int {
        pick % 2 == 0 ? max(0, vouchers.count - 1 - pick / 2 % 6) : pick % vouchers.count
    }

    /// The vouchers a step names, without repeats, and who asks. Those after the first
    /// are the first one's owner's, so that a batch is mostly refused for a reason of its
    /// vouchers, not for naming another's.
    func pick(_ picks: [Int], foreign: Bool) -> (indexes: [Int], by: Int) {
        let first = voucher(picks[0])
        let owner = vouchers[first].owner
        let owners = vouchers.indices.filter { vouchers[$0].owner == owner }
        var indexes = [first]
        for pick in picks.dropFirst() where !indexes.contains(owners[pick % owners.count]) { indexes.append(owners[pick % owners.count]) }
        return (indexes, foreign ? 1 - owner : owner)
    }

    /// Mostly a pending approval, when there is one, so that decisions are mostly taken.
    func approval(_ pick: Int) -> Int? {
        let pending = approvals.indices.filter { approvals[$0].status == .pending }
        if pick % 2 == 0, !pending.isEmpty { return pending[pick / 2 % pending.count] }
        return approvals.isEmpty ? nil : pick % approvals.count
    }

    func creditLimit(_ d: Int, choice: Int) -> Int64 {
        let inUse = max(0, -balances[d])
        return [0, 3_000, 15_000, 40_000, inUse, inUse - 1][choice]
    }

    /// Why a voucher can be neither refunded, moved nor redeemed, if it cannot.
    func unusable(_ voucher: Voucher) -> String? {
        switch voucher.status {
        case .redeemed: "ALREADY_REDEEMED"
        case .refunded: "VOUCHER_REFUNDED"
        case .valid: voucher.pending ? "REFUND_PENDING" : nil
        }
    }

    /// What refunds and date changes refuse, before anything particular to them.
    func unchangeable(_ index: Int, by: Int) -> String? {
        let voucher = vouchers[index]
        guard voucher.owner == by else { return "VOUCHER_NOT_FOUND" }
        if let reason = unusable(voucher) { return reason }
        guard
            (voucher.rules ?? .standard).allows(
                minutesBefore: minutesBefore(voucher), today: today, visitDay: voucher.visitDay, lastDay: voucher.lastDay)
        else { return "REFUND_WINDOW_CLOSED" }
        return nil
    }

    mutating func refundVoucher(_ index: Int, feeFen: Int64) {
        let voucher = vouchers[index]
        vouchers[index].status = .refunded
        vouchers[index].pending = false
        vouchers[index].refundFeeFen = feeFen
        balances[voucher.owner] += voucher.priceFen - feeFen
        refundedFen[voucher.owner] += voucher.priceFen - feeFen
        feesFen[voucher.owner] += feeFen
    }

    /// What `step` should do; an accepted step is applied, with what `answer` tells of it
    /// (codes sold, approvals filed).
    mutating func apply(_ step: LedgerStep, _ answer: LedgerAnswer = LedgerAnswer()) -> LedgerOutcome {
        switch step {
        case .recharge(let d, let fen):
            balances[d] += fen
            paidIn[d] += fen
        case .adjust(let d, let fen):
            guard balances[d] + limits[d] + fen >= 0 else { return .refused("BALANCE_WOULD_GO_NEGATIVE") }
            balances[d] += fen
            paidIn[d] += fen
        case .setCredit(let d, let choice):
            let limit = creditLimit(d, choice: choice)
            guard limit >= 0 else { return .refused("OUT_OF_RANGE") }
            guard balances[d] + limit >= 0 else { return .refused("CREDIT_IN_USE") }
            limits[d] = limit
        case .sell(let d, let p, let quantity, let ahead):
            let key = DateKey(product: p, day: today + ahead)
            if let capacity = capacity[key], sold(key) + Int(quantity) > capacity { return .refused("SOLD_OUT") }
            let price = settlementPrice(product: p, distributor: d, day: key.day)
            let amount = price * Int64(quantity)
            guard balances[d] + limits[d] >= amount else { return .refused("INSUFFICIENT_BALANCE") }
            balances[d] -= amount
            salesFen[d] -= amount
            tickets[d] += Int64(quantity)
            let product = LedgerRun.products[p]
            vouchers += answer.codes.map { code in
                Voucher(
                    owner: d, code: code, product: p, priceFen: price, visitDay: key.day, lastDay: key.day + product.validDays - 1,
                    rules: product.refundable ? rules[p] : nil)
            }
            return .accepted(amounts: [amount])
        case .refund(let picks, let foreign):
            let (indexes, by) = pick(picks, foreign: foreign)
            for index in indexes {
                if let reason = unchangeable(index, by: by) { return .refused(reason) }
                guard vouchers[index].rules != nil else { return .refused("NOT_REFUNDABLE") }
            }
            var refunded: Int64 = 0
            var fees: Int64 = 0
            var filed = answer.approvalIDs.makeIterator()
            var approvalsFiled: Int64 = 0
            for index in indexes {
                let voucher = vouchers[index]
                let rules = voucher.rules ?? .standard
                let fee = rules.feeFen(priceFen: voucher.priceFen, minutesBefore: minutesBefore(voucher))
                if rules.needsApproval {
                    approvals.append(Approval(id: filed.next() ?? -1, voucher: index, feeFen: fee, approveBy: minute + Self.approvalWindowMinutes))
                    vouchers[index].pending = true
                    approvalsFiled += 1
                } else {
                    refundVoucher(index, feeFen: fee)
                    refunded += voucher.priceFen - fee
                    fees += fee
                }
            }
            return .accepted(amounts: [refunded, fees, approvalsFiled])
        case .redeem(let pick):
            let index = voucher(pick)
            if let reason = unusable(vouchers[index]) { return .refused(reason) }
            guard today >= vouchers[index].visitDay else { return .refused("NOT_YET_VALID") }
            guard today <= vouchers[index].lastDay else { return .refused("VOUCHER_EXPIRED") }
            vouchers[index].status = .redeemed
        case .changeDate(let picks, let foreign, let ahead):
            let (indexes, by) = pick(picks, foreign: foreign)
            let day = today + ahead
            guard day >= today else { return .refused("IN_THE_PAST") }
            for index in indexes {
                if let reason = unchangeable(index, by: by) { return .refused(reason) }
                guard vouchers[index].visitDay != day else { return .refused("SAME_DATE") }
            }
            for (product, group) in Dictionary(grouping: indexes, by: { vouchers[$0].product }) {
                let key = DateKey(product: product, day: day)
                if let capacity = capacity[key], sold(key) + group.count > capacity { return .refused("SOLD_OUT") }
            }
            let difference = indexes.reduce(Int64(0)) { sum, index in
                sum + settlementPrice(product: vouchers[index].product, distributor: by, day: day) - vouchers[index].priceFen
            }
            guard difference <= 0 || difference <= balances[by] + limits[by] else { return .refused("INSUFFICIENT_BALANCE") }
            for index in indexes {
                let span = vouchers[index].lastDay - vouchers[index].visitDay
                vouchers[index].priceFen = settlementPrice(product: vouchers[index].product, distributor: by, day: day)
                vouchers[index].visitDay = day
                vouchers[index].lastDay = day + span
            }
            balances[by] -= difference
            dateChangesFen[by] -= difference
            return .accepted(amounts: [difference])
        case .decide(let pick, let decision):
            guard let index = approval(pick) else { return .refused("NO_APPROVAL") }
            guard decision != .rejectWithoutReason else { return .refused("EMPTY") }
            guard approvals[index].status == .pending else { return .refused("NOT_PENDING") }
            let approval = approvals[index]
            let price = vouchers[approval.voucher].priceFen
            if decision == .approve {
                approvals[index].status = .approved
                refundVoucher(approval.voucher, feeFen: approval.feeFen)
            } else {
                approvals[index].status = .rejected
                vouchers[approval.voucher].pending = false
            }
            let status: Scenic_V1_RefundApprovalStatus = decision == .approve ? .approved : .rejected
            return .accepted(amounts: [approval.feeFen, price - approval.feeFen, Int64(status.rawValue)])
        case .setDatePrices(let p, let ahead, let choice):
            datePrices[DateKey(product: p, day: today + ahead)] = LedgerRun.datePrices(product: p, choice: choice)
        case .setCapacity(let p, let ahead, let capacity):
            let key = DateKey(product: p, day: today + ahead)
            guard sold(key) <= capacity else { return .refused("BELOW_SOLD") }
            self.capacity[key] = capacity
        case .advance(let hours):
            minute += hours * 60
            // The daemon approves what no one decided in time.
            var approved: Int64 = 0
            for index in approvals.indices where approvals[index].status == .pending && approvals[index].approveBy <= minute {
                approvals[index].status = .approved
                refundVoucher(approvals[index].voucher, feeFen: approvals[index].feeFen)
                approved += 1
            }
            return .accepted(amounts: [approved])
        case .replayLast:
            break
        }
        return .accepted(amounts: [])
    }
}

/// Everything a refused call must leave as it was, read in one transaction after every
/// step. Each table is one string SQLite builds: rows fetched one by one were most of a
/// step's time.
struct LedgerDigest: Equatable {
    var balances: [Int64]
    var limits: [Int64]
    var tables: [String]

    static let queries = [
        "SELECT group_concat(id || ' ' || balance_fen || ' ' || held_fen || ' ' || credit_limit_fen, ';') FROM distributor",
        "SELECT count(*) || ' ' || max(id) FROM ledger_entry",
        "SELECT count(*) FROM sale_order",
        "SELECT count(*) FROM event",
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM request_log",
        """
        SELECT group_concat(code || ' ' || status || ' ' || visit_date || ' ' || valid_until || ' ' || settlement_price_fen
            || ' ' || coalesce(refund_fee_fen, '-'), ';') FROM voucher
        """,
        "SELECT group_concat(id || ' ' || status || ' ' || fee_fen, ';') FROM refund_approval",
        "SELECT group_concat(product_id || ' ' || visit_date || ' ' || sold || ' ' || coalesce(capacity, '-'), ';') FROM calendar_day",
        """
        SELECT group_concat(product_id || ' ' || visit_date || ' ' || distributor_id || ' ' || settlement_price_fen, ';')
        FROM calendar_settlement_price
        """,
    ]

    static func read(_ store: SQLiteStore) async throws -> LedgerDigest {
        try await store.pool.read { db in
            let money = try Row.fetchAll(db, sql: "SELECT balance_fen, credit_limit_fen FROM distributor ORDER BY id")
            return LedgerDigest(
                balances: money.map { $0[0] }, limits: money.map { $0[1] },
                tables: try queries.map { try String.fetchOne(db, sql: $0) ?? "" })
        }
    }
}

/// One sequence run against a fresh store and the model side by side.
struct LedgerRun {
    /// GATE keeps the standard rules; FEE and PASS (valid 3 days) take the setup's; NR is
    /// sold non-refundable. Prices are each distributor's binding.
    static let products: [(code: String, validDays: Int, refundable: Bool, prices: [Int64])] = [
        ("GATE", 1, true, [9_800, 4_550]), ("FEE", 1, true, [6_010, 3_333]), ("PASS", 3, true, [2_999, 7_777]),
        ("NR", 1, false, [5_000, 1_234]),
    ]
    static let password = "my own password"

    /// Each distributor's settlement price of a date: one up and one down from its binding
    /// (at most the retail 120.00), or nil for the bindings' own.
    static func datePrices(product: Int, choice: Int) -> [Int64]? {
        let binding = products[product].prices
        return [[binding[0] + 1_500, binding[1] - 1_000], [binding[0] - 700, binding[1] + 2_000], nil][choice]
    }

    /// A call as sent, kept to be sent again with its request id.
    struct Call {
        /// Whose session sends it; nil for the back office.
        var seller: Int?
        var send: (Harness, String?) async throws -> LedgerAnswer
    }

    let harness: Harness
    let start: Date
    var sellers: [(id: Int64, token: String)] = []
    var model: LedgerModel

    init(_ setup: LedgerSetup) async throws {
        harness = try await Harness()
        start = harness.clock.now
        let now = harness.services.accountPolicy.calendar.now(of: start)
        model = LedgerModel(setup: setup, startMinute: now.minuteOfDay)
        for (index, price) in Self.products[0].prices.enumerated() {
            sellers.append(try await harness.seller(phone: "1380013800\(index)", price: price, balance: 20_000))
        }
        // In as few writes as the services allow: setting up is most of a sequence's time.
        let others = Self.products.dropFirst()
        var products = Scenic_V1_ImportProductsRequest()
        products.products = others.map { product in
            var create = Scenic_V1_CreateProductRequest()
            create.code = product.code
            create.name = "Product \(product.code)"
            create.retailPriceFen = 12_000
            create.refundRule = product.refundable ? .refundable : .nonRefundable
            create.validDays = Int32(product.validDays)
            return create
        }
        let _: Scenic_V1_ImportProductsResponse = try await harness.call(harness.admin, ProductAdminService.service, "Import", products)
        for (d, seller) in sellers.enumerated() { _ = try await harness.bind(seller.id, others.map { ($0.code, $0.prices[d]) }) }
        for (code, rules) in [("FEE", setup.fee), ("PASS", setup.pass), ("NR", setup.fee)] {
            var policy = Scenic_V1_SetRefundPolicyRequest()
            policy.code = code
            policy.policy = rules.proto
            let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "SetRefundPolicy", policy)
        }
    }

    func date(_ day: Int) -> String {
        harness.services.accountPolicy.calendar.day(of: start.addingTimeInterval(Double(day) * 86_400))
    }

    /// The call `step` makes, nil when there is nothing for it to name yet.
    func call(_ step: LedgerStep, requestID: String) -> Call? {
        switch step {
        case .recharge(let d, let fen):
            let id = sellers[d].id
            return Call(seller: nil) { harness, _ in
                LedgerAnswer(text: "\(try await harness.recharge(id, fen, requestID: requestID))")
            }
        case .adjust(let d, let fen):
            var request = Scenic_V1_AdjustRequest()
            request.requestID = requestID
            request.distributorID = sellers[d].id
            request.amountFen = fen
            request.reason = "property test"
            return Call(seller: nil) { harness, _ in
                let change: Scenic_V1_BalanceChange = try await harness.call(harness.admin, AccountService.service, "Adjust", request)
                return LedgerAnswer(text: "\(change)")
            }
        case .setCredit(let d, let choice):
            var request = Scenic_V1_SetCreditRequest()
            request.id = sellers[d].id
            request.creditLimitFen = model.creditLimit(d, choice: choice)
            return Call(seller: nil) { harness, _ in
                let distributor: Scenic_V1_Distributor = try await harness.call(harness.admin, DistributorAdminService.service, "SetCredit", request)
                return LedgerAnswer(text: "\(distributor)")
            }
        case .sell(let d, let p, let quantity, let ahead):
            let code = Self.products[p].code
            let visit = date(model.today + ahead)
            return Call(seller: d) { harness, token in
                let sale = try await harness.sell(token: token ?? "", code: code, quantity: quantity, visitDate: visit, requestID: requestID)
                return LedgerAnswer(text: "\(sale)", codes: sale.voucherCodes, amounts: [sale.amountFen])
            }
        case .refund(let picks, let foreign):
            guard !model.vouchers.isEmpty else { return nil }
            let (indexes, by) = model.pick(picks, foreign: foreign)
            let codes = indexes.map { model.vouchers[$0].code }
            return Call(seller: by) { harness, token in
                let refund = try await harness.refund(token: token ?? "", codes, requestID: requestID)
                return LedgerAnswer(
                    text: "\(refund)", approvalIDs: refund.approvals.map(\.id),
                    amounts: [refund.refundedFen, refund.feeFen, Int64(refund.approvals.count)])
            }
        case .redeem(let pick):
            guard !model.vouchers.isEmpty else { return nil }
            var request = Scenic_V1_RedeemRequest()
            request.requestID = requestID
            request.code = model.vouchers[model.voucher(pick)].code
            return Call(seller: nil) { harness, _ in
                let voucher: Scenic_V1_Voucher = try await harness.call(harness.admin, VoucherAdminService.service, "Redeem", request)
                return LedgerAnswer(text: "\(voucher)")
            }
        case .changeDate(let picks, let foreign, let ahead):
            guard !model.vouchers.isEmpty else { return nil }
            let (indexes, by) = model.pick(picks, foreign: foreign)
            var request = Scenic_V1_ChangeDateRequest()
            request.requestID = requestID
            request.voucherCodes = indexes.map { model.vouchers[$0].code }
            request.toDate = date(model.today + ahead)
            return Call(seller: by) { harness, token in
                let change: Scenic_V1_ChangeDateResponse = try await harness.call(
                    harness.pos, SalesService.service, "ChangeDate", request, token: token)
                return LedgerAnswer(text: "\(change)", amounts: [change.differenceFen])
            }
        case .decide(let pick, let decision):
            guard let index = model.approval(pick) else { return nil }
            var request = Scenic_V1_DecideRefundRequest()
            request.requestID = requestID
            request.id = model.approvals[index].id
            request.reason = decision == .reject ? "visitor did not cancel" : decision == .rejectWithoutReason ? "  " : ""
            let method = decision == .approve ? "Approve" : "Reject"
            return Call(seller: nil) { harness, _ in
                let approval: Scenic_V1_RefundApproval = try await harness.call(harness.admin, RefundAdminService.service, method, request)
                return LedgerAnswer(text: "\(approval)", amounts: [approval.feeFen, approval.refundFen, Int64(approval.status.rawValue)])
            }
        case .setDatePrices(let p, let ahead, let choice):
            var request = Scenic_V1_SetDatePricesRequest()
            request.productCode = Self.products[p].code
            request.dates.fromDate = date(model.today + ahead)
            request.dates.toDate = request.dates.fromDate
            let prices = Self.datePrices(product: p, choice: choice)
            request.settlementPrices = sellers.indices.map { d in
                var price = Scenic_V1_DistributorDatePrice()
                price.distributorID = sellers[d].id
                price.settlementPriceFen = prices?[d] ?? 0  // 0: back to the binding's
                return price
            }
            return Call(seller: nil) { harness, _ in LedgerAnswer(text: "\(try await harness.calendarCall("SetPrices", request))") }
        case .setCapacity(let p, let ahead, let capacity):
            var request = Scenic_V1_SetCapacityRequest()
            request.productCode = Self.products[p].code
            request.dates.fromDate = date(model.today + ahead)
            request.dates.toDate = request.dates.fromDate
            request.capacity = Int32(capacity)
            return Call(seller: nil) { harness, _ in LedgerAnswer(text: "\(try await harness.calendarCall("SetCapacity", request))") }
        case .advance, .replayLast:
            preconditionFailure("\(step) is not a call")
        }
    }

    func send(_ call: Call) async throws -> LedgerAnswer {
        try await call.send(harness, call.seller.map { sellers[$0].token })
    }

    /// The reason the model compares: a field's for a request refused field by field.
    static func reason(_ error: RPCError) -> String {
        (error.code == .invalidArgument ? error.fieldViolations.first?.reason : error.reason) ?? "\(error.code)"
    }

    /// Stops at the first step the store and the model disagree on: what follows it says
    /// nothing more, and a shrunk failure ends there.
    mutating func run(_ steps: [LedgerStep]) async throws {
        var last: (call: Call, step: LedgerStep, text: String)?
        var before = try await LedgerDigest.read(try #require(harness.sqlite))
        for (number, step) in steps.enumerated() {
            // A refusal and a replay must leave every row as it was.
            var changesNothing = false
            switch step {
            case .replayLast:
                guard let last else { continue }
                let answer = try await send(last.call)
                try #require(answer.text == last.text, "replay of \(last.step) answered differently")
                changesNothing = true
            case .advance(let hours):
                harness.clock.advance(.seconds(hours * 3600))
                // Sessions end after 12 idle hours.
                for index in sellers.indices {
                    sellers[index].token = try await harness.login(phone: "1380013800\(index)", password: Self.password).sessionToken
                }
                let clock = harness.clock
                let approved = try await RefundAutoApproval(store: harness.store, now: { clock.now }).sweep()
                let expected = model.apply(step)
                try #require(expected == .accepted(amounts: [Int64(approved)]), "\(step): the daemon approved \(approved)")
            default:
                guard let call = call(step, requestID: "step-\(number)") else { continue }
                do {
                    let answer = try await send(call)
                    let expected = model.apply(step, answer)
                    try #require(expected == .accepted(amounts: answer.amounts), "\(step) succeeded with \(answer.amounts)")
                    switch step {
                    case .setCredit, .setDatePrices, .setCapacity: break  // no request id: sent again, it is a new change
                    default: last = (call, step, answer.text)
                    }
                } catch let error as RPCError {
                    var scratch = model
                    let expected = scratch.apply(step)
                    try #require(expected == .refused(Self.reason(error)), "\(step) refused \(error), the model expected \(expected)")
                    changesNothing = true
                }
            }
            let after = try await LedgerDigest.read(try #require(harness.sqlite))
            if changesNothing {
                try #require(after == before, "\(step) was refused or replayed but changed the store")
            }
            try #require(after.balances == model.balances, "balances after \(step)")
            try #require(after.limits == model.limits, "credit lines after \(step)")
            try #require(harness.today == date(model.today), "the model's day")
            before = after
        }
    }

    /// The vouchers and approvals are the model's, the ledger holds together, and every fen
    /// a distributor put in is in its balance, in the price of a ticket it still holds, or
    /// in a fee kept on a refund.
    func checkFinal() async throws {
        let ids = sellers.map(\.id)
        let vouchers = try await harness.rows(
            """
            SELECT code, status, distributor_id, visit_date, valid_until, settlement_price_fen, refund_fee_fen,
                voucher.id IN (SELECT voucher_id FROM refund_approval WHERE status = 'pending') AS pending
            FROM voucher ORDER BY id
            """
        ).map { row -> String in
            let fee = (row["refund_fee_fen"] as Int64?).map { "\($0)" } ?? "-"
            return "\(row["code"] as String) \(row["status"] as String) \(row["distributor_id"] as Int64) "
                + "\(row["visit_date"] as String)..\(row["valid_until"] as String) \(row["settlement_price_fen"] as Int64) "
                + "fee \(fee)\(row["pending"] as Bool ? " pending" : "")"
        }
        let approvals = try await harness.rows(
            """
            SELECT voucher.code, refund_approval.status, refund_approval.fee_fen FROM refund_approval
            JOIN voucher ON voucher.id = refund_approval.voucher_id ORDER BY refund_approval.id
            """
        ).map { "\($0["code"] as String) \($0["status"] as String) \($0["fee_fen"] as Int64)" }
        #expect(
            vouchers
                == model.vouchers.map { voucher in
                    "\(voucher.code) \(voucher.status.rawValue) \(ids[voucher.owner]) \(date(voucher.visitDay))..\(date(voucher.lastDay)) "
                        + "\(voucher.priceFen) fee \(voucher.refundFeeFen > 0 ? "\(voucher.refundFeeFen)" : "-")\(voucher.pending ? " pending" : "")"
                })
        #expect(
            approvals == model.approvals.map { "\(model.vouchers[$0.voucher].code) \($0.status.rawValue) \($0.feeFen)" })
        try await harness.checkLedgerInvariants()
        try await harness.checkEveryFenAccounted()
        try await checkStatements()
    }
}

extension LedgerRun {
    /// Each distributor's statement of the whole run shows the model's movements and
    /// balances: the reconciliation a distributor sees adds up to the fen.
    func checkStatements() async throws {
        var request = Scenic_V1_StatementRequest()
        request.fromDate = date(0)
        request.toDate = date(model.today)
        for (d, seller) in sellers.enumerated() {
            let statement: Scenic_V1_StatementResponse = try await harness.call(
                harness.pos, SalesService.service, "Statement", request, token: seller.token)
            let mine = model.vouchers.filter { $0.owner == d }
            let valid = mine.filter { $0.status == .valid }
            let shown = [
                statement.openingBalanceFen, statement.closingBalanceFen, statement.computedClosingFen,
                statement.recharges.amountFen + statement.adjustments.amountFen, statement.sales.amountFen, statement.sales.count,
                statement.refunds.amountFen, statement.refunds.count, statement.refundFeesFen, statement.dateChanges.amountFen,
                statement.vouchersValid, statement.vouchersRedeemed, statement.vouchersRefunded, statement.vouchersExpired,
                statement.creditLimitFen, statement.creditUsedFen,
            ]
            let expected = [
                0, model.balances[d], model.balances[d], model.paidIn[d], model.salesFen[d], model.tickets[d],
                model.refundedFen[d], Int64(mine.count { $0.status == .refunded }), model.feesFen[d], model.dateChangesFen[d],
                Int64(valid.count { $0.lastDay >= model.today }), Int64(mine.count { $0.status == .redeemed }),
                Int64(mine.count { $0.status == .refunded }), Int64(valid.count { $0.lastDay < model.today }),
                model.limits[d], max(0, -model.balances[d]),
            ]
            #expect(shown == expected, "statement of distributor \(d)")
            #expect(statement.balanced)
        }
    }
}

extension Harness {
    /// No fen created or lost, derived from the ledger's kinds: a sale charges its order's
    /// amount; a date change charges (or credits) exactly the change in its vouchers'
    /// prices; a refund credits the price less the fee it keeps (fee_fen), the same fee
    /// its voucher records. So what each distributor put in (recharges and adjustments)
    /// less its balance is the price of the tickets it holds (not refunded, a refund
    /// pending included) plus the fees kept on those refunded. The calendar counts every
    /// ticket not refunded, and the voucher tally every voucher where it is.
    func checkEveryFenAccounted() async throws {
        try await #require(sqlite).pool.read { db in
            func sum(_ sql: String, _ arguments: StatementArguments = []) throws -> Int64 {
                try Int64.fetchOne(db, sql: "SELECT coalesce((\(sql)), 0)", arguments: arguments) ?? 0
            }
            for distributor in try DistributorRecord.fetchAll(db, sql: "SELECT * FROM distributor") {
                let id: StatementArguments = [distributor.id]
                func ledger(_ kinds: String, _ column: String = "amount_fen") throws -> Int64 {
                    try sum("SELECT sum(\(column)) FROM ledger_entry WHERE distributor_id = ? AND kind IN (\(kinds))", id)
                }
                func vouchers(_ column: String, _ condition: String) throws -> Int64 {
                    try sum("SELECT sum(\(column)) FROM voucher WHERE distributor_id = ? AND \(condition)", id)
                }
                let paidIn = try ledger("'recharge', 'adjustment'")
                let orders = try sum("SELECT sum(amount_fen) FROM sale_order WHERE distributor_id = ?", id)
                let prices = try vouchers("settlement_price_fen", "1")
                let held = try vouchers("settlement_price_fen", "status != 'refunded'")
                let refunded = try vouchers("settlement_price_fen", "status = 'refunded'")
                let fees = try vouchers("coalesce(refund_fee_fen, 0)", "status = 'refunded'")
                #expect(try ledger("'sale'") == -orders, "sales charge their orders")
                let dateChanges = try ledger("'date_change'")
                #expect(orders - dateChanges == prices, "date changes charge the change in price")
                #expect(try ledger("'refund'") == refunded - fees, "refunds credit the price less the fee")
                #expect(try ledger("'refund'", "fee_fen") == fees, "the fees the ledger kept are the vouchers'")
                #expect(try ledger("'sale', 'date_change', 'adjustment'", "fee_fen") == 0)
                #expect(paidIn - distributor.balanceFen == held + fees, "distributor \(distributor.id): a fen created or lost")
                #expect(try vouchers("refund_fee_fen", "status != 'refunded'") == 0, "a fee on a voucher not refunded")
            }
            // One refund entry for each refunded voucher, crediting its price less its fee.
            let unmatched = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM voucher WHERE status = 'refunded' AND 1 != (SELECT count(*) FROM ledger_entry
                        WHERE kind = 'refund' AND voucher_code = voucher.code
                            AND amount_fen = voucher.settlement_price_fen - coalesce(voucher.refund_fee_fen, 0)
                            AND fee_fen = coalesce(voucher.refund_fee_fen, 0))
                    """)
            #expect(unmatched == 0, "refunded vouchers without their one refund entry")
            #expect(
                try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger_entry WHERE kind = 'refund'")
                    == (try Int.fetchOne(db, sql: "SELECT count(*) FROM voucher WHERE status = 'refunded'")))
            // An approved request refunded its voucher at the fee it was filed with; a
            // pending one holds a valid voucher.
            let misdecided = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM refund_approval JOIN voucher ON voucher.id = refund_approval.voucher_id
                    WHERE (refund_approval.status = 'approved'
                            AND (voucher.status != 'refunded' OR coalesce(voucher.refund_fee_fen, 0) != refund_approval.fee_fen))
                        OR (refund_approval.status = 'pending' AND voucher.status != 'valid')
                    """)
            #expect(misdecided == 0, "approvals that do not match their vouchers")
            let miscounted = try Row.fetchAll(
                db,
                sql: """
                    SELECT day.product_id, day.visit_date, day.sold, (SELECT count(*) FROM voucher
                        WHERE product_id = day.product_id AND visit_date = day.visit_date AND status != 'refunded') AS held
                    FROM calendar_day AS day WHERE day.sold != held OR day.sold > coalesce(day.capacity, day.sold)
                    """)
            #expect(miscounted.isEmpty, "calendar days that do not count their tickets: \(miscounted)")
            let tally = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM (SELECT distributor_id, sold_quarter, valid_until, status, count FROM voucher_tally WHERE count > 0
                        EXCEPT SELECT distributor_id, sold_at / 900000, valid_until, status, count(*) FROM voucher GROUP BY 1, 2, 3, 4)
                    UNION ALL SELECT * FROM (SELECT distributor_id, sold_at / 900000, valid_until, status, count(*) FROM voucher GROUP BY 1, 2, 3, 4
                        EXCEPT SELECT distributor_id, sold_quarter, valid_until, status, count FROM voucher_tally WHERE count > 0)
                    """)
            #expect(tally.isEmpty, "the voucher tally differs from the vouchers: \(tally)")
        }
    }
}

@Suite("Ledger properties", .enabled(if: TestBackend.isSQLite, "reads the SQLite store's own tables in one snapshot"))
struct LedgerPropertyTests {
    static let setups = zip(Gen.int(in: 0...404), Gen.int(in: 0...404), Gen.int(in: LedgerSetup.seeds))
        .map { LedgerSetup(fee: $0.0, pass: $0.1, calendar: $0.2) }
    static let steps = zip(Gen.int(in: 0...16), Gen.int(in: 1...4), Gen.int(in: 0...999), Gen.int(in: 0...999))
        .map { LedgerStep(kind: $0.0, small: $0.1, large: $0.2, extra: $0.3) }
        .array(of: 1...60)

    @Test("random money movements, sales, refunds under rules, approvals, date changes, credit lines and the clock leave the store as the model says, every fen accounted")
    func matchesModel() async throws {
        await propertyCheck(count: 40, input: Self.setups, Self.steps) { setup, steps in
            do {
                var run = try await LedgerRun(setup)
                try await run.run(setup.steps + steps)
                try await run.checkFinal()
            } catch is ExpectationFailedError {
                // Recorded where it failed; the property check names the input.
            } catch {
                Issue.record(error, "setup: \(setup); steps: \(steps)")
            }
        }
    }
}
