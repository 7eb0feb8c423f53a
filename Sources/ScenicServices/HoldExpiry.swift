import Foundation
import Logging
import ScenicStore
import Synchronization

/// Releases holds when they expire, on time and by itself: it sleeps until the next
/// expiry, and a new hold wakes it to look again. At start it releases every hold that
/// expired while the daemon was stopped.
public final class HoldExpiry: Sendable {
    /// Looks again at least this often, whatever it expects.
    static let longestSleep: Duration = .seconds(3600)

    let store: any Store
    let now: @Sendable () -> Date
    private let bell = EventBell()
    /// The expiry the runner sleeps until; nil when it expects none.
    private let awaited = Mutex<Millis?>(nil)

    public init(store: any Store, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// A hold was made that expires at `dueAt`: the runner looks again if that is before
    /// the expiry it sleeps until, and not otherwise, so that a rush of holds does not
    /// take the writer once each.
    public func holdMade(expiringAt dueAt: Millis) {
        let earlier = awaited.withLock { awaited in
            guard awaited.map({ dueAt < $0 }) ?? true else { return false }
            awaited = dueAt
            return true
        }
        if earlier { bell.ring() }
    }

    /// Runs until cancelled.
    public func run(logger: Logger) async {
        while !Task.isCancelled {
            let seen = bell.rings
            var sleep = Self.longestSleep
            do {
                let (expired, nextDue) = try await store.expireHolds(at: now().millis)
                if expired > 0 { logger.info("holds expired", metadata: ["holds": "\(expired)"]) }
                awaited.withLock { $0 = nextDue }
                if let nextDue { sleep = min(sleep, .milliseconds(max(0, nextDue - now().millis))) }
            } catch {
                logger.error("hold expiry failed", metadata: ["error": "\(error)"])
                sleep = .seconds(5)
            }
            await bell.wait(after: seen, timeout: sleep)
        }
    }
}
