import Logging

/// Work the daemon does on a clock: now, then every `interval`, until cancelled. A failed
/// turn is logged and tried again at the next.
enum Periodic {
    static func run(every interval: Duration, logger: Logger, task: String, _ work: () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await work()
            } catch {
                logger.error("\(task) failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
