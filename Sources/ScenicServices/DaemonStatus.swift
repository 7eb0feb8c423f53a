import Synchronization

/// What the daemon says about itself: its version, how long it has served, and whether
/// it still takes work (health turns NOT_SERVING as soon as shutdown begins).
public final class DaemonStatus: Sendable {
    /// scenicd's version, reported by server info and `--version`.
    public static let version = "0.1.0"

    private let readyAt: ContinuousClock.Instant
    private let stopping = Mutex(false)

    public init(readyAt: ContinuousClock.Instant = .now) {
        self.readyAt = readyAt
    }

    public var uptime: Duration { .now - readyAt }

    public var isStopping: Bool { stopping.withLock { $0 } }

    public func markStopping() {
        stopping.withLock { $0 = true }
    }
}
