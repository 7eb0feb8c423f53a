import Foundation
import ScenicClient
import ScenicProto
import ScenicTestSupport
import Synchronization
import Testing

/// Two scenicd processes on one PostgreSQL database, on clusters of the test's own (one
/// restarted under load; a primary lost under load and its standby promoted), with 64
/// point-of-sale clerks split over them.
@Suite(
    "Two daemons on one PostgreSQL",
    .enabled(if: ProcessInfo.processInfo.environment["SCENIC_TEST_POSTGRES_URL"] != nil, "run inside scripts/with-postgres.sh (make test)"),
    .serialized, .timeLimit(.minutes(5)))
struct PostgresEndToEndTests {
    /// The cluster script, found from this file: scripts/ at the repository's root.
    static let clusterScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres-cluster.sh").path

    static let distributors = 16
    static let capacity = 250
    static let priceFen: Int64 = 9_800

    /// Tickets distributor `index` (0-based) can pay for: 5, 15, 25 or 35; 320 in all,
    /// more than the day's capacity, so the capacity and some balances both run out.
    static func affordable(_ index: Int) -> Int { 5 + (index % 4) * 10 }

    @Test("64 clerks over two daemons against a capacity of 250 and 16 balances, PostgreSQL restarted under load: nothing oversold, balances equal their ledgers, every acknowledged sale there once")
    func twoDaemonsRestartUnderLoad() async throws {
        let folder = TestScratch.path("scenic-pg-e2e-")
        try await Self.cluster("start", folder)
        do {
            let daemons = try await Self.twoDaemons(url: "postgresql://postgres@/postgres?host=\(folder)") {
                try await Self.cluster("restart", folder)
            }
            try await Self.stop(daemons)
            try await Self.cluster("remove", folder)
        } catch {
            try? await Self.cluster("remove", folder)
            throw error
        }
    }

    @Test("the same load on a primary with a synchronous standby, the primary lost and the standby promoted: both daemons move to it without a restart, and the same holds")
    func twoDaemonsFailoverUnderLoad() async throws {
        let base = TestScratch.path("scenic-pg-e2e-")
        let (primary, standby) = (base + "-primary", base + "-standby")
        try await Self.cluster("start", primary)
        do {
            try await Self.cluster("standby", standby, primary)
            let daemons = try await Self.twoDaemons(url: "postgresql://postgres@/postgres?host=\(primary),\(standby)&target_session_attrs=read-write") {
                // The primary's machine is gone for good; an operator (or a failover
                // manager) promotes the standby.
                try await Self.cluster("remove", primary)
                try await Self.cluster("promote", standby)
            }
            for daemon in daemons {
                let log = daemon.readStderr()
                #expect(log.contains("database server lost") && log.contains("database server found"), "\(log)")
                // The storage call names the server in use.
                let admin = try await ScenicClient.connect(socketPath: daemon.adminSocket)
                #expect(try await admin.storage().dataDirectory.hasSuffix("(in use: \(standby):5432)"))
                await admin.close()
            }
            try await Self.stop(daemons)
        } catch {
            try? await Self.cluster("remove", primary)
            try? await Self.cluster("remove", standby)
            throw error
        }
        try await Self.cluster("remove", standby)
    }

