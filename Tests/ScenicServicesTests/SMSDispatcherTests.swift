import Foundation
import Logging
import ScenicTestSupport
import Testing

@testable import ScenicServices
@testable import ScenicStore

@Suite("SMS sender")
struct SMSDispatcherTests {
    func queue(_ harness: Harness, phone: String = "13800138000") async throws {
        _ = try await harness.create(phone: phone)
    }

    func dispatcher(_ harness: Harness, _ delivery: SMSDispatcher.Delivery) -> SMSDispatcher {
        let clock = harness.clock
        return SMSDispatcher(store: harness.store, delivery: delivery, logger: Logger(label: "test"), now: { clock.now })
    }

    @Test("the command gets the phone and text; exit 0 delivers and redacts the password")
    func commandDelivers() async throws {
        let harness = try await Harness()
        try await queue(harness)
        let out = TestScratch.path("sms-")
        try await dispatcher(harness, .command("printf '%s|%s' \"$SCENIC_SMS_PHONE\" \"$SCENIC_SMS_TEXT\" > \(out)")).deliverDue()
        let sent = try String(contentsOfFile: out, encoding: .utf8)
        #expect(sent.hasPrefix("13800138000|[Scenic] Distributor account"))
        let message = try #require(try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 1).first)
        #expect(message.status == .delivered)
        #expect(message.body == "[redacted]")
        #expect(message.tries == 1)
    }

    @Test("a failing command is retried with growing waits, then given up")
    func retriesThenGivesUp() async throws {
        let harness = try await Harness()
        try await queue(harness)
        let sender = dispatcher(harness, .command("echo no signal >&2; exit 3"))
        var waits: [Int64] = []
        for _ in 0..<SMSDispatcher.maxTries {
            try await sender.deliverDue()
            let message = try #require(try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 1).first)
            #expect(message.lastError == "SMS command exited with status 3")
            if message.status == .pending {
                let wait = message.nextAttemptAt - harness.clock.now.millis
                waits.append(wait)
                try await sender.deliverDue()  // not due yet: no attempt
                #expect(try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 1).first?.tries == message.tries)
                harness.clock.advance(.milliseconds(wait))
            }
        }
        let message = try #require(try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 1).first)
        #expect(message.status == .failed)
        #expect(message.tries == SMSDispatcher.maxTries)
        #expect(waits == [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000])
    }

    @Test("a message given up is redacted like a delivered one: its password leaves the database and the WAL")
    func givenUpIsRedacted() async throws {
        let harness = try await Harness()
        let created = try await harness.create()
        let sender = dispatcher(harness, .command("exit 1"))
        for _ in 0..<SMSDispatcher.maxTries {
            try await sender.deliverDue()
            harness.clock.advance(.seconds(3600))
        }
        let message = try #require(try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 1).first)
        #expect(message.status == .failed)
        #expect(message.body == "[redacted]")
        let password = Data(created.initialPassword.utf8)
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: harness.databasePath + suffix))) ?? Data()
            #expect(bytes.range(of: password) == nil, "the initial password is still in scenic.sqlite3\(suffix)")
        }
    }

    @Test("the embedded default appends one JSON line per message to the file, mode 0600")
    func fileDelivery() async throws {
        let harness = try await Harness()
        try await queue(harness, phone: "13800138000")
        try await queue(harness, phone: "13900139000")
        let path = TestScratch.path("sms-", suffix: ".log")
        try await dispatcher(harness, .file(path)).deliverDue()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let phones = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }.map { $0?["phone"] }
        #expect(phones == ["13800138000", "13900139000"])
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(try await harness.store.dueSMS(at: .max, limit: 10).isEmpty)
    }
}
