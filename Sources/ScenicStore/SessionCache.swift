import Foundation
import Synchronization

/// The open sessions found lately, with their distributors, so that a point-of-sale call
/// finds its session without a trip to a reader connection.
///
/// An entry is dropped as soon as the writer commits any change to its session or to its
/// distributor's account (``WriterChanges``), before the caller of that write
/// is answered: a call made after a logout, a password change or reset, a disabling or a
/// lockout never finds the old entry. Only money moving (the balance and its low-balance
/// flag, on every sale and recharge) leaves the entries alone, so an entry's
/// `balanceFen` can be older than the last sale.
final class SessionCache: Sendable {
    typealias Entry = (session: SessionRecord, distributor: DistributorRecord)

    private struct State {
        /// Counts the committed changes the entries could depend on.
        var generation: UInt64 = 0
        var entries: [Data: Entry] = [:]
    }

    /// Entries kept at most; past it the cache starts afresh.
    static let capacity = 4096
    private let state = Mutex(State())

    enum Lookup {
        case found(Entry)
        /// Not cached: read it, then ``remember(_:for:readAfter:)`` with this generation.
        case missing(generation: UInt64)
    }

    func lookup(_ tokenHash: Data) -> Lookup {
        state.withLock { state in
            state.entries[tokenHash].map(Lookup.found) ?? .missing(generation: state.generation)
        }
    }

    /// Keeps `entry`, read after ``lookup(_:)`` gave `generation`, unless a change was
    /// committed since: the read may have seen the store before it.
    func remember(_ entry: Entry, for tokenHash: Data, readAfter generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[tokenHash] = entry
        }
    }

    /// Drops the entries of these sessions and distributors after a commit changed them.
    /// Every read under way is refused too (``remember(_:for:readAfter:)``), whoever it is
    /// for: it cannot tell whether it saw the store before or after.
    func invalidate(sessions: Set<Int64>, distributors: Set<Int64>) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { _, entry in
                !sessions.contains(entry.session.id) && !distributors.contains(entry.distributor.id)
            }
        }
    }
}
