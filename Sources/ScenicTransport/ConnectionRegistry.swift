import NIOCore
import Synchronization

/// The open connections of one server, so that shutdown can reach each of them, and
/// their bound: past `capacity` a new connection is refused.
final class ConnectionRegistry: Sendable {
    /// What becomes of a connection just accepted.
    enum Admission: Equatable {
        case serve
        /// The server is draining: answer what the connection sends already in flight, then close.
        case drain
        /// The server holds `capacity` connections: close this one at once. `refusedBefore`
        /// counts the ones refused so far, for a log that does not grow with a flood.
        case refuse(refusedBefore: Int)
    }

    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var draining = false
        var refused = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Tracks `channel` until it closes, unless the server is full.
    func add(_ channel: any Channel) -> Admission {
        let id = ObjectIdentifier(channel)
        let admission = state.withLock { state -> Admission in
            guard state.open.count < capacity else {
                defer { state.refused += 1 }
                return .refuse(refusedBefore: state.refused)
            }
            state.open[id] = channel
            return state.draining ? .drain : .serve
        }
        if admission == .serve || admission == .drain {
            channel.closeFuture.whenComplete { _ in
                _ = self.state.withLock { $0.open.removeValue(forKey: id) }
            }
        }
        return admission
    }

    /// Marks the server as draining and returns the connections open now.
    func beginDraining() -> [any Channel] {
        state.withLock { state in
            state.draining = true
            return Array(state.open.values)
        }
    }
}
