import Foundation
import ScenicStore
import Testing

@testable import ScenicPostgres

/// What both stores carry so far, for the scenarios run on each: ``Store`` itself once the
/// PostgreSQL store carries all of it.
protocol SellingStore: Sendable {
    func createDistributor(name: String, phone: String, passwordHash: String, sms: OutgoingSMS, stamp: AuditStamp) async throws
        -> DistributorRecord
    func changePassword(distributorID: Int64, passwordHash: String, keepSession: Int64, stamp: AuditStamp) async throws
    func createProducts(_ products: [NewProduct], stamp: AuditStamp, dryRun: Bool) async throws -> [ProductRecord]
    func applyBindings(distributorID: Int64, _ items: [PricedCode], change: BindingChange, stamp: AuditStamp) async throws
        -> [BindingRecord]
    func recharge(
        distributorID: Int64, amountFen: Int64, note: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord>
    func sell(_ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data)
        async throws -> Once<SaleRecord>
    func money(distributorID: Int64) async throws -> DistributorRecord
    func ledger(_ query: LedgerQuery) async throws -> [LedgerEntryRecord]
    func startSession(distributorID: Int64, tokenHash: Data, expiresAt: Millis, stamp: AuditStamp) async throws
    func openSession(tokenHash: Data) async throws -> (SessionRecord, DistributorRecord)?
    func setDistributorStatus(id: Int64, _ status: DistributorRecord.Status, stamp: AuditStamp) async throws -> DistributorRecord
}

extension SQLiteStore: SellingStore {}
extension PostgresStore: SellingStore {}

/// The stores a scenario runs on: SQLite in a temporary folder, PostgreSQL in a database
/// of the test cluster of its own.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgresql
    var testDescription: String { rawValue }

    /// The backends this run can reach.
    static var available: [Backend] { PostgresTestDatabase.clusterURL == nil ? [.sqlite] : allCases }

    func withStore(_ body: (any SellingStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scenic-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
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

    let store: any SellingStore
    let id: Int64

    static func open(_ store: any SellingStore, price: Int64 = 8800, balance: Int64) async throws -> Desk {
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

@Suite("The PostgreSQL store beside the SQLite one")
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
            for code in results { _ = try await first.voucher(code: code, distributorID: desk.id) }
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
