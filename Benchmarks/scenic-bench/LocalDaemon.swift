import Foundation
import ScenicClient
import ScenicProcessStatistics

/// A scenicd the bench starts itself, on a data directory of its own.
final class LocalDaemon: @unchecked Sendable {
    let dataDirectory: String
    let process: Process
    /// From launch until both sockets answered health.
    let startToReady: Duration

    var adminSocket: String { ScenicPaths.adminSocket(inDataDirectory: dataDirectory) }
    var posSocket: String { ScenicPaths.posSocket(inDataDirectory: dataDirectory) }
    var databasePath: String { ScenicPaths.database(inDataDirectory: dataDirectory) }

    /// Starts `executable` and waits for it to serve. Password hashing is made cheap
    /// (`--scrypt-log-n 12`): logins are set-up, not what the bench measures.
    init(executable: String, dataDirectory: String, extraArguments: [String] = []) async throws {
        self.dataDirectory = dataDirectory
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--data-dir", dataDirectory, "--log-level", "error", "--scrypt-log-n", "12"] + extraArguments
        let admin = ScenicPaths.adminSocket(inDataDirectory: dataDirectory)
        let pos = ScenicPaths.posSocket(inDataDirectory: dataDirectory)
        let launched = ContinuousClock.now
        try process.run()
        while true {
            guard process.isRunning else { throw BenchFailure("scenicd exited with status \(process.terminationStatus)") }
            if await Self.serves(admin), await Self.serves(pos) { break }
            guard ContinuousClock.now - launched < .seconds(30) else { throw BenchFailure("scenicd not ready after 30 s") }
            try await Task.sleep(for: .milliseconds(2))
        }
        startToReady = ContinuousClock.now - launched
    }

    private static func serves(_ socket: String) async -> Bool {
        guard let client = try? await ScenicClient.connect(socketPath: socket, defaultTimeout: .seconds(1)) else { return false }
        defer { Task { await client.close() } }
        return (try? await client.health())?.status == .serving
    }

    /// What /proc tells of the daemon: its CPU time, its memory, the bytes it has written.
    var statistics: ProcessStatistics { ProcessStatistics(pid: process.processIdentifier) }

    /// SIGKILL, as a power cut would: nothing gets to flush or clean up.
    func kill() async {
        Glibc.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    /// SIGTERM, and waits for the graceful exit.
    func stop() async {
        Glibc.kill(process.processIdentifier, SIGTERM)
        await waitForExit()
    }

    private func waitForExit() async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// scenicd next to this executable, as `swift build` places them.
    static var besideMe: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("scenicd").path
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
