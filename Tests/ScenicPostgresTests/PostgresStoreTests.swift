import Foundation
import ScenicStore
import ScenicTestSupport
import Testing

@testable import ScenicPostgres

/// The stores a scenario runs on: SQLite in a temporary folder, PostgreSQL in a database
/// of the test cluster of its own.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }

    /// The backends this run can reach.
    static var available: [Backend] { PostgresTestDatabase.clusterURL == nil ? [.sqlite] : allCases }

    func withStore(_ body: (any Store) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let folder = TestScratch.folder("scenic-")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let store = try SQLiteStore.open(at: folder + "/" + SQLiteStore.fileName)
            try await body(store)
            try store.close()
        case .postgresql:
            try await PostgresTestDatabase.with { database in
                let store = try await PostgresStore.open(database.url, logger: PostgresTestDatabase.logger)
                defer { store.close() }
                try await body(store)
            }
        }
    }
}

/// Distributor 1 selling GATE (¥120.00 retail) at `price` fen with `balance` fen.
struct Desk {
    static let today = SceneNow(today: "2027-01-15", minuteOfDay: 600)
    static let stamp = AuditStamp(actor: "admin:root", method: "test", at: 1_000)

    let store: any Store
    let id: Int64

    static func open(_ store: any Store, price: Int64 = 8800, balance: Int64) async throws -> Desk {
        let created = try await store.createDistributor(
            name: "West Lake Travel", phone: "13800138000", passwordHash: "h",
            sms: OutgoingSMS(phone: "13800138000", body: "password", holdsSecret: true), stamp: stamp)
        try await store.changePassword(distributorID: created.id, passwordHash: "h2", keepSession: 0, stamp: stamp)
        _ = try await store.createProducts(
            [NewProduct(code: "GATE", name: "Gate", retailPriceFen: 12000, refundable: true, validDays: 2)], stamp: stamp, dryRun: false)
        _ = try await store.applyBindings(
            distributorID: created.id, [PricedCode(code: "GATE", settlementPriceFen: price)], change: .bind, stamp: stamp)
        if balance > 0 {
            _ = try await store.recharge(distributorID: created.id, amountFen: balance, note: "", key: nil, stamp: stamp, encode: { _ in Data() })
        }
        return Desk(store: store, id: created.id)
    }

    func sell(_ quantity: Int, requestID: String? = nil, at: Millis = 2_000) async throws -> Once<SaleRecord> {
        let sale = SaleRequest(
            distributorID: id, productCode: "GATE", quantity: quantity, visitDate: "2027-01-16", buyerName: "", buyerPhone: "",
            now: Self.today)
        let key = requestID.map { RequestKey(scope: "distributor:\(id)", requestID: $0, method: "Sell", fingerprint: Data([UInt8(quantity)])) }
        return try await store.sell(sale, key: key, at: at, encode: { try JSONEncoder().encode($0.voucherCodes) })
    }
}

