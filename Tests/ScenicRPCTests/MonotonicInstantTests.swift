import Testing

@testable import ScenicRPC

@Suite("Monotonic instants")
struct MonotonicInstantTests {
    @Test("now never goes back, and keeps pace with the continuous clock")
    func now() async throws {
        let start = MonotonicInstant.now
        let continuousStart = ContinuousClock.now
        var last = start
        for _ in 0..<1_000 {
            let next = MonotonicInstant.now
            #expect(next >= last)
            last = next
        }
        try await Task.sleep(for: .milliseconds(20))
        let elapsed = MonotonicInstant.now - start
        let continuousElapsed = ContinuousClock.now - continuousStart
        #expect(elapsed >= .milliseconds(20))
        // Read one after the other, they differ by the time between readings, which a busy
        // machine can stretch; a wrong unit would be off by a factor of a thousand.
        let gap = elapsed - continuousElapsed
        #expect(gap > .milliseconds(-250) && gap < .milliseconds(250))
    }

    @Test("adding and taking away durations, and the duration between two instants")
    func arithmetic() {
        let instant = MonotonicInstant(sinceStart: .seconds(100))
        #expect(instant + .nanoseconds(1) > instant)
        #expect(instant - .nanoseconds(1) < instant)
        #expect((instant + .seconds(86_400)) - instant == .seconds(86_400))
        #expect(instant - .seconds(200) == MonotonicInstant(sinceStart: .seconds(-100)))
        #expect(MonotonicInstant(sinceStart: .zero) - instant == .seconds(-100))
    }
}
