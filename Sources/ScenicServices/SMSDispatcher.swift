import Foundation
import Logging
import ScenicStore
import Synchronization

/// Delivers the SMS outbox: each due message through the configured ``Delivery``, retried
/// with backoff, given up after ``maxTries``. Runs inside the daemon until cancelled.
public final class SMSDispatcher: Sendable {
    /// How messages leave the machine.
    public enum Delivery: Sendable {
        /// Runs the command through /bin/sh with SCENIC_SMS_PHONE and SCENIC_SMS_TEXT set;
        /// exit 0 means delivered.
        case command(String)
        /// Appends each message as one JSON line to the file (the embedded default).
        case file(String)
    }

    /// Attempts before a message is marked failed.
    public static let maxTries = 8
    /// Waits 5 s after the first failure, doubling up to an hour.
    static func retryDelay(afterTries tries: Int) -> Int64 {
        min(5_000 << min(tries - 1, 20), 3_600_000)
    }

    private let store: any Store
    private let delivery: Delivery
    private let logger: Logger
    private let pollInterval: Duration
    private let now: @Sendable () -> Date
    private let wakeRequested = Mutex(true)

    public init(
        store: any Store, delivery: Delivery, logger: Logger,
        pollInterval: Duration = .milliseconds(250), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.delivery = delivery
        self.logger = logger
        self.pollInterval = pollInterval
        self.now = now
    }

    /// Asks for a delivery round soon: a message was just queued.
    public func wake() {
        wakeRequested.withLock { $0 = true }
    }

    /// Delivers until the task is cancelled. A round runs when woken, when the earliest
    /// retry falls due, and every 5 seconds; in between it only sleeps.
    public func run() async {
        var nextDue: Millis?
        var lastRound = ContinuousClock.now
        while !Task.isCancelled {
            let woken = wakeRequested.withLock { flag in
                defer { flag = false }
                return flag
            }
            // A periodic round too, for messages queued by writes that do not wake it
            // (a low-balance alert raised inside a sale).
            if woken || (nextDue.map { $0 <= now().millis } ?? false) || ContinuousClock.now - lastRound > .seconds(5) {
                lastRound = .now
                do {
                    try await deliverDue()
                    nextDue = try await store.nextSMSAttempt()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("SMS outbox unavailable", metadata: ["error": "\(error)"])
                    nextDue = now().millis + 5_000
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// One round: every message due now, oldest first.
    public func deliverDue() async throws {
        for message in try await store.dueSMS(at: now().millis, limit: 100) {
            do {
                try await send(message)
                try await store.markSMSDelivered(id: message.id, at: now().millis)
                logger.info("SMS delivered", metadata: ["sms": "\(message.id)"])
            } catch {
                let tries = message.tries + 1
                let retryAt = tries < Self.maxTries ? now().millis + Self.retryDelay(afterTries: tries) : nil
                try await store.markSMSAttemptFailed(id: message.id, error: "\(error)", retryAt: retryAt)
                logger.warning(
                    retryAt == nil ? "SMS given up" : "SMS delivery failed, will retry",
                    metadata: ["sms": "\(message.id)", "tries": "\(tries)", "error": "\(error)"])
            }
        }
    }

    struct DeliveryFailed: Error, CustomStringConvertible {
        var description: String
    }

    private func send(_ message: SMSRecord) async throws {
        switch delivery {
        case .file(let path):
            try appendLine(message, to: path)
        case .command(let command):
            try await run(command, phone: message.phone, text: message.body)
        }
    }

    private func appendLine(_ message: SMSRecord, to path: String) throws {
        let line: [String: String] = [
            "id": String(message.id), "phone": message.phone, "text": message.body, "at": ISOTime.format(now().millis),
        ]
        var data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw DeliveryFailed(description: "cannot create \(path)")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }

    private func run(_ command: String, phone: String, text: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["SCENIC_SMS_PHONE"] = phone
        environment["SCENIC_SMS_TEXT"] = text
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: DeliveryFailed(description: "cannot run /bin/sh: \(error)"))
            }
        }
        guard status == 0 else { throw DeliveryFailed(description: "SMS command exited with status \(status)") }
    }
}
