import ArgumentParser
import Foundation
import ScenicClient

/// `scenic-bench crash`: kills scenicd with SIGKILL at random moments while several client
/// processes sell, recharge and refund with request ids; restarts it, retries every
/// unanswered call with its same request id, and finally checks the database against
/// every answer the clients got.
struct CrashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash",
        abstract: "kill -9 scenicd under load, restart, retry, and check nothing acknowledged was lost or applied twice.")

    @Option(help: "Cycles that end with kill -9.")
    var cycles = 5

    @Option(help: "Client processes per cycle.")
    var clients = 3

    @Option(help: "Distributors selling.")
    var distributors = 3

    @Option(help: "New sales per cycle (recharges and refunds are added in proportion).")
    var salesPerCycle = 40

    @Option(help: "The scenicd executable (default: the one next to scenic-bench).")
    var scenicd: String?

    @Option(help: "Data directory to use and keep (default: a fresh one, removed when the check passes).")
    var dataDir: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard cycles >= 0, clients > 0, distributors > 0, salesPerCycle > 0 else {
            throw ValidationError("--cycles must not be negative; the other counts must be positive")
        }
    }

    func run() async throws {
        let directory = dataDir ?? NSTemporaryDirectory() + "scenic-crash-\(UUID().uuidString.prefix(8))"
        let executable = scenicd ?? LocalDaemon.besideMe
        var daemon = try await LocalDaemon(executable: executable, dataDirectory: directory)
        let fixture = try await Fixture.make(count: distributors, adminSocket: daemon.adminSocket, posSocket: daemon.posSocket)
        var run = CrashRun(fixture: fixture, adminSocket: daemon.adminSocket, posSocket: daemon.posSocket, directory: directory)

        var cycle = 0
        var settled = false
        while !settled {
            cycle += 1
            let kill = cycle <= cycles
            if kill { run.planMore(sales: salesPerCycle) }
            let pending = run.pending
            let replays = run.replaySample(5)
            // Shuffled, so that a kill that leaves each worker's last calls unanswered leaves
            // replays answered as often as first calls.
            let workers = try run.startWorkers((pending + replays).shuffled(), clients: clients, cycle: cycle)
            if kill {
                // After a random count of the cycle's answers rather than a random time: how
                // long a cycle takes depends on the machine and the build, and a kill timed by
                // the clock lands before the first answer on a slow one (the next cycle has
                // nothing to refund) or after the last on a fast one (nothing is in flight).
                // The count leaves a few calls a worker still to answer.
                let answers = Int.random(in: 1...max(1, pending.count - 3 * clients))
                try await run.waitForAnswers(answers, cycle: cycle, clients: clients, atMost: .seconds(10))
                await daemon.kill()
                run.report.killed += 1
            }
            for worker in workers { worker.waitUntilExit() }
            let answered = run.collect(cycle: cycle, replays: replays)
            if kill {
                run.report.unansweredAtKill += pending.count - answered
            } else {
                settled = run.pending.isEmpty
                guard settled || cycle < cycles + 5 else { throw BenchFailure("operations still unanswered after 5 rounds without kills") }
            }
            if kill { daemon = try await LocalDaemon(executable: executable, dataDirectory: directory) }
        }
        await daemon.stop()
        run.report.cycles = cycle
        try run.verify(database: daemon.databasePath)
        print(json ? try run.report.json() : run.report.text())
        if !run.report.passed { throw ExitCode(1) }
        if dataDir == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}
