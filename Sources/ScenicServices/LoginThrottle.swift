import ScenicRPC
import ScenicStore
import Synchronization

/// Slows password guessing without giving anyone a way to lock a distributor out.
///
/// Failures are counted per peer (the Unix user on the other end of pos.sock) and phone
/// together, and per peer alone, never per phone alone: a local user guessing at a
/// phone makes only itself wait, while the distributor's own point of sale, under another
/// Unix user, logs in as usual. The phone is the one typed, registered or not, and a
/// refusal is given before anything is looked up, so a throttled answer says nothing
/// about whether the phone exists. Kept in memory: a restart forgets it.
public final class LoginThrottle: Sendable {
    public struct Rules: Sendable {
        /// Failures in a row by one peer on one phone before that pair must wait.
        public var freeFailures = 5
        /// The pair's first wait; each further failure doubles it, up to `longestWait`.
        public var firstWait: Duration = .seconds(1)
        public var longestWait: Duration = .seconds(15 * 60)
        /// Failures by one peer over all phones within `peerWindow` before every login of
        /// that peer waits for the oldest to age out: guessing spread over many phones.
        public var peerFailures = 20
        public var peerWindow: Duration = .seconds(15 * 60)

        public init() {}
    }

    private struct Pair: Hashable {
        var peer: UInt32?
        var phone: String
    }

    private struct PairFailures {
        var count = 0
        var lastAt: Millis = 0
        var waitUntil: Millis = 0
    }

    private struct State {
        var pairs: [Pair: PairFailures] = [:]
        /// Each peer's failure times within the window, oldest first.
        var peers: [UInt32?: [Millis]] = [:]
    }

    /// Pairs kept before the ones that can no longer matter are dropped.
    private static let pruneAbove = 10_000

    public let rules: Rules
    /// Users the per-user window never holds back; their pairs still wait.
    private let unlimitedPeers: Set<UInt32>
    private let state = Mutex(State())

    public init(rules: Rules = Rules(), unlimitedPeers: Set<UInt32> = PeerCredentials.unlimitedUsers) {
        self.rules = rules
        self.unlimitedPeers = unlimitedPeers
    }

    /// Nil when `peer` may try `phone` now, else when it may try again.
    func retryAt(peer: UInt32?, phone: String, now: Millis) -> Millis? {
        state.withLock { state in
            var until = state.pairs[Pair(peer: peer, phone: phone)]?.waitUntil ?? 0
            if let peer, !unlimitedPeers.contains(peer), let times = state.peers[peer], times.count >= rules.peerFailures {
                until = max(until, times[times.count - rules.peerFailures] + rules.peerWindow.millis)
            }
            return until > now ? until : nil
        }
    }

    /// Counts a wrong password (or an unknown phone) from `peer` for `phone`.
    func failed(peer: UInt32?, phone: String, now: Millis) {
        state.withLock { state in
            let key = Pair(peer: peer, phone: phone)
            var failures = state.pairs[key] ?? PairFailures()
            failures.count += 1
            failures.lastAt = now
            if failures.count >= rules.freeFailures {
                let doublings = min(failures.count - rules.freeFailures, 30)
                failures.waitUntil = now + min(rules.firstWait.millis << doublings, rules.longestWait.millis)
            }
            state.pairs[key] = failures
            var times = state.peers[peer, default: []].filter { $0 > now - rules.peerWindow.millis }
            times.append(now)
            state.peers[peer] = Array(times.suffix(rules.peerFailures))
            if state.pairs.count > Self.pruneAbove { prune(&state, now: now) }
        }
    }

    /// A right password: the pair starts afresh (the peer's window does not).
    func succeeded(peer: UInt32?, phone: String) {
        _ = state.withLock { $0.pairs.removeValue(forKey: Pair(peer: peer, phone: phone)) }
    }

    /// Forgets every peer's failures on `phone`: the back office has set a new password.
    func forget(phone: String) {
        state.withLock { state in
            state.pairs = state.pairs.filter { $0.key.phone != phone }
        }
    }

    /// Drops what no longer makes anyone wait: pairs whose last failure is older than the
    /// longest wait, peers with no failure in the window. Only a peer that has stopped
    /// failing for that long gets a pair's count back to nothing.
    private func prune(_ state: inout State, now: Millis) {
        let horizon = now - max(rules.longestWait.millis, rules.peerWindow.millis)
        state.pairs = state.pairs.filter { $0.value.lastAt > horizon }
        state.peers = state.peers.filter { ($0.value.last ?? 0) > now - rules.peerWindow.millis }
    }

    /// The answer while a peer must wait: the same for every phone, registered or not.
    static func refusal(retryAt: Millis, now: Millis) -> RPCError {
        let seconds = (retryAt - now + 999) / 1000
        return RPCError(
            .resourceExhausted, "too many failed logins from this user: try again in \(seconds) s",
            reason: "LOGIN_THROTTLED", metadata: ["retry_after_seconds": "\(seconds)"])
    }
}