    @Test("while PostgreSQL is down, calls answer STORAGE_UNAVAILABLE within seconds, not at their deadline, and the URL's other host, holding another Scenic database, is never written to; once the server is back, the daemon serves again by itself")
    func answersWhileDown() async throws {
        let folder = TestScratch.path("scenic-pg-e2e-")
        let other = folder + "-other"
        try await Self.cluster("start", folder)
        do {
            try await Self.cluster("start", other)
            // Another scenic area's database, with keys of its own, on the URL's second host.
            let stranger = try await DaemonProcess(arguments: ["--database", "postgresql://postgres@/postgres?host=\(other)"])
            try await Self.stop([stranger])
            let daemon = try await DaemonProcess(arguments: [
                "--database", "postgresql://postgres@/postgres?host=\(folder),\(other)&target_session_attrs=read-write", "--scrypt-log-n", "10",
            ])
            let admin = try await ScenicClient.connect(socketPath: daemon.adminSocket)
            _ = try await admin.createDistributor(name: "Desk before", phone: "13800138000")
            try await Self.cluster("stop", folder)
            for attempt in 0..<5 {
                let asked = ContinuousClock.now
                let error = await #expect(throws: RPCError.self) {
                    _ = try await admin.createDistributor(name: "Desk while down", phone: "1380013801\(attempt)")
                }
                #expect(error?.code == .unavailable && error?.reason == "STORAGE_UNAVAILABLE", "\(String(describing: error))")
                #expect(ContinuousClock.now - asked < .seconds(8), "attempt \(attempt)")
            }
            #expect(daemon.readStderr().contains("holds another database"), "\(daemon.readStderr())")
            try await Self.cluster("resume", folder)
            let created = try await Self.retrying { try await admin.createDistributor(name: "Desk after", phone: "13800138020") }
            #expect(try await admin.listDistributors(Scenic_V1_ListDistributorsRequest()).distributors.map(\.name) == ["Desk before", "Desk after"])
            #expect(created.distributor.id > 0)
            await admin.close()
            try await Self.stop([daemon])
        } catch {
            try? await Self.cluster("remove", folder)
            try? await Self.cluster("remove", other)
            throw error
        }
        try await Self.cluster("remove", folder)
        try await Self.cluster("remove", other)
    }

    /// Two daemons on the database at `url`, 16 distributors and 64 clerks selling until
    /// the capacity and balances run out; `disrupt` runs once 80 tickets are sold. Checks
    /// what must hold, and answers the daemons, still running.
    static func twoDaemons(url: String, disrupt: @escaping @Sendable () async throws -> Void) async throws -> [DaemonProcess] {
        let first = try await DaemonProcess(arguments: ["--database", url, "--scrypt-log-n", "10"])
        let second = try await DaemonProcess(
            arguments: ["--database", url, "--scrypt-log-n", "10", "--personal-data-key", first.dataDirectory + "/personal-data.key"])
        let admin = try await ScenicClient.connect(socketPath: first.adminSocket)

        // The product, its calendar for tomorrow (a date no cutoff reaches), 16 distributors.
        var product = Scenic_V1_CreateProductRequest()
        product.code = "GATE"
        product.name = "Gate ticket"
        product.retailPriceFen = 12_000
        product.validDays = 1
        _ = try await admin.createProduct(product)
        let visitDate = Self.date(daysFromToday: 1)
        var capacity = Scenic_V1_SetCapacityRequest()
        capacity.productCode = "GATE"
        capacity.dates.fromDate = visitDate
        capacity.dates.toDate = visitDate
        capacity.capacity = Int32(Self.capacity)
        _ = try await admin.setCapacity(capacity)
        var desks: [(id: Int64, phone: String, password: String)] = []
        for index in 0..<distributors {
            let phone = "1380013" + String(format: "%04d", index)
            let created = try await admin.createDistributor(name: "Desk \(index)", phone: phone)
            let id = created.distributor.id
            _ = try await admin.bind(distributorID: id, [("GATE", Self.priceFen)])
            var recharge = Scenic_V1_RechargeRequest()
            recharge.requestID = "setup-\(index)"
            recharge.distributorID = id
            recharge.amountFen = Int64(affordable(index)) * Self.priceFen
            _ = try await admin.recharge(recharge)
            // Its own password, set through the second daemon: the first then knows it.
            let pos = try await ScenicClient.connect(socketPath: second.posSocket)
            let login = try await pos.login(phone: phone, password: created.initialPassword)
            await pos.close()
            let signedIn = try await ScenicClient.connect(
                socketPath: second.posSocket, metadata: [ScenicClient.sessionMetadataKey: login.sessionToken])
            try await signedIn.changePassword(old: created.initialPassword, new: "desk password \(index)")
            await signedIn.close()
            desks.append((id, phone, "desk password \(index)"))
        }

        // 64 clerks, four a distributor, half on each daemon; each sells 1 to 3 tickets a
        // call until a single ticket is refused, retrying a call the storage could not
        // answer with its request id. Once 80 tickets are sold, the database is disrupted.
        let load = Load()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for clerk in 0..<64 {
                let desk = desks[clerk % distributors]
                let daemon = clerk % 2 == 0 ? first : second
                group.addTask {
                    let pos = try await ScenicClient.connect(socketPath: daemon.posSocket)
                    let token = try await Self.retrying { try await pos.login(phone: desk.phone, password: desk.password).sessionToken }
                    await pos.close()
                    let client = try await ScenicClient.connect(
                        socketPath: daemon.posSocket, metadata: [ScenicClient.sessionMetadataKey: token])
                    var call = 0
                    var quantity = 1 + clerk % 3
                    while true {
                        call += 1
                        var sale = Scenic_V1_SellRequest()
                        sale.requestID = "clerk-\(clerk)-\(call)"
                        sale.productCode = "GATE"
                        sale.quantity = Int32(quantity)
                        sale.visitDate = visitDate
                        do {
                            let answer = try await Self.retrying(load) { try await client.sell(sale) }
                            load.acknowledge(sale.requestID, answer.voucherCodes)
                        } catch let error as RPCError where ["SOLD_OUT", "INSUFFICIENT_BALANCE"].contains(error.reason ?? "") {
                            load.refused(error.reason ?? "")
                            if quantity == 1 { break }
                            quantity = 1
                        }
                    }
                    await client.close()
                }
            }
            group.addTask {
                while load.sold < 80 { try await Task.sleep(for: .milliseconds(20)) }
                try await disrupt()
                load.disrupted.withLock { $0 = true }
            }
            try await group.waitForAll()
        }
        #expect(load.disrupted.withLock { $0 })
        let refusals = load.refusals.withLock { $0 }
        print("two daemons on PostgreSQL: refusals and retries \(refusals.sorted { $0.key < $1.key })")
        #expect(refusals["SOLD_OUT", default: 0] > 0 && refusals["INSUFFICIENT_BALANCE", default: 0] > 0, "\(refusals)")

        // Exactly the capacity sold, every acknowledged code there once and nothing else,
        // and each balance what its ledger says, through either daemon.
        let codes = load.acknowledged.withLock { $0.values.flatMap { $0 } }
        #expect(codes.count == Self.capacity)
        #expect(Set(codes).count == codes.count)
        var stored: [String] = []
        for (index, desk) in desks.enumerated() {
            let reader = try await ScenicClient.connect(socketPath: (index % 2 == 0 ? first : second).adminSocket)
            let vouchers = try await Self.allVouchers(reader, distributorID: desk.id)
            stored += vouchers
            #expect(vouchers.count <= affordable(index))
            let balance = try await reader.distributor(id: desk.id).balanceFen
            #expect(balance == Int64(affordable(index) - vouchers.count) * Self.priceFen)
            let ledger = try await Self.allLedgerEntries(reader, distributorID: desk.id)
            #expect(ledger.reduce(0) { $0 + $1.amountFen } == balance)
            #expect(ledger.last?.balanceAfterFen == balance)
            await reader.close()
        }
        #expect(stored.sorted() == codes.sorted())
        var shown = Scenic_V1_AvailabilityRequest()
        shown.productCode = "GATE"
        shown.fromDate = visitDate
        shown.toDate = visitDate
        #expect(try await admin.calendar(shown).days.first?.sold == Int32(Self.capacity))
        await admin.close()
        return [first, second]
    }

    static func stop(_ daemons: [DaemonProcess]) async throws {
        for daemon in daemons {
            daemon.signal(SIGTERM)
            #expect(try await daemon.waitForExit() == 0, "\(daemon.readStderr())")
        }
    }

    /// Runs `body` again while the daemon answers that its storage is unavailable (as
    /// across a database restart), as a client with a request id may.
    static func retrying<T>(_ load: Load? = nil, _ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                return try await body()
            } catch let error as RPCError where error.code == .unavailable && ContinuousClock.now < deadline {
                load?.refused(error.reason ?? "UNAVAILABLE")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func allVouchers(_ client: ScenicClient, distributorID: Int64) async throws -> [String] {
        var filter = Scenic_V1_VoucherFilter()
        filter.distributorID = distributorID
        filter.pageSize = 500
        return try await everyPage(filter, \.pageToken) { try await client.vouchers($0) } items: { ($0.vouchers.map(\.code), $0.nextPageToken) }
    }

    static func allLedgerEntries(_ client: ScenicClient, distributorID: Int64) async throws -> [Scenic_V1_LedgerEntry] {
        var request = Scenic_V1_ListLedgerRequest()
        request.distributorID = distributorID
        request.pageSize = 500
        return try await everyPage(request, \.pageToken) { try await client.ledger($0) } items: { ($0.entries, $0.nextPageToken) }
    }

    /// Every item of a listing: `request` sent again with each page's next token until one
    /// has none.
    static func everyPage<Request, Page, Item>(
        _ request: Request, _ token: WritableKeyPath<Request, String>, _ fetch: (Request) async throws -> Page,
        items: (Page) -> ([Item], String)
    ) async throws -> [Item] {
        var request = request
        var all: [Item] = []
        repeat {
            let (page, next) = items(try await fetch(request))
            all += page
            request[keyPath: token] = next
        } while !request[keyPath: token].isEmpty
        return all
    }

    /// A date `days` from today in the daemon's default time zone.
    static func date(daysFromToday days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let day = calendar.date(byAdding: .day, value: days, to: Date())!
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Runs the cluster script with `posix_spawn`, its output in FOLDER.log: the server it
    /// starts must inherit no descriptor of the test's (a pipe it held open would never end).
    static func cluster(_ command: String, _ folder: String, _ primary: String? = nil) async throws {
        let log = folder + ".log"
        let script = try SpawnedProcess([clusterScript, command, folder] + (primary.map { [$0] } ?? []), logPath: log)
        guard try await script.waitForExit(timeout: .seconds(60)) == 0 else {
            throw ClusterFailed(command: command, log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }

    /// What the clerks were told, shared between them.
    final class Load: Sendable {
        /// Voucher codes by request id: a replayed answer counts once.
        let acknowledged = Mutex<[String: [String]]>([:])
        let refusals = Mutex<[String: Int]>([:])
        let disrupted = Mutex(false)

        var sold: Int { acknowledged.withLock { $0.values.reduce(0) { $0 + $1.count } } }

        func acknowledge(_ requestID: String, _ codes: [String]) { acknowledged.withLock { $0[requestID] = codes } }
        func refused(_ reason: String) { refusals.withLock { $0[reason, default: 0] += 1 } }
    }

    struct ClusterFailed: Error {
        let command: String
        let log: String
    }
}
