#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicClient

/// The options of `events`, which both clients take, and what the command does with them.
public struct EventsOptions: ParsableArguments {
    @Option(help: "Start after this event id (default: with a cursor file, the id it keeps; else 0, the oldest event kept).")
    public var after: Int64?

    @Option(help: "Events a page, 1–1000.")
    public var limit: Int32 = 100

    @Flag(help: "Keep going: wait for events and print (or --exec) each as it comes, until SIGINT or SIGTERM.")
    public var follow = false

    @Option(help: ArgumentHelp("With --follow: run `sh -c CMD` for each event, instead of printing it.", valueName: "CMD"))
    public var exec: String?

    @Option(help: "With --follow: the file keeping the id of the last event done (default with --exec: the one named above).")
    public var cursorFile: String?

    public init() {}

    /// The command's discussion; `cursorDefault` says where the cursor file is by default.
    public static func discussion(cursorDefault: String) -> String {
        """
        Without --follow, one page of events after --after, a line each (id, time, what happened, what it \
        concerns, amounts in yuan), or with --json one JSON object a line; a full page ends with where to go on. \
        With --follow, it waits for events and prints each as it comes; SIGINT or SIGTERM stop it after the \
        event at hand. With --exec CMD it runs `sh -c CMD` for each event instead, with the event's JSON (every \
        field) on standard input and SCENIC_EVENT_ID and SCENIC_EVENT_KIND in the environment. An event is done \
        when CMD exits 0; until then it is tried again, after 1 s, 2 s, 4 s … up to a minute, and no later event \
        runs. The id of the last event done is kept in the cursor file (default with --exec: \(cursorDefault)), \
        replaced atomically after each, and a follower started again resumes after it; a lost daemon is polled \
        again in the same way. So every event is handled at least once, in order: CMD must expect to see one \
        again after a crash. Events the daemon dropped (it keeps them for a number of days) before they were \
        read are warned of on stderr.
        """
    }

    public func validate() throws {
        guard follow || (exec == nil && cursorFile == nil) else { throw ValidationError("--exec and --cursor-file go with --follow") }
    }

    /// Runs `events` on the role's socket, calling with `metadata`. A follower with `--exec`
    /// keeps its cursor in `defaultCursorFile` unless `--cursor-file` says otherwise; one
    /// that only prints keeps none unless told, so that watching the feed never moves a
    /// hook's cursor.
    public func run<Role: ClientRole>(
        _ role: Role.Type, connection: ConnectionOptions, metadata: [String: String], defaultCursorFile: String
    ) async throws {
        guard follow else {
            var request = Scenic_V1_ListEventsRequest()
            request.after = after ?? 0
            request.limit = limit
            let page = try await connection.withClient(role, metadata: metadata) { try await $0.events(request) }
            if let missed = EventFollower.missedEvents(cursor: request.after, oldestKept: page.oldestKeptID) { Self.report(missed) }
            for event in page.events { print(try Self.render(event, json: connection.json)) }
            if !connection.json, page.events.count == limit { print("(more: --after \(page.lastID))") }
            return
        }
        var polling = connection
        // A poll may wait that long for an event before it answers.
        polling.timeout = max(connection.timeout, Double(EventFollower.waitSeconds) + 10)
        let socketPath = polling.socketPath(for: role)
        let source = DaemonEventSource(socketPath: socketPath, metadata: metadata, timeout: polling.timeoutDuration)
        let json = connection.json
        let handle: (Scenic_V1_Event) async throws -> Void
        if let exec {
            handle = EventHook(command: exec).run
        } else {
            handle = { event in FollowerOutput.print(try Self.render(event, json: json)) }
        }
        let follower = EventFollower(
            source: source, cursorFile: (cursorFile ?? exec.map { _ in defaultCursorFile }).map(EventCursorFile.init(path:)),
            limit: limit, handle: handle, report: Self.report)
        let after = self.after
        let task = Task { try await follower.run(after: after) }
        let signals = StopSignals.cancelling(task)
        defer { signals.forEach { $0.cancel() } }
        do {
            try await task.value
        } catch let error as RPCError {
            throw CommandFailure(error: error, socketPath: socketPath)
        }
        await source.close()
    }

