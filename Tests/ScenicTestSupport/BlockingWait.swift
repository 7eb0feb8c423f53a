import Foundation

/// Runs a blocking step of a test (a `poll` with a timeout, a child process to its end) on
/// a thread of its own, and resumes the caller with its result.
///
/// Not on Swift's cooperative pool, whose few threads the other tests' calls need, and not
/// on Dispatch's global queue either: that queue runs about as many items at once as there
/// are cores and adds a thread for a blocked one only after a while, so on two cores two
/// other tests' waits of several seconds held a third test's next step back past the very
/// timeouts it measured (a connection closed as idle before the test could send to it).
public enum BlockingWait {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}
