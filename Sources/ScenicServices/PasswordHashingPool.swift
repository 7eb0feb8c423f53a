import Dispatch
import Foundation
import ScenicRPC
import Synchronization

/// The threads password hashes run on: one per core, never the event loops or Swift's
/// cooperative pool, with a bounded queue in front of them.
///
/// A hash takes a good fraction of a second and 128 MiB, so a flood of logins must not
/// queue without end: each peer (Unix user) may have at most `perPeerShare` hashes
/// queued or running, and at most `queueCapacity` wait in all; past either, a login is
/// refused at once with a retry hint instead of waiting behind the flood. Work the
/// back office asks for (a new distributor's initial password) has no peer and is not
/// bounded so, and neither is the work of ``PeerCredentials/unlimitedUsers``. Whoever
/// asks, a call whose deadline would pass before its turn came (the queue ahead of it,
/// at the hashes' measured pace) is refused at once too, with the wait as its hint: at
/// opening time, when every terminal logs in together, no login times out in the queue.
public final class PasswordHashingPool: Sendable {
    private struct Job {
        var peer: UInt32?
        var deadline: MonotonicInstant?
        var run: @Sendable () -> Void
        /// Answers the call HASHING_BUSY instead of running it.
        var refuse: @Sendable () -> Void
    }

    private enum Start {
        case now(worker: Int)
        case queued
        case refused(retryAfterSeconds: Int)
    }

    private struct State {
        var idleWorkers: [Int]
        var waiting: [Job] = []
        var perPeer: [UInt32: Int] = [:]
        /// How long a hash takes, a moving average of the last ones; nil before the first.
        var hashTime: Duration?

        /// Gives back the share of the peer a job was for.
        mutating func release(_ job: Job) {
            guard let peer = job.peer else { return }
            perPeer[peer]! -= 1
            if perPeer[peer] == 0 { perPeer[peer] = nil }
        }
    }

    public let queueCapacity: Int
    public let perPeerShare: Int
    private let unlimitedPeers: Set<UInt32>
    private let workers: [DispatchQueue]
    private let state: Mutex<State>

    public init(
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, queueCapacity: Int = 32, perPeerShare: Int = 2,
        unlimitedPeers: Set<UInt32> = PeerCredentials.unlimitedUsers
    ) {
        precondition(workers > 0 && queueCapacity >= 0 && perPeerShare > 0)
        self.workers = (0..<workers).map { DispatchQueue(label: "scenic.password-hashing.\($0)") }
        self.queueCapacity = queueCapacity
        self.perPeerShare = perPeerShare
        self.unlimitedPeers = unlimitedPeers
        state = Mutex(State(idleWorkers: Array(0..<workers)))
    }

    /// Runs `work` on a hashing thread for `peer`, or throws RESOURCE_EXHAUSTED
    /// (`HASHING_BUSY`) at once when the peer's share or the queue is full, or when the
    /// call's `deadline` would pass before the hash is done.
    func run<T: Sendable>(
        for peer: UInt32?, deadline: MonotonicInstant? = nil, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let peer = peer.flatMap { unlimitedPeers.contains($0) ? nil : $0 }
        let workerCount = workers.count
        return try await withCheckedThrowingContinuation { continuation in
            let job = Job(
                peer: peer, deadline: deadline, run: { continuation.resume(with: Result { try work() }) },
                refuse: { continuation.resume(throwing: Self.busy(retryAfterSeconds: 1)) })
            let start = state.withLock { state -> Start in
                // Done after the hashes ahead of it, a worker's share of them, and its own.
                // With a worker idle the hash starts now: never refused then, so that one slow
                // hash cannot make the estimate refuse every later one.
                if let deadline, let hashTime = state.hashTime, state.idleWorkers.isEmpty {
                    let done = hashTime * (state.waiting.count / workerCount + 2)
                    // A quarter to spare: hashes slow down when the machine is busiest.
                    if MonotonicInstant.now + done + done / 4 > deadline {
                        return .refused(retryAfterSeconds: max(1, Int(done.components.seconds) + 1))
                    }
                }
                // Before the first hash is measured nothing is refused on an estimate: a call
                // whose turn then comes too late is refused at its turn (below).
                if let peer {
                    guard state.perPeer[peer, default: 0] < perPeerShare,
                        !state.idleWorkers.isEmpty || state.waiting.count < queueCapacity
                    else { return .refused(retryAfterSeconds: 1) }
                    state.perPeer[peer, default: 0] += 1
                }
                guard let worker = state.idleWorkers.popLast() else {
                    state.waiting.append(job)
                    return .queued
                }
                return .now(worker: worker)
            }
            switch start {
            case .now(let worker): execute(job, on: worker)
            case .queued: break
            case .refused(let seconds): continuation.resume(throwing: Self.busy(retryAfterSeconds: seconds))
            }
        }
    }

    private func execute(_ job: Job, on worker: Int) {
        workers[worker].async {
            let started = ContinuousClock.now
            job.run()
            let took = ContinuousClock.now - started
            var overdue: [Job] = []
            let next: Job? = self.state.withLock { state in
                // Weighted to the last few hashes, so a change of cost is learned quickly.
                let hashTime = state.hashTime.map { ($0 * 3 + took) / 4 } ?? took
                state.hashTime = hashTime
                state.release(job)
                // A waiting call whose deadline has come too near for its hash (the machine
                // slowed since it was let in) is told so now rather than at its deadline.
                while !state.waiting.isEmpty {
                    let candidate = state.waiting.removeFirst()
                    guard let deadline = candidate.deadline, MonotonicInstant.now + hashTime > deadline else { return candidate }
                    state.release(candidate)
                    overdue.append(candidate)
                }
                state.idleWorkers.append(worker)
                return nil
            }
            for job in overdue { job.refuse() }
            if let next { self.execute(next, on: worker) }
        }
    }

    static func busy(retryAfterSeconds: Int) -> RPCError {
        RPCError(
            .resourceExhausted, "too many logins in progress: try again in \(retryAfterSeconds) s",
            reason: "HASHING_BUSY", metadata: ["retry_after_seconds": "\(retryAfterSeconds)"])
    }
}