    static func render(_ event: Scenic_V1_Event, json: Bool) throws -> String {
        json ? try EventJSON(event).text : EventView.line(event)
    }

    static func report(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// The events a follower prints without `--exec`.
enum FollowerOutput {
    /// Unbuffered, so that an event counts as done only once it left the process. A reader
    /// that went away (`| head`) ends the follower as SIGPIPE would, since printing could
    /// never succeed again.
    static func print(_ line: String) {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            exit(128 + SIGPIPE)
        }
    }
}

/// SIGINT and SIGTERM for a follower.
enum StopSignals {
    /// Cancels `task` at SIGINT or SIGTERM, which the follower heeds once the event at
    /// hand is done. The sources answered hear signals until they are cancelled.
    static func cancelling(_ task: Task<Void, any Error>) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            // Dispatch hears a signal only once its default action is off. It then catches
            // it rather than ignoring it, so a command run meanwhile gets the default back.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler {
                // The same signal may come twice at once (sent to the process and its group).
                if !task.isCancelled { EventsOptions.report("stopping after the event at hand") }
                task.cancel()
            }
            source.resume()
            return source
        }
    }
}

/// The feed on the daemon's socket: one connection from poll to poll, dropped after any
/// failure so that the next poll connects afresh, to a daemon restarted meanwhile.
actor DaemonEventSource: EventSource {
    let socketPath: String
    let metadata: [String: String]
    let timeout: Duration
    private var client: ScenicClient?

    init(socketPath: String, metadata: [String: String], timeout: Duration) {
        self.socketPath = socketPath
        self.metadata = metadata
        self.timeout = timeout
    }

    func events(_ request: Scenic_V1_ListEventsRequest) async throws -> Scenic_V1_ListEventsResponse {
        let client: ScenicClient
        if let connected = self.client {
            client = connected
        } else {
            client = try await ScenicClient.connect(socketPath: socketPath, metadata: metadata, defaultTimeout: timeout)
            self.client = client
        }
        do {
            return try await client.events(request)
        } catch {
            self.client = nil
            await client.close()
            throw error
        }
    }

    func close() async {
        await client?.close()
        client = nil
    }
}

/// `--exec CMD`: runs `sh -c CMD` for an event, with its ``EventJSON`` on standard input
/// and `SCENIC_EVENT_ID` and `SCENIC_EVENT_KIND` in the environment; the event is done
/// when CMD exits 0. CMD runs in a process group of its own, so a Ctrl-C at the terminal
/// stops the follower after it rather than interrupting it.
struct EventHook {
    let command: String

    func run(_ event: Scenic_V1_Event) async throws {
        let json = try EventJSON(event)
        let input = Pipe()
        // An event is far smaller than a pipe's buffer: written whole before CMD starts, it
        // neither blocks nor meets a CMD that already left without reading (SIGPIPE).
        try input.fileHandleForWriting.write(contentsOf: Data((json.text + "\n").utf8))
        try input.fileHandleForWriting.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SCENIC_EVENT_ID": "\(event.id)", "SCENIC_EVENT_KIND": json.kind]) { _, set in set }
        process.standardInput = input
        // SIGPIPE is ignored in this process (a write to a reader gone fails instead), and
        // an ignored signal stays ignored in CMD, whose pipelines expect the default. Caught
        // by a handler doing nothing, it acts the same here and is reset in CMD.
        signal(SIGPIPE) { _ in }
        let (reason, status) = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: ($0.terminationReason, $0.terminationStatus)) }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: InputError("cannot run /bin/sh: \(error)"))
            }
        }
        guard reason == .exit, status == 0 else {
            throw InputError(reason == .exit ? "the command exited with status \(status)" : "the command was killed by signal \(status)")
        }
    }
}
