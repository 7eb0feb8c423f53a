import ArgumentParser
import Foundation
import ScenicClient

/// Which daemon a bench command drives: one it starts itself (the default, on a fresh
/// data directory that is removed afterwards) or one already running.
struct DaemonTarget: ParsableArguments {
    @Option(help: "The scenicd executable to start (default: the one next to scenic-bench).")
    var scenicd: String?

    @Option(help: "Start scenicd on this data directory and keep it (default: a fresh one, removed afterwards).")
    var dataDir: String?

    @Option(help: "Drive the daemon already running on this data directory's sockets instead of starting one.")
    var attach: String?

    @Option(help: "Extra arguments for the scenicd the bench starts, in one string (\"--log-level debug\").")
    var daemonArguments = ""

    /// The daemon being driven, and how to end the run.
    struct Running: Sendable {
        let adminSocket: String
        let posSocket: String
        /// Set when the bench started the daemon itself.
        let local: LocalDaemon?
        /// A data directory of the bench's own, removed once the run is done.
        let scratch: String?

        func timeZone() async throws -> String {
            let client = try await ScenicClient.connect(socketPath: posSocket)
            defer { Task { await client.close() } }
            return try await client.serverInfo().timeZone
        }

        /// Stops a daemon the bench started; its scratch directory stays when the
        /// database is still needed (the SQLite floor runs on it).
        func finish(keepingDatabase: Bool = false) async {
            await local?.stop()
            if !keepingDatabase { removeScratch() }
        }

        func removeScratch() {
            if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
        }
    }

    func start() async throws -> Running {
        if let attach {
            return Running(
                adminSocket: ScenicPaths.adminSocket(inDataDirectory: attach),
                posSocket: ScenicPaths.posSocket(inDataDirectory: attach), local: nil, scratch: nil)
        }
        let scratch = dataDir == nil ? NSTemporaryDirectory() + "scenic-bench-\(UUID().uuidString.prefix(8))" : nil
        let directory = dataDir ?? scratch!
        let daemon = try await LocalDaemon(
            executable: scenicd ?? LocalDaemon.besideMe, dataDirectory: directory, extraArguments: daemonArguments.split(separator: " ").map(String.init))
        return Running(adminSocket: daemon.adminSocket, posSocket: daemon.posSocket, local: daemon, scratch: scratch)
    }
}
