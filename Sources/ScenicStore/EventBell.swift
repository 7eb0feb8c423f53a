import Synchronization

/// Wakes every waiter at once when it rings: the store's rings when a transaction that
/// wrote events commits (the feed's long polls wait on it); others ring when their owner
/// says. A waiter holds a continuation, not a thread or a timer loop: idle waiters cost
/// nothing.
public final class EventBell: Sendable {
    private struct State {
        var rings: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they were parked.
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// How many times it rang: read before looking for events, then wait with it, so that
    /// a ring between the look and the wait is not missed.
    public var rings: UInt64 { state.withLock { $0.rings } }

    public func ring() {
        let waiters = state.withLock { state in
            state.rings &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once it has rung more than `seen` times, after `timeout`, or when the task
    /// is cancelled, whichever comes first.
    public func wait(after seen: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.rung(after: seen) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func rung(after seen: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.rings != seen || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiters.removeValue(forKey: id)
                if waiter == nil { state.cancelled.insert(id) }
                return waiter
            }
            waiter?.resume()
        }
        // Cancelled after it was woken: nothing is parked under the id to forget.
        _ = state.withLock { $0.cancelled.remove(id) }
    }
}
