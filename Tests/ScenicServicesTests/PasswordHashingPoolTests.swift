import Foundation
import ScenicRPC
import Synchronization
import Testing

@testable import ScenicServices

@Suite("Password hashing pool")
struct PasswordHashingPoolTests {
    /// Work that holds its hashing thread until released.
    final class Gate: Sendable {
        private let open = Mutex(false)
        func release() { open.withLock { $0 = true } }
        func wait() {
            while !open.withLock({ $0 }) { usleep(1_000) }
        }
    }

    @Test("a user past its share is refused at once; another user, root and the back office are queued and served")
    func share() async throws {
        let pool = PasswordHashingPool(workers: 1, queueCapacity: 8, perPeerShare: 2, unlimitedPeers: [0])
        let gate = Gate()
        let flood = (0..<2).map { index in Task { try await pool.run(for: 65534) { gate.wait(); return index } } }
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await #expect(throws: RPCError.self) { try await pool.run(for: 65534) { 99 } }
        #expect(ContinuousClock.now - started < .milliseconds(100))
        let other = Task { try await pool.run(for: 1000) { 7 } }
        let root = (0..<4).map { _ in Task { try await pool.run(for: 0) { 9 } } }
        let backOffice = Task { try await pool.run(for: nil) { 8 } }
        gate.release()
        #expect(try await flood[0].value == 0)
        #expect(try await flood[1].value == 1)
        #expect(try await other.value == 7)
        for task in root { #expect(try await task.value == 9) }
        #expect(try await backOffice.value == 8)
        // The share is given back as the work finishes.
        #expect(try await pool.run(for: 65534) { 3 } == 3)
    }

    @Test("past the queue's capacity every user is refused, the back office still waits its turn")
    func queueBound() async throws {
        let pool = PasswordHashingPool(workers: 1, queueCapacity: 1, perPeerShare: 4, unlimitedPeers: [])
        let gate = Gate()
        let running = Task { try await pool.run(for: 1) { gate.wait(); return 1 } }
        try await Task.sleep(for: .milliseconds(100))
        let queued = Task { try await pool.run(for: 2) { 2 } }
        try await Task.sleep(for: .milliseconds(100))
        let error = await #expect(throws: RPCError.self) { try await pool.run(for: 3) { 3 } }
        #expect(error?.reason == "HASHING_BUSY")
        #expect(error?.metadata["retry_after_seconds"] == "1")
        let backOffice = Task { try await pool.run(for: nil) { 4 } }
        gate.release()
        #expect(try await [running.value, queued.value, backOffice.value] == [1, 2, 4])
    }

    /// How many jobs are inside their work at once, and the most there ever were.
    final class Overlap: Sendable {
        private let state = Mutex((now: 0, peak: 0))
        func enter() { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    @Test("hashes run side by side on as many threads as there are workers")
    func parallel() async throws {
        let pool = PasswordHashingPool(workers: 2, queueCapacity: 8, perPeerShare: 8)
        let inside = Overlap()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await pool.run(for: 1) {
                        inside.enter()
                        usleep(50_000)
                        inside.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inside.peak == 2)
    }

    @Test("a call whose deadline would pass in the queue is refused at once, whoever makes it, with the wait as its hint; one with time enough waits its turn")
    func deadlines() async throws {
        let pool = PasswordHashingPool(workers: 1, queueCapacity: 100, perPeerShare: 100, unlimitedPeers: [0])
        // The pool learns the pace of its work: at least 100 ms a job.
        _ = try await pool.run(for: nil) { usleep(100_000) }
        let gate = Gate()
        let busy = Task { try await pool.run(for: nil) { gate.wait() } }
        try await Task.sleep(for: .milliseconds(200))
        // Behind the job holding the worker, a hash needs two rounds: 20 ms is not enough.
        let refusal = try await expectRefusal { try await pool.run(for: 0, deadline: MonotonicInstant.now + .milliseconds(20)) { 1 } }
        #expect(refusal.reason == "HASHING_BUSY")
        #expect(Int(refusal.metadata["retry_after_seconds"] ?? "") ?? 0 >= 1)
        let patient = Task { try await pool.run(for: 0, deadline: MonotonicInstant.now + .seconds(600)) { 2 } }
        gate.release()
        try await busy.value
        #expect(try await patient.value == 2)
    }

    private func expectRefusal(_ body: () async throws -> Int) async throws -> RPCError {
        do {
            _ = try await body()
        } catch let error as RPCError {
            return error
        }
        Issue.record("the call was not refused")
        return RPCError(.ok, "")
    }

    @Test("one slow hash does not make the estimate refuse a call that an idle worker starts at once")
    func slowHashThenIdle() async throws {
        let pool = PasswordHashingPool(workers: 1, queueCapacity: 100, perPeerShare: 100, unlimitedPeers: [0])
        _ = try await pool.run(for: nil) { usleep(400_000) }
        // The pace says 400 ms, the deadline gives 100: but the worker is idle, so it starts now.
        let value = try await pool.run(for: 0, deadline: MonotonicInstant.now + .milliseconds(100)) { 5 }
        #expect(value == 5)
    }
}
