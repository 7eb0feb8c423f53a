import Foundation
import ScenicClient
import ScenicTestSupport
import Synchronization
import Testing

@testable import ScenicCLI

/// A daemon's feed played from a script: each poll takes the next step, and a poll past
/// the last ends the follower with ``Ended``.
actor ScriptedSource: EventSource {
    enum Step {
        case page([Int64], oldestKept: Int64 = 1)
        case failure(RPCError)
    }

    struct Ended: Error {}

    private var steps: [Step]
    /// The cursor of each poll.
    private(set) var polledAfter: [Int64] = []

    init(_ steps: [Step]) {
        self.steps = steps
    }

    func events(_ request: Scenic_V1_ListEventsRequest) async throws -> Scenic_V1_ListEventsResponse {
        polledAfter.append(request.after)
        guard !steps.isEmpty else { throw Ended() }
        switch steps.removeFirst() {
        case .failure(let error):
            throw error
        case .page(let ids, let oldestKept):
            var response = Scenic_V1_ListEventsResponse()
            response.events = ids.map { id in
                var event = Scenic_V1_Event()
                event.id = id
                event.kind = .voucherRedeemed
                return event
            }
            response.lastID = ids.last ?? request.after
            response.oldestKeptID = oldestKept
            return response
        }
    }
}

/// What a follower did: each try of the handler with the cursor file as it stood then,
/// its sleeps and what it reported.
final class FollowerLog: Sendable {
    struct State {
        var tries: [Int64] = []
        var cursorAtTries: [Int64?] = []
        var sleeps: [Duration] = []
        var reports: [String] = []
        /// Tries left to fail, by event id.
        var failing: [Int64: Int] = [:]
    }

    let state: Mutex<State>

    init(failing: [Int64: Int] = [:]) {
        state = Mutex(State(failing: failing))
    }

    var snapshot: State { state.withLock { $0 } }

    /// A follower of `source` whose handler fails as `failing` says and whose sleeps
    /// return at once.
    func follower(_ source: ScriptedSource, cursorFile: EventCursorFile? = nil) -> EventFollower {
        EventFollower(
            source: source, cursorFile: cursorFile, limit: 100,
            handle: { event in
                let cursor = try cursorFile?.load()
                let fails = self.state.withLock { state in
                    state.tries.append(event.id)
                    state.cursorAtTries.append(cursor)
                    guard let left = state.failing[event.id], left > 0 else { return false }
                    state.failing[event.id] = left - 1
                    return true
                }
                if fails { throw InputError("the command exited with status 1") }
            },
            sleep: { duration in self.state.withLock { $0.sleeps.append(duration) } },
            report: { text in self.state.withLock { $0.reports.append(text) } })
    }
}

@Suite("Following the event feed")
struct EventFollowerTests {
    static func temporaryCursor() -> EventCursorFile {
        EventCursorFile(path: TestScratch.path("cursor-", suffix: "/events.cursor"))
    }

    static let unavailable = RPCError(.unavailable, "the daemon closed the connection", reason: "CONNECTION_CLOSED")

    @Test("the cursor moves past an event only once its handler succeeded; the next poll asks after the last done")
    func cursorAfterSuccess() async throws {
        let cursor = Self.temporaryCursor()
        let source = ScriptedSource([.page([1, 2, 3])])
        let log = FollowerLog(failing: [2: 2])
        await #expect(throws: ScriptedSource.Ended.self) { try await log.follower(source, cursorFile: cursor).run(after: nil) }
        let state = log.snapshot
        #expect(state.tries == [1, 2, 2, 2, 3])
        #expect(state.cursorAtTries == [nil, 1, 1, 1, 2])
        #expect(try cursor.load() == 3)
        #expect(await source.polledAfter == [0, 3])
    }

    @Test("a failing handler is tried again after 1 s, doubling up to a minute")
    func handlerBackoff() async throws {
        let log = FollowerLog(failing: [1: 9])
        await #expect(throws: ScriptedSource.Ended.self) { try await log.follower(ScriptedSource([.page([1])])).run(after: nil) }
        #expect(log.snapshot.sleeps == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(log.snapshot.tries.count == 10)
    }

