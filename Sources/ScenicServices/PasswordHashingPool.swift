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
/// back office asks for (a new distributor's initial password) has no peer and only waits,
/// and so does the work of ``PeerCredentials/unlimitedUsers``.
public final class PasswordHashingPool: Sendable {
    private struct Job {
        var peer: UInt32?
        var run: @Sendable () -> Void
    }

    private enum Start {
        case now(worker: Int)
        case queued
        case refused
    }

    private struct State {
        var idleWorkers: [Int]
        var waiting: [Job] = []
        var perPeer: [UInt32: Int] = [:]
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
    /// (`HASHING_BUSY`) at once when the peer's share or the queue is full.
    func run<T: Sendable>(for peer: UInt32?, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let peer = peer.flatMap { unlimitedPeers.contains($0) ? nil : $0 }
        return try await withCheckedThrowingContinuation { continuation in
            let job = Job(peer: peer) { continuation.resume(with: Result { try work() }) }
            let start = state.withLock { state -> Start in
                if let peer {
                    guard state.perPeer[peer, default: 0] < perPeerShare,
                        !state.idleWorkers.isEmpty || state.waiting.count < queueCapacity
                    else { return .refused }
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
            case .refused: continuation.resume(throwing: Self.busy)
            }
        }
    }

    private func execute(_ job: Job, on worker: Int) {
        workers[worker].async {
            job.run()
            let next: Job? = self.state.withLock { state in
                if let peer = job.peer {
                    state.perPeer[peer]! -= 1
                    if state.perPeer[peer] == 0 { state.perPeer[peer] = nil }
                }
                guard !state.waiting.isEmpty else {
                    state.idleWorkers.append(worker)
                    return nil
                }
                return state.waiting.removeFirst()
            }
            if let next { self.execute(next, on: worker) }
        }
    }

    static let busy = RPCError(
        .resourceExhausted, "too many logins in progress from this user: try again in a second",
        reason: "HASHING_BUSY", metadata: ["retry_after_seconds": "1"])
}
