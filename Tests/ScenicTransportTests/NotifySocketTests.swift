import Foundation
import ScenicTestSupport
import ScenicTransport
import Testing

@Suite("sd_notify: NOTIFY_SOCKET and the watchdog")
struct NotifySocketTests {
    static let pid: pid_t = 4242

    @Test("no usable NOTIFY_SOCKET: nobody to notify", arguments: [
        [:], ["NOTIFY_SOCKET": ""], ["NOTIFY_SOCKET": "notify"], ["NOTIFY_SOCKET": "@"],
        ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)],
    ])
    func absent(environment: [String: String]) {
        #expect(NotifySocket(environment: environment, processID: Self.pid) == nil)
    }

    @Test("the watchdog: half of WATCHDOG_USEC, only for this process", arguments: [
        (["WATCHDOG_USEC": "30000000"], Duration?.some(.seconds(15))),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"], .seconds(15)),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], nil),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": "soon"], nil),
        ([:], nil),
    ])
    func watchdog(environment: [String: String], interval: Duration?) throws {
        let socket = try #require(
            NotifySocket(environment: environment.merging(["NOTIFY_SOCKET": "/run/systemd/notify"]) { $1 }, processID: Self.pid))
        #expect(socket.address == "/run/systemd/notify")
        #expect(socket.watchdogInterval == interval)
    }

    @Test("a message reaches a socket at a path and an abstract one", arguments: ["path", "abstract"])
    func sends(kind: String) async throws {
        let address = kind == "path" ? TestScratch.path("scenic-notify-") : "@scenic-notify-\(UUID().uuidString.prefix(8))"
        let receiver = try DatagramSocket(address: address)
        defer { if kind == "path" { unlink(receiver.address) } }
        let socket = try #require(NotifySocket(environment: ["NOTIFY_SOCKET": receiver.address], processID: Self.pid))
        try socket.send("READY=1\nSTATUS=serving")
        #expect(await receiver.receive() == "READY=1\nSTATUS=serving")
    }

    @Test("a socket that is not there is an error to log, not a crash")
    func missing() throws {
        let socket = try #require(NotifySocket(environment: ["NOTIFY_SOCKET": "/tmp/scenic-no-such-socket"], processID: Self.pid))
        #expect(throws: NotifyFailure.self) { try socket.send("READY=1") }
    }
}
