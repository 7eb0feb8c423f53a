import NIOCore
import Synchronization

/// The open connections of one server, so that shutdown can reach each of them.
final class ConnectionRegistry: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    /// Tracks `channel` until it closes. Returns true when the server is already
    /// draining, so the new connection must drain at once.
    func add(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let draining = state.withLock { state in
            state.open[id] = channel
            return state.draining
        }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLock { $0.open.removeValue(forKey: id) }
        }
        return draining
    }

    /// Marks the server as draining and returns the connections open now.
    func beginDraining() -> [any Channel] {
        state.withLock { state in
            state.draining = true
            return Array(state.open.values)
        }
    }
}