    @Test("a lost daemon is polled again with backoff from the same cursor, the backoff starting over after a poll answered")
    func reconnects() async throws {
        let source = ScriptedSource([
            .page([5, 6]), .failure(Self.unavailable), .failure(RPCError(.deadlineExceeded, "no answer")), .page([7]),
            .failure(Self.unavailable),
        ])
        let log = FollowerLog()
        await #expect(throws: ScriptedSource.Ended.self) { try await log.follower(source).run(after: 4) }
        #expect(await source.polledAfter == [4, 6, 6, 6, 7, 7])
        #expect(log.snapshot.tries == [5, 6, 7])
        #expect(log.snapshot.sleeps == [.seconds(1), .seconds(2), .seconds(1)])
        #expect(log.snapshot.reports.filter { $0.hasPrefix("cannot read events (UNAVAILABLE") }.count == 2)
    }

    @Test("a refusal that would only come again (a revoked key) ends the follower with it")
    func refusalEnds() async throws {
        let revoked = RPCError(.unauthenticated, "this API key was revoked", reason: "API_KEY_REVOKED")
        let log = FollowerLog()
        let error = await #expect(throws: RPCError.self) { try await log.follower(ScriptedSource([.failure(revoked)])).run(after: nil) }
        #expect(error?.reason == "API_KEY_REVOKED")
        #expect(log.snapshot.sleeps.isEmpty)
    }

    @Test("a follower started again resumes after the cursor file's id; --after overrides it")
    func resumesFromFile() async throws {
        let cursor = Self.temporaryCursor()
        try cursor.save(41)
        let source = ScriptedSource([.page([42])])
        let log = FollowerLog()
        await #expect(throws: ScriptedSource.Ended.self) { try await log.follower(source, cursorFile: cursor).run(after: nil) }
        #expect(await source.polledAfter == [41, 42])
        #expect(log.snapshot.reports.first == "following events after 41, keeping the cursor in \(cursor.path)")

        let overridden = ScriptedSource([])
        await #expect(throws: ScriptedSource.Ended.self) { try await log.follower(overridden, cursorFile: cursor).run(after: 7) }
        #expect(await overridden.polledAfter == [7])
    }

    @Test("a cursor below the oldest event kept is warned of missed events once, however often it is polled")
    func missedEvents() async throws {
        let cursor = Self.temporaryCursor()
        try cursor.save(10)
        let source = ScriptedSource([.page([], oldestKept: 50), .page([], oldestKept: 50), .page([51], oldestKept: 50)])
        let log = FollowerLog()
        await #expect(throws: ScriptedSource.Ended.self) { try await log.follower(source, cursorFile: cursor).run(after: nil) }
        let warnings = log.snapshot.reports.filter { $0.hasPrefix("warning:") }
        #expect(warnings == ["warning: events 11 to 49 were dropped by the daemon (older than it keeps) before being read here; any of them for you are missed"])
        #expect(try cursor.load() == 51)
    }

    @Test("missed events: none from just before the oldest kept, from past it, or from a fresh start (0)", arguments: [
        (Int64(49), Int64(50), nil), (48, 50, "event 49 was"), (0, 50, nil), (7, 0, nil), (60, 50, nil),
    ])
    func missedBounds(cursor: Int64, oldestKept: Int64, dropped: String?) {
        let warning = EventFollower.missedEvents(cursor: cursor, oldestKept: oldestKept)
        #expect(warning?.hasPrefix("warning: " + (dropped ?? "")) ?? (dropped == nil))
        #expect((warning == nil) == (dropped == nil))
    }

    @Test("cancelled while handling an event, the follower finishes it, keeps its cursor, and stops")
    func stopsAfterEventAtHand() async throws {
        let cursor = Self.temporaryCursor()
        let source = ScriptedSource([.page([1, 2])])
        let tries = Mutex<[Int64]>([])
        let follower = EventFollower(
            source: source, cursorFile: cursor, limit: 100,
            handle: { event in
                withUnsafeCurrentTask { $0?.cancel() }
                tries.withLock { $0.append(event.id) }
            },
            report: { _ in })
        try await Task { try await follower.run(after: nil) }.value
        #expect(tries.withLock { $0 } == [1])
        #expect(try cursor.load() == 1)
    }
}

