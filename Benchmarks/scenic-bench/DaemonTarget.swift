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

    @Option(help: ArgumentHelp(
        "Daemons to start on one database, the connections spread over them in turn.",
        discussion: "More than one needs a shared database: --daemon-arguments \"--database postgresql://…\"."))
    var daemons = 1

    /// The PostgreSQL URL the daemons are given with --database, if any.
    var postgresURL: String? {
        let arguments = daemonArguments.split(separator: " ").map(String.init)
        guard let index = arguments.firstIndex(of: "--database"), index + 1 < arguments.count,
            arguments[index + 1].hasPrefix("postgres")
        else { return nil }
        return arguments[index + 1]
    }

    /// The daemon being driven, and how to end the run.
    struct Running: Sendable {
        let adminSocket: String
        /// Every daemon's, the first one's first.
        let posSockets: [String]
        /// The daemons the bench started itself, the first one's data directory first.
        let locals: [LocalDaemon]
        /// Data directories of the bench's own, removed once the run is done.
        let scratch: [String]

        var posSocket: String { posSockets[0] }
        var local: LocalDaemon? { locals.first }

        func timeZone() async throws -> String {
            let client = try await ScenicClient.connect(socketPath: posSocket)
            defer { Task { await client.close() } }
            return try await client.serverInfo().timeZone
        }

        /// Stops a daemon the bench started; its scratch directory stays when the
        /// database is still needed (the SQLite floor runs on it).
        func finish(keepingDatabase: Bool = false) async {
            for local in locals { await local.stop() }
            if !keepingDatabase { removeScratch() }
        }

        func removeScratch() {
            for folder in scratch { try? FileManager.default.removeItem(atPath: folder) }
        }

        /// CPU time of every daemon the bench started, together.
        var cpuTime: Duration? {
            let times = locals.compactMap(\.statistics.cpuTime)
            return times.isEmpty ? nil : times.reduce(.zero, +)
        }
    }

    func validate() throws {
        guard daemons >= 1 else { throw ValidationError("--daemons must be positive") }
        guard daemons == 1 || (postgresURL != nil && attach == nil && dataDir == nil) else {
            throw ValidationError("--daemons above 1 needs --daemon-arguments \"--database postgresql://…\", and no --attach or --data-dir")
        }
    }

    func start() async throws -> Running {
        if let attach {
            return Running(
                adminSocket: ScenicPaths.adminSocket(inDataDirectory: attach),
                posSockets: [ScenicPaths.posSocket(inDataDirectory: attach)], locals: [], scratch: [])
        }
        var locals: [LocalDaemon] = []
        var scratch: [String] = []
        for index in 0..<daemons {
            let folder = NSTemporaryDirectory() + "scenic-bench-\(UUID().uuidString.prefix(8))"
            let directory = index == 0 ? dataDir ?? folder : folder
            if directory == folder { scratch.append(folder) }
            var arguments = daemonArguments.split(separator: " ").map(String.init)
            // Visitors sealed by one daemon are read by the others.
            if let first = locals.first { arguments += ["--personal-data-key", first.dataDirectory + "/personal-data.key"] }
            locals.append(
                try await LocalDaemon(executable: scenicd ?? LocalDaemon.besideMe, dataDirectory: directory, extraArguments: arguments))
        }
        return Running(adminSocket: locals[0].adminSocket, posSockets: locals.map(\.posSocket), locals: locals, scratch: scratch)
    }
}