@Suite("The PostgreSQL store beside the SQLite one", .timeLimit(.minutes(2)))
struct PostgresStoreTests {
    /// Two stores on one new database, as two daemons would have.
    static func withTwoStores(_ body: (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestDatabase.with { database in
            let first = try await PostgresStore.open(database.url, logger: PostgresTestDatabase.logger)
            let second = try await PostgresStore.open(database.url, logger: PostgresTestDatabase.logger)
            defer {
                first.close()
                second.close()
            }
            try await body(first, second)
        }
    }

    @Test("a desk's day, the same on both: bound, recharged, sold, refused past the balance, a retry answered once", arguments: Backend.available)
    func desksDay(backend: Backend) async throws {
        try await backend.withStore { store in
            let desk = try await Desk.open(store, balance: 30_000)
            guard case .first(let sale) = try await desk.sell(3, requestID: "r-1") else {
                Issue.record("a new request id sells")
                return
            }
            #expect(sale.amountFen == 26_400)
            #expect(sale.balanceAfterFen == 3_600)
            #expect(sale.voucherCodes.count == 3 && Set(sale.voucherCodes).count == 3)
            #expect(sale.voucherCodes.allSatisfy { $0.count == 16 })
            guard case .replay(let answer) = try await desk.sell(3, requestID: "r-1") else {
                Issue.record("a retry is answered from the first sale")
                return
            }
            #expect(try JSONDecoder().decode([String].self, from: answer) == sale.voucherCodes)
            await #expect(throws: MoneyError.insufficientBalance(balanceFen: 3_600, requiredFen: 8_800)) { try await desk.sell(1) }
            await #expect(throws: MoneyError.requestIDReused("r-1")) { try await desk.sell(2, requestID: "r-1") }

            let money = try await store.money(distributorID: desk.id)
            #expect(money.balanceFen == 3_600)
            let ledger = try await store.ledger(LedgerQuery(distributorID: desk.id, limit: 10))
            #expect(ledger.map(\.kind) == [.recharge, .sale])
            #expect(ledger.map(\.amountFen).reduce(0, +) == money.balanceFen)
            #expect(ledger.last?.balanceAfterFen == 3_600)
        }
    }

    @Test(
        "the back office's day, the same on both: credit, the gate and its undo, API keys, the outbox, events, audit, the catalog",
        arguments: Backend.available)
    func backOfficesDay(backend: Backend) async throws {
        try await backend.withStore { store in
            let desk = try await Desk.open(store, balance: 10_000)
            let stamp = Desk.stamp
            // A credit line lets the desk sell past its balance, to minus the line.
            #expect(try await store.setCreditLimit(distributorID: desk.id, limitFen: 8_000, stamp: stamp).availableFen == 18_000)
            guard case .first(let sale) = try await desk.sell(2) else {
                Issue.record("a sale without a request id is a first answer")
                return
            }
            #expect(sale.balanceAfterFen == -7_600)
            await #expect(throws: MoneyError.creditInUse(creditUsedFen: 7_600, heldFen: 0)) {
                try await store.setCreditLimit(distributorID: desk.id, limitFen: 7_000, stamp: stamp)
            }

            // At the gate on the visit date, once; undone within the window.
            let visitDay = SceneNow(today: "2027-01-16", minuteOfDay: 540)
            let code = sale.voucherCodes[0]
            await #expect(throws: MoneyError.notYetValid(code: code, visitDate: "2027-01-16")) {
                try await store.redeem(code: code, now: Desk.today, key: nil, stamp: stamp, encode: { _ in Data() })
            }
            guard case .first(let redeemed) = try await store.redeem(code: code, now: visitDay, key: nil, stamp: stamp, encode: { _ in Data() })
            else {
                Issue.record("a redemption without a request id is a first answer")
                return
            }
            #expect(redeemed.status == .redeemed && redeemed.productCode == "GATE")
            await #expect(throws: MoneyError.alreadyRedeemed(code: code, at: stamp.at)) {
                try await store.redeem(code: code, now: visitDay, key: nil, stamp: stamp, encode: { _ in Data() })
            }
            #expect(try await store.undoRedemption(code: code, reason: "wrong gate", window: 60_000, stamp: stamp).status == .valid)
            var valid = VoucherQuery(limit: 10)
            valid.distributorID = desk.id
            valid.status = .valid
            #expect(Set(try await store.vouchers(valid).map(\.code)) == Set(sale.voucherCodes))
            await #expect(throws: MoneyError.voucherNotFound("0000000000000000")) {
                try await store.undoRedemption(code: "0000000000000000", reason: "", window: 1, stamp: stamp)
            }

            // The statement and the sales report agree with what happened, to the fen.
            let statement = try await store.statement(distributorID: desk.id, from: 0, until: 3_600_000, today: "2027-01-15")
            #expect(statement.recharges.count == 1 && statement.recharges.amountFen == 10_000)
            #expect(statement.sales.count == 2 && statement.sales.amountFen == -17_600)
            #expect(statement.vouchersValid == 2 && statement.vouchersRedeemed == 0)
            #expect(statement.closingBalanceFen == -7_600 && statement.computedClosingFen == statement.closingBalanceFen)
            let report = try await store.salesReport(from: 0, until: 3_600_000, by: .product)
            #expect(report.map { "\($0.key) \($0.label) \($0.ticketsSold) \($0.settlementRevenueFen)" } == ["GATE Gate 2 17600"])
            #expect(try await store.salesReport(from: 0, until: 3_600_000, by: .day(utcOffsetSeconds: 8 * 3600)).map(\.key) == ["1970-01-01"])

            // An API key: found by its hash with its distributor, then revoked.
            let hash = Data(repeating: 7, count: 32)
            let key = try await store.createApiKey(
                NewApiKey(distributorID: desk.id, name: "website", prefix: "sk_7", secretHash: hash, scopes: [.sell, .read], expiresOn: "2027-12-31"),
                stamp: stamp)
            #expect(key.expiresOn == "2027-12-31")
            #expect(try await store.apiKey(secretHash: hash)?.distributor.id == desk.id)
            #expect(try await store.revokeApiKey(id: key.id, stamp: stamp).revokedAt == stamp.at)

            // The initial password's SMS: due, delivered, its secret redacted.
            let due = try await store.dueSMS(at: 5_000, limit: 10)
            #expect(due.map(\.body) == ["password"])
            try await store.markSMSDelivered(id: due[0].id, at: 5_000)
            #expect(try await store.smsMessages(status: .delivered, beforeID: .max, limit: 10).map(\.body) == ["[redacted]"])

            // The catalog: a retail price below a settlement price is refused; archived, it sells no more.
            await #expect(throws: RetailBelowSettlement(code: "GATE", highestSettlementFen: 8_800)) {
                try await store.updateProduct(code: "GATE", ProductChanges(retailPriceFen: 8_000), stamp: stamp)
            }
            #expect(try await store.updateProduct(code: "GATE", ProductChanges(name: "Gate ticket"), stamp: stamp).name == "Gate ticket")
            _ = try await store.archiveProduct(code: "GATE", stamp: stamp)
            #expect(try await store.sellableProducts(distributorID: desk.id).isEmpty)
            #expect(try await store.unbind(distributorID: desk.id, codes: ["GATE"], stamp: stamp).isEmpty)

            let events = try await store.events(after: 0, limit: 100, distributorID: desk.id).events.map(\.kind)
            #expect(events == [.bindingAdded, .recharge, .creditChanged, .voucherRedeemed, .redemptionUndone, .productArchived, .bindingRemoved])
            #expect(try await store.gauges().vouchersByStatus.filter { $0.value > 0 } == ["valid": 2])
            // Past their last day (the 17th), both are told of once.
            #expect(try await store.recordExpiredVouchers(today: "2027-01-19", at: 9_000) == 2)
            #expect(try await store.recordExpiredVouchers(today: "2027-01-19", at: 9_000) == 0)
            #expect(try await store.events(after: 0, limit: 100, distributorID: nil).events.suffix(2).map(\.kind) == [.voucherExpired, .voucherExpired])
            let audit = try await store.auditEntries(AuditFilter(), beforeID: .max, limit: 100).map(\.summary)
            #expect(audit.contains("credit line 0 → 8000 fen"))
            #expect(audit.first == "unbound: GATE")
        }
    }

    @Test(
        "connections cut by the server: a call fails as STORAGE unavailable or succeeds, the pool reconnects, money stays exact",
        .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)))
    func connectionsCut() async throws {
        try await PostgresTestDatabase.with { database in
            let store = try await PostgresStore.open(database.url, logger: PostgresTestDatabase.logger)
            defer { store.close() }
            let desk = try await Desk.open(store, balance: 1_000_000)
            var sold = 0
            for round in 0..<3 {
                try await database.cutConnections()
                for attempt in 0..<5 {
                    do {
                        if case .first = try await desk.sell(1, requestID: "cut-\(round)-\(attempt)") { sold += 1 }
                    } catch let failure as StorageFailure {
                        #expect(failure.kind == .unavailable, "\(failure)")
                    }
                }
            }
            // As a client retries with the same request id, pausing between tries: the pool
            // drops its dead connections and opens new ones (slowly on a busy machine).
            var after: Once<SaleRecord>?
            var lastFailure: (any Error)?
            let deadline = ContinuousClock.now + .seconds(60)
            while after == nil, ContinuousClock.now < deadline {
                do {
                    after = try await desk.sell(1, requestID: "after")
                } catch let failure as StorageFailure {
                    #expect(failure.kind == .unavailable, "\(failure)")
                    lastFailure = failure
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            guard case .first = after else {
                Issue.record("the pool did not recover within 60 s: \(String(describing: lastFailure))")
                return
            }
            let money = try await store.money(distributorID: desk.id)
            #expect(money.balanceFen == 1_000_000 - Int64(sold + 1) * 8800)
            let ledger = try await store.ledger(LedgerQuery(distributorID: desk.id, limit: 100))
            #expect(ledger.count == sold + 2)
            #expect(ledger.map(\.amountFen).reduce(0, +) == money.balanceFen)
        }
    }

    @Test(
        "two daemons' stores claim the outbox: each message due goes to one of them",
        .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)))
    func outboxClaimedOnce() async throws {
        try await Self.withTwoStores { first, second in
            for index in 0..<40 {
                _ = try await first.createDistributor(
                    name: "Desk \(index)", phone: "1390000\(String(format: "%04d", index))", passwordHash: "h",
                    sms: OutgoingSMS(phone: "1390000\(String(format: "%04d", index))", body: "password \(index)", holdsSecret: true),
                    stamp: Desk.stamp)
            }
            async let one = first.dueSMS(at: 5_000, limit: 25)
            async let other = second.dueSMS(at: 5_000, limit: 25)
            let claimed = try await (one + other).map(\.id)
            #expect(claimed.count == 40)
            #expect(Set(claimed).count == 40)
            #expect(try await first.dueSMS(at: 5_000, limit: 25).isEmpty)
        }
    }

    @Test(
        "an event committed through one daemon's store rings the other's bell",
        .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)))
    func bellAcrossStores() async throws {
        try await Self.withTwoStores { first, second in
            let desk = try await Desk.open(first, balance: 0)
            let seen = second.eventBell.rings
            _ = try await first.recharge(distributorID: desk.id, amountFen: 100, note: "", key: nil, stamp: Desk.stamp, encode: { _ in Data() })
            let deadline = ContinuousClock.now + .seconds(10)
            while second.eventBell.rings == seen, ContinuousClock.now < deadline {
                await second.eventBell.wait(after: seen, timeout: .seconds(1))
            }
            #expect(second.eventBell.rings != seen)
            #expect(try await second.events(after: 0, limit: 10, distributorID: nil).events.last?.kind == .recharge)
        }
    }

    @Test(
        "two daemons' stores on one database, 64 sellers split over them, a balance of 40 tickets: exactly 40 sold, none twice",
        .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)))
    func twoStoresOneBalance() async throws {
        try await Self.withTwoStores { first, second in
            let desk = try await Desk.open(first, balance: 40 * 8800)
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for seller in 0..<64 {
                    let through = Desk(store: seller.isMultiple(of: 2) ? first : second, id: desk.id)
                    group.addTask {
                        var sold: [String] = []
                        for attempt in 0..<2 {
                            do {
                                if case .first(let sale) = try await through.sell(1, requestID: "s-\(seller)-\(attempt)") {
                                    sold += sale.voucherCodes
                                }
                            } catch MoneyError.insufficientBalance {}
                        }
                        return sold
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.count == 40)
            #expect(Set(results).count == 40)
            let money = try await second.money(distributorID: desk.id)
            #expect(money.balanceFen == 0)
            let ledger = try await second.ledger(LedgerQuery(distributorID: desk.id, limit: 1000))
            #expect(ledger.count == 41)
            #expect(ledger.map(\.amountFen).reduce(0, +) == 0)
            for code in results {
                var query = VoucherQuery(limit: 1)
                query.code = code
                #expect(try await first.vouchers(query).map(\.code) == [code])
            }
        }
    }

    @Test(
        "one request id sent through both daemons' stores at once: one sale, and both answer with it",
        .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)))
    func oneRequestTwoStores() async throws {
        try await Self.withTwoStores { first, second in
            let desk = try await Desk.open(first, balance: 100_000)
            for round in 0..<10 {
                async let one = Desk(store: first, id: desk.id).sell(1, requestID: "same-\(round)")
                async let other = Desk(store: second, id: desk.id).sell(1, requestID: "same-\(round)")
                let answers = try await [one, other].map { answer -> [String] in
                    switch answer {
                    case .first(let sale): sale.voucherCodes
                    case .replay(let data): try JSONDecoder().decode([String].self, from: data)
                    }
                }
                #expect(answers[0] == answers[1])
            }
            #expect(try await first.money(distributorID: desk.id).balanceFen == 100_000 - 10 * 8800)
        }
    }

    @Test(
        "a disabling through one daemon's store ends the session the other's reads",
        .enabled(if: PostgresTestDatabase.clusterURL != nil, Comment(rawValue: PostgresTestDatabase.missing)))
    func sessionsAcrossStores() async throws {
        try await Self.withTwoStores { first, second in
            let desk = try await Desk.open(first, balance: 0)
            let token = Data((0..<32).map { UInt8($0) })
            try await first.startSession(distributorID: desk.id, tokenHash: token, expiresAt: 10_000, stamp: Desk.stamp)
            #expect(try await second.openSession(tokenHash: token)?.1.id == desk.id)
            _ = try await first.setDistributorStatus(id: desk.id, .disabled, stamp: Desk.stamp)
            #expect(try await second.openSession(tokenHash: token) == nil)
        }
    }
}