@Suite("The cursor file")
struct EventCursorFileTests {
    @Test("saved whole, read back, its folder made; nothing left beside it; only its owner may read it")
    func roundTrip() throws {
        let cursor = EventFollowerTests.temporaryCursor()
        #expect(try cursor.load() == nil)
        try cursor.save(12)
        try cursor.save(13)
        #expect(try cursor.load() == 13)
        let folder = (cursor.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["events.cursor"])
        let mode = try FileManager.default.attributesOfItem(atPath: cursor.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a file that holds no event id is named, with what to do", arguments: ["", "twelve", "-3", "12 13"])
    func damaged(content: String) throws {
        let cursor = EventFollowerTests.temporaryCursor()
        try cursor.save(0)
        try Data(content.utf8).write(to: URL(fileURLWithPath: cursor.path))
        let error = #expect(throws: InputError.self) { try cursor.load() }
        #expect(error?.description.hasPrefix("the cursor file \(cursor.path) does not hold an event id") == true)
    }

    @Test("the defaults: beside the session file for the point of sale, in the state folder for the back office")
    func defaults() {
        #expect(EventCursorFile.pointOfSalePath(besideSession: "/home/a/.config/scenic/session.json") == "/home/a/.config/scenic/events.cursor")
        #expect(EventCursorFile.adminPath.hasSuffix("/scenic/admin-events.cursor"))
    }
}

@Suite("Events as printed and handed to --exec")
struct EventViewTests {
    @Test("the JSON has every field of Event, named as protobuf's JSON mapping names them, defaults included")
    func everyField() throws {
        var full = Scenic_V1_Event()
        full.id = 1
        full.at = "2026-11-29T13:48:52+08:00"
        full.kind = .recharge
        full.distributorID = 2
        full.voucherCode = "1234567890123452"
        full.holdID = 3
        full.productCode = "GATE-ADULT"
        full.amountFen = 4
        full.balanceFen = 5
        full.dates = "2026-12-01..2026-12-31"
        let named = try #require(JSONSerialization.jsonObject(with: Data(full.jsonString().utf8)) as? [String: Any])

        let empty = try EventJSON(Scenic_V1_Event())
        let fields = try #require(JSONSerialization.jsonObject(with: Data(empty.text.utf8)) as? [String: String])
        // Every field protobuf names when set, each at the value its JSON mapping gives the default.
        #expect(Set(fields.keys) == Set(named.keys))
        #expect(fields == [
            "id": "0", "at": "", "kind": "EVENT_KIND_UNSPECIFIED", "distributorId": "0", "voucherCode": "", "holdId": "0",
            "productCode": "", "amountFen": "0", "balanceFen": "0", "dates": "",
        ])
        #expect(try Scenic_V1_Event(jsonString: EventJSON(full).text) == full)
    }

    @Test("the kind as the JSON names it, for SCENIC_EVENT_KIND")
    func kindName() throws {
        var event = Scenic_V1_Event()
        event.kind = .holdExpired
        #expect(try EventJSON(event).kind == "EVENT_KIND_HOLD_EXPIRED")
    }

    @Test("a line: id, time, what happened, what it concerns, amounts in yuan")
    func line() {
        var redeemed = Scenic_V1_Event()
        redeemed.id = 12
        redeemed.at = "2026-11-29T13:48:52+08:00"
        redeemed.kind = .voucherRedeemed
        redeemed.distributorID = 1
        redeemed.voucherCode = "1234567890123452"
        redeemed.productCode = "GATE-ADULT"
        redeemed.amountFen = 9800
        #expect(EventView.line(redeemed)
            == "12  2026-11-29T13:48:52+08:00  voucher redeemed  voucher 1234567890123452  product GATE-ADULT  distributor 1  amount ¥98.00")
        var low = Scenic_V1_Event()
        low.id = 13
        low.at = "2026-11-29T13:50:00+08:00"
        low.kind = .balanceLow
        low.distributorID = 1
        #expect(EventView.line(low) == "13  2026-11-29T13:50:00+08:00  balance low  distributor 1  balance ¥0.00")
    }

    @Test("--exec: the event's JSON on standard input, its id and kind in the environment; a failing command is an error")
    func hook() async throws {
        let folder = TestScratch.folder("hook-")
        var event = Scenic_V1_Event()
        event.id = 7
        event.kind = .voucherRefunded
        event.voucherCode = "1234567890123452"
        try await EventHook(command: "cat > '\(folder)/in.json'; echo \"$SCENIC_EVENT_ID $SCENIC_EVENT_KIND\" > '\(folder)/env'").run(event)
        #expect(try String(contentsOfFile: folder + "/in.json", encoding: .utf8) == (try EventJSON(event).text) + "\n")
        #expect(try String(contentsOfFile: folder + "/env", encoding: .utf8) == "7 EVENT_KIND_VOUCHER_REFUNDED\n")

        let failed = await #expect(throws: InputError.self) { try await EventHook(command: "exit 3").run(event) }
        #expect(failed?.description == "the command exited with status 3")
        // A command that never reads its input has still handled the event when it exits 0.
        try await EventHook(command: "true").run(event)
    }
}
