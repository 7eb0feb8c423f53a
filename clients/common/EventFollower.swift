import Foundation
import ScenicClient

/// Where a follower reads the feed: one `Events/List` call (the daemon's socket, or a
/// script in the tests).
protocol EventSource {
    func events(_ request: Scenic_V1_ListEventsRequest) async throws -> Scenic_V1_ListEventsResponse
}

/// The waits between tries of something failing: 1 s, doubling up to a minute.
struct Backoff {
    static let first = Duration.seconds(1)
    static let longest = Duration.seconds(60)

    private var next = Self.first

    /// The wait before the next try; the one after it is twice as long.
    mutating func take() -> Duration {
        defer { next = min(next * 2, Self.longest) }
        return next
    }
}

/// Follows the event feed: long polls after a cursor, hands each event to a handler, and
/// moves the cursor (and its file) past an event only once the handler succeeded. A
/// failing handler is tried again with backoff, a lost daemon is polled again with
/// backoff from the same cursor, so every event is handled at least once whatever fails
/// or restarts, and in order.
struct EventFollower {
    /// How long each poll lets the daemon wait for an event: its longest.
    static let waitSeconds: Int32 = 30

    var source: any EventSource
    /// Nil: the cursor lives in memory only, for as long as the follower runs.
    var cursorFile: EventCursorFile?
    var limit: Int32
    var handle: (Scenic_V1_Event) async throws -> Void
    var sleep: (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    /// What the follower tells on stderr: where it starts, failures, missed events.
    var report: (String) -> Void

    /// Follows from `after`, else from the cursor file, else from the oldest event kept,
    /// until the task is cancelled (heeded between events, never during one) or the daemon
    /// refuses the feed for good (thrown, e.g. a revoked API key).
    func run(after: Int64?) async throws {
        var cursor = try after ?? cursorFile?.load() ?? 0
        report("following events after \(cursor)" + (cursorFile.map { ", keeping the cursor in \($0.path)" } ?? ""))
        var warnedAt: Int64?
        var backoff = Backoff()
        while !Task.isCancelled {
            var request = Scenic_V1_ListEventsRequest()
            request.after = cursor
            request.limit = limit
            request.waitSeconds = Self.waitSeconds
            let page: Scenic_V1_ListEventsResponse
            do {
                page = try await source.events(request)
                backoff = Backoff()
            } catch {
                if Task.isCancelled { return }
                guard let failure = error as? RPCError, Self.passes(failure) else { throw error }
                let wait = backoff.take()
                report("cannot read events (\(failure.code): \(failure.message)); trying again in \(Self.seconds(wait))")
                guard (try? await sleep(wait)) != nil else { return }
                continue
            }
            // A cursor that stays put (no events of this distributor) is told of its gap once.
            if warnedAt != cursor, let missed = Self.missedEvents(cursor: cursor, oldestKept: page.oldestKeptID) {
                report(missed)
                warnedAt = cursor
            }
            for event in page.events {
                guard await deliver(event) else { return }
                cursor = event.id
                try cursorFile?.save(cursor)
                if Task.isCancelled { return }
            }
        }
    }

    /// Hands `event` to the handler until it succeeds; false when the task is cancelled
    /// first, leaving the event to the next run.
    private func deliver(_ event: Scenic_V1_Event) async -> Bool {
        var backoff = Backoff()
        while true {
            do {
                try await handle(event)
                return true
            } catch {
                if Task.isCancelled { return false }
                let wait = backoff.take()
                report("event \(event.id): \(error); trying it again in \(Self.seconds(wait))")
                guard (try? await sleep(wait)) != nil else { return false }
            }
        }
    }

    /// A failure that passes by itself: the daemon restarting or gone for a while, or an
    /// answer late. Anything else (a revoked key, a bad argument) would fail again.
    static func passes(_ error: RPCError) -> Bool {
        error.code == .unavailable || error.code == .deadlineExceeded
    }

    /// The warning due when the daemon dropped events after `cursor` (older than it keeps)
    /// before they were read; nil when none were, or when the follower starts from the
    /// oldest kept (0).
    static func missedEvents(cursor: Int64, oldestKept: Int64) -> String? {
        guard cursor > 0, cursor + 1 < oldestKept else { return nil }
        let dropped = cursor + 2 == oldestKept ? "event \(cursor + 1) was" : "events \(cursor + 1) to \(oldestKept - 1) were"
        return "warning: \(dropped) dropped by the daemon (older than it keeps) before being read here; any of them for you are missed"
    }

    static func seconds(_ duration: Duration) -> String { "\(duration.components.seconds) s" }
}

/// The last event a follower handled, kept in a file so that a follower started again
/// resumes after it.
public struct EventCursorFile: Sendable {
    let path: String

    /// The id kept; nil when there is no file yet.
    func load() throws -> Int64? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let cursor = Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), cursor >= 0 else {
            throw InputError("the cursor file \(path) does not hold an event id: remove it to start from the oldest event kept, or give --after ID")
        }
        return cursor
    }

    /// Replaces the file whole (see ``FileOutput/replace(_:at:mode:)``), creating its
    /// folder (0700) if needed.
    func save(_ cursor: Int64) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try FileOutput.replace(Data("\(cursor)\n".utf8), at: path, mode: 0o600)
    }

    /// The point of sale's: `events.cursor` beside the session file.
    public static func pointOfSalePath(besideSession sessionPath: String) -> String {
        ((sessionPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("events.cursor")
    }

    /// The back office's: `$XDG_STATE_HOME/scenic/admin-events.cursor`, default
    /// `~/.local/state/scenic/admin-events.cursor`.
    public static var adminPath: String {
        let environment = ProcessInfo.processInfo.environment
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/scenic/admin-events.cursor"
    }
}
