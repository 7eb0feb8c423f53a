import Foundation
import ScenicClient

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

    /// The most resident memory the daemon has used so far (VmHWM), in bytes.
    var peakResidentBytes: Int? { Self.statusField("VmHWM", pid: process.processIdentifier).map { $0 * 1024 } }
    /// The daemon's resident memory now (VmRSS), in bytes.
    var residentBytes: Int? { Self.statusField("VmRSS", pid: process.processIdentifier).map { $0 * 1024 } }

    /// The CPU time the daemon has used so far, user and system (`/proc/PID/stat`), to the
    /// kernel's clock tick. Unlike calls a second, steal time on a shared machine does not
    /// inflate it, so it compares builds fairly.
    var cpuTime: Duration? {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name: state is field 3, utime field 14 and stime field 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return .milliseconds((user + system) * 1000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The bytes the daemon has caused to be written to storage so far (`write_bytes` of
    /// /proc/PID/io): what reached the disk, the WAL's pages and the checkpoints' alike.
    var storageWrittenBytes: Int? {
        guard let io = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/io", encoding: .utf8) else { return nil }
        for line in io.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private static func statusField(_ name: String, pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

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
