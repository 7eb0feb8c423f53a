import NIOCore
import ScenicRPC
import Synchronization

/// The open connections of one server, so that shutdown can reach each of them, and
/// their bounds: past `capacity` in all, or `perUserCapacity` from one Unix user, a new
/// connection is refused (but for ``PeerCredentials/unlimitedUsers``).
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
        var perUser: [UInt32: Int] = [:]
        var draining = false
        var refused = 0
    }

    let capacity: Int
    let perUserCapacity: Int
    private let unlimitedUsers: Set<UInt32>
    private let state = Mutex(State())

    init(capacity: Int, perUserCapacity: Int, unlimitedUsers: Set<UInt32> = PeerCredentials.unlimitedUsers) {
        precondition(capacity > 0 && perUserCapacity > 0)
        self.capacity = capacity
        self.perUserCapacity = perUserCapacity
        self.unlimitedUsers = unlimitedUsers
    }

    /// Tracks `channel` of Unix user `uid` until it closes, unless the server is full or
    /// that user holds its share. A peer the kernel would not name counts as one user.
    func add(_ channel: any Channel, uid: UInt32?) -> Admission {
        let id = ObjectIdentifier(channel)
        let user = uid ?? .max
        let counted = !unlimitedUsers.contains(user)
        let admission = state.withLock { state -> Admission in
            guard state.open.count < capacity, !counted || state.perUser[user, default: 0] < perUserCapacity else {
                defer { state.refused += 1 }
                return .refuse(refusedBefore: state.refused)
            }
            state.open[id] = channel
            if counted { state.perUser[user, default: 0] += 1 }
            return state.draining ? .drain : .serve
        }
        if admission == .serve || admission == .drain {
            channel.closeFuture.whenComplete { _ in
                self.state.withLock { state in
                    state.open.removeValue(forKey: id)
                    guard counted else { return }
                    state.perUser[user]! -= 1
                    if state.perUser[user] == 0 { state.perUser[user] = nil }
                }
            }
        }
        return admission
    }

    /// Connections open now, and those refused since start.
    var counts: (open: Int, refused: Int) {
        state.withLock { ($0.open.count, $0.refused) }
    }

    /// Marks the server as draining and returns the connections open now.
    func beginDraining() -> [any Channel] {
        state.withLock { state in
            state.draining = true
            return Array(state.open.values)
        }
    }
}
