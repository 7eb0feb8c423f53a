import Foundation

/// A moment on the system's monotonic clock: when a call arrived, when its deadline passes.
///
/// `ContinuousClock.Instant` would do, but its layout is known only at run time (the type
/// is resilient), and so then is the layout of every call context holding one: each copy
/// of a context and each check of a deadline went through the runtime's generic value
/// witnesses, nearly a third of a pipelined health call's CPU (BENCHMARKS.md). This is
/// the same kind of reading kept in a `Duration`, whose layout is fixed. (Unlike
/// `ContinuousClock`, it stands still while the machine is suspended, as NIO's timers do.)
public struct MonotonicInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Since the clock's start (the system's boot).
    public let sinceStart: Duration

    public init(sinceStart: Duration) {
        self.sinceStart = sinceStart
    }

    /// The clock's reading now: one `clock_gettime(CLOCK_MONOTONIC)`, no allocation.
    public static var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(
            sinceStart: Duration(
                secondsComponent: Int64(time.tv_sec), attosecondsComponent: Int64(time.tv_nsec) * 1_000_000_000))
    }

    public static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
        MonotonicInstant(sinceStart: instant.sinceStart + duration)
    }

    public static func - (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
        MonotonicInstant(sinceStart: instant.sinceStart - duration)
    }

    public static func - (later: MonotonicInstant, earlier: MonotonicInstant) -> Duration {
        later.sinceStart - earlier.sinceStart
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.sinceStart < rhs.sinceStart
    }

    public var description: String { "\(sinceStart) on the monotonic clock" }
}
