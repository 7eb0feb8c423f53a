import Foundation
import ScenicClient
import ScenicProcessStatistics
import ScenicTestSupport

/// A real scenicd process on a fresh data directory, and the built client executables.
final class DaemonProcess: Sendable {
    let dataDirectory: String
    private let process: SpawnedProcess
    /// Where the daemon's stderr (its log) goes.
    let logPath: String

    var adminSocket: String { dataDirectory + "/admin.sock" }
    var posSocket: String { dataDirectory + "/pos.sock" }

    /// The directory holding the built products (next to the test bundle).
    static var binDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["SCENIC_BIN_DIR"] { return URL(fileURLWithPath: override) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static func makeDataDirectory() -> String {
        TestScratch.path("scenicd-test-")
    }

    /// Starts scenicd, with `environment` added to its own, and waits until the
    /// point-of-sale socket answers health unless `waitUntilServing` is false.
    init(
        dataDirectory: String = DaemonProcess.makeDataDirectory(), arguments: [String] = [],
        environment: [String: String] = [:], waitUntilServing: Bool = true
    ) async throws {
        self.dataDirectory = dataDirectory
        logPath = dataDirectory + ".log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        process = try SpawnedProcess(
            [Self.binDirectory.appendingPathComponent("scenicd").path, "--data-dir", dataDirectory, "--log-level", "warning"]
                + arguments,
            environment: environment, logPath: logPath)
        guard waitUntilServing else { return }
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            if !process.isRunning { throw DaemonFailed(stderr: readStderr()) }
            if let client = try? await ScenicClient.connect(socketPath: posSocket),
                (try? await client.health())?.status == .serving
            {
                await client.close()
                return
            }
            guard ContinuousClock.now < deadline else { throw DaemonFailed(stderr: "not ready after 20 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    struct DaemonFailed: Error { let stderr: String }

    var pid: pid_t { process.pid }
    var isRunning: Bool { process.isRunning }

    /// What /proc tells of the daemon: its CPU time (what a bound on the daemon's own work
    /// measures, whatever else runs beside it on the machine), its memory.
    var statistics: ProcessStatistics { ProcessStatistics(pid: pid) }

    func signal(_ signal: Int32) { process.signal(signal) }

    /// Waits for the process to exit and returns its exit code (128 + the signal when one
    /// ended it); kills it when `timeout` passes first.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await process.waitForExit(timeout: timeout)
    }

    func readStderr() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}

/// Runs an executable from the build directory to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs on a Dispatch thread: waiting for a process must not block one of the few
    /// threads of Swift's cooperative pool, which the tests running beside it need.
    static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) async throws -> CommandResult {
        try await run(
            absolute: DaemonProcess.binDirectory.appendingPathComponent(name).path, arguments, environment: environment, input: input)
    }

    /// Runs the executable at `path`.
    static func run(
        absolute path: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) async throws -> CommandResult {
        try await BlockingWait.run { try runBlocking(path, arguments, environment: environment, input: input) }
    }

    private static func runBlocking(
        _ path: String, _ arguments: [String], environment: [String: String], input: String?
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}
