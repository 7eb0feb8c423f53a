import ArgumentParser
import Foundation
import ScenicClient
import Synchronization

/// `scenic-bench load`: drives a daemon with M connections × K calls in flight and reports
/// throughput, latency percentiles, failures by status and the daemon's peak memory.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drive scenicd with concurrent calls and report throughput and latency.")

    @Option(help: "sell, mixed, health, voucher-page, statement or login.")
    var profile: LoadProfile = .sell

    @Option(help: "Connections to open.")
    var connections = 64

    @Option(help: "Calls in flight on each connection.")
    var inFlight = 1

    @Option(help: "Distributors to set up (sell and mixed); connection i sells as distributor i mod N.")
    var distributors = 64

    @Option(help: "Seconds to run (ignored when --count is given).")
    var duration: Double = 10

    @Option(help: "Calls to make in all, instead of running for a duration.")
    var count: Int?

    @Option(help: "Distributor id for voucher-page and statement.")
    var distributorID: Int64 = 1

    @Option(help: "Inclusive YYYY-MM-DD range for voucher-page and statement (default: the last 40 days).")
    var from: String?
    @Option(help: "End of that range (default: today).")
    var to: String?

    @OptionGroup var target: DaemonTarget

    @Option(help: ArgumentHelp(
        "Sell against the calendar: today's capacity for the bench product, and each seller's allotment, both N.",
        discussion: "Every sale then takes its tickets from the day and the allotment in its transaction (sell and mixed). 0: no calendar, as products are by default."))
    var capacity = 0

    @Flag(help: "Also measure the floors (C echo server, raw SQLite sales) in this run.")
    var floors = false

    @Option(help: "Directory holding echo-floor and sqlite-sale-floor (make -C Benchmarks/floors).")
    var floorsDirectory = "Benchmarks/floors/build"

    @Option(help: "The pgbench script of a sale, the floor on PostgreSQL (--daemon-arguments \"--database postgresql://…\").")
    var pgbenchScript = "Benchmarks/floors/postgres-sale.sql"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard connections > 0, inFlight > 0, distributors > 0, duration > 0, (count ?? 1) > 0 else {
            throw ValidationError("--connections, --in-flight, --distributors, --duration and --count must be positive")
        }
        guard (0...1_000_000).contains(capacity) else { throw ValidationError("--capacity must be 0 to 1000000") }
    }

    func run() async throws {
        let daemon = try await target.start()
        var report = LoadReport(
            profile: profile.rawValue, connections: connections, inFlight: inFlight,
            distributors: profile.needsSellers ? distributors : 0)
        report.startToReadyMillis = daemon.local.map { $0.startToReady.inSeconds * 1e3 }
        do {
            let plans = try await makePlans(daemon)
            let cpuBefore = daemon.cpuTime
            let writtenBefore = daemon.local?.statistics.storageWrittenBytes
            let batchesBefore = await Self.groupCommits(daemon)
            let (recorder, elapsed) = try await drive(plans)
            report.record(recorder, seconds: elapsed)
            if let batchesBefore, let batchesAfter = await Self.groupCommits(daemon), batchesAfter != batchesBefore {
                report.groupCommits = batchesAfter.since(batchesBefore)
            }
            if let cpuBefore, let cpuAfter = daemon.cpuTime { report.daemonCPU = cpuAfter - cpuBefore }
            if let writtenBefore, let writtenAfter = daemon.local?.statistics.storageWrittenBytes {
                report.daemonStorageBytes = writtenAfter - writtenBefore
            }
            report.peakResidentBytes = daemon.local?.statistics.peakResidentBytes
            for plan in plans { await plan.client.close() }
        } catch {
            await daemon.finish()
            throw error
        }
        await daemon.finish(keepingDatabase: floors)
        if floors, let url = target.postgresURL {
            report.floors = [
                try await Floors(directory: floorsDirectory).pgbench(
                    script: pgbenchScript, url: url, connections: connections * inFlight, distributors: distributors,
                    sales: min(report.calls, 10_000))
            ]
            daemon.removeScratch()
        } else if floors, let database = daemon.local?.databasePath {
            report.floors = try await Floors(directory: floorsDirectory).measure(
                profile: profile, connections: connections, inFlight: inFlight, distributors: distributors, database: database,
                seconds: min(duration, 10), daemonBatch: report.groupCommits.map { Int($0.writesPerTransaction.rounded()) })
            daemon.removeScratch()
        }
        print(json ? try report.json() : report.text())
    }

    private func makePlans(_ daemon: DaemonTarget.Running) async throws -> [CallPlan] {
        let today = Fixture.today(in: try await daemon.timeZone())
        let range = (from ?? Self.day(daysBefore: 40, today: today), to ?? today)
        let fixture: Fixture? =
            profile.needsSellers
            ? try await Fixture.make(count: distributors, adminSocket: daemon.adminSocket, posSocket: daemon.posSocket)
            : nil
        if let fixture, capacity > 0 {
            try await fixture.limit(capacity: capacity, on: today, adminSocket: daemon.adminSocket)
        }
        // A fresh daemon has nothing to list: give the admin profiles a distributor with sales.
        var distributorID = distributorID
        if profile.usesAdminSocket, !daemon.scratch.isEmpty {
            distributorID = try await Self.seedSales(daemon, today: today)
        }
        var plans: [CallPlan] = []
        for index in 0..<connections {
            let client: ScenicClient
            let seller = fixture.map { $0.sellers[index % $0.sellers.count] }
            // Connections take the daemons in turn; a session works on each.
            let posSocket = daemon.posSockets[index % daemon.posSockets.count]
            if let seller, profile.signedIn {
                client = try await ScenicClient.connect(
                    socketPath: posSocket, metadata: [ScenicClient.sessionMetadataKey: seller.token])
            } else {
                client = try await ScenicClient.connect(socketPath: profile.usesAdminSocket ? daemon.adminSocket : posSocket)
            }
            for _ in 0..<inFlight {
                plans.append(CallPlan(
                    profile: profile, client: client, today: today, distributorID: distributorID,
                    dateRange: range,
                    account: (seller?.phone ?? "", seller?.password ?? "")))
            }
        }
        return plans
    }

    /// Runs every plan in its own task until the count or the duration is used up.
    private func drive(_ plans: [CallPlan]) async throws -> (LatencyRecorder, Duration) {
        let remaining = CallBudget(count ?? .max)
        let deadline = ContinuousClock.now + .milliseconds(Int(duration * 1_000))
        let bounded = count != nil
        let started = ContinuousClock.now
        let merged = await withTaskGroup(of: LatencyRecorder.self) { group in
            for plan in plans {
                group.addTask {
                    var recorder = LatencyRecorder()
                    var number = 0
                    while bounded ? remaining.take() : ContinuousClock.now < deadline {
                        number += 1
                        let start = ContinuousClock.now
                        do {
                            try await plan.call(number)
                        } catch {
                            recorder.record(failure: error)
                        }
                        recorder.record(ContinuousClock.now - start)
                    }
                    return recorder
                }
            }
            return await group.reduce(into: LatencyRecorder()) { $0.add($1) }
        }
        return (merged, ContinuousClock.now - started)
    }

    /// The writer's running totals, from the first daemon's metrics on its admin socket;
    /// nil for a daemon on PostgreSQL, which has no group commit, for a build older than
    /// its metrics (the bench drives earlier builds for comparison), or when the admin
    /// socket does not answer (an attached daemon's may be closed to this user).
    private static func groupCommits(_ daemon: DaemonTarget.Running) async -> GroupCommitFigures? {
        guard let client = try? await ScenicClient.connect(socketPath: daemon.adminSocket) else { return nil }
        defer { Task { await client.close() } }
        return (try? await client.metrics()).flatMap(GroupCommitFigures.init(metricsText:))
    }

    /// One distributor with 100 sales of 5 tickets; returns its id.
    private static func seedSales(_ daemon: DaemonTarget.Running, today: String) async throws -> Int64 {
        let seller = try await Fixture.make(count: 1, adminSocket: daemon.adminSocket, posSocket: daemon.posSocket).sellers[0]
        let client = try await ScenicClient.connect(socketPath: daemon.posSocket, metadata: [ScenicClient.sessionMetadataKey: seller.token])
        defer { Task { await client.close() } }
        for _ in 0..<100 {
            var request = Scenic_V1_SellRequest()
            request.productCode = Fixture.productCode
            request.quantity = 5
            request.visitDate = today
            _ = try await client.sell(request)
        }
        return seller.id
    }

    static func day(daysBefore days: Int, today: String) -> String {
        let parser = DateFormatter()
        parser.dateFormat = "yyyy-MM-dd"
        parser.timeZone = TimeZone(identifier: "UTC")
        guard let date = parser.date(from: today) else { return today }
        return parser.string(from: date.addingTimeInterval(-Double(days) * 86_400))
    }
}

/// Calls left to make, shared by every calling task of a counted run.
final class CallBudget: Sendable {
    private let left: Atomic<Int>
    init(_ calls: Int) { left = Atomic(calls) }
    /// True while calls are left; each true answer uses one.
    func take() -> Bool { left.wrappingSubtract(1, ordering: .relaxed).oldValue > 0 }
}
