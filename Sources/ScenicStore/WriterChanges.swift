import GRDB
import Synchronization

/// What the writer's transactions change that the daemon keeps copies of in memory: the
/// sessions and distributors whose ``SessionCache`` entries must go, and whether events
/// were written (the feed's ``EventBell`` rings).
///
/// TEMP triggers on the writer's connection report each such change through the SQL
/// function `scenic_changed(kind, id)`, and the writer settles them right after each
/// transaction, before it takes the next and before its callers are answered: a call made
/// after a logout, a password change, a disabling or a lockout never finds the old entry.
/// Triggers rather than GRDB's transaction observers: an observer has GRDB install
/// SQLite's update hook, which then reports every row every statement changes, sales
/// included, and the sale path steps its statements through SQLite's C API, past GRDB.
final class WriterChanges: Sendable {
    /// The distributor columns money moves (every sale and recharge), which cached entries
    /// may lag: an entry's balance can be older than the last sale.
    static let moneyColumns: Set<String> = ["balance_fen", "held_fen", "low_balance_alerted"]

    private struct Pending {
        var sessions: Set<Int64> = []
        var distributors: Set<Int64> = []
        var events = false
    }

    private let pending = Mutex(Pending())
    let sessionCache: SessionCache
    let eventBell: EventBell

    init(sessionCache: SessionCache, eventBell: EventBell) {
        self.sessionCache = sessionCache
        self.eventBell = eventBell
    }

    /// Makes `scenic_changed` and the triggers that call it on the writer's connection, once
    /// the schema is migrated (readers write nothing, and get neither). A distributor's
    /// update is reported when it sets any column but the money ones.
    func install(in db: Database) throws {
        db.add(function: DatabaseFunction("scenic_changed", argumentCount: 2, pure: false) { [self] values in
            guard let kind = String.fromDatabaseValue(values[0]), let id = Int64.fromDatabaseValue(values[1]) else { return nil }
            pending.withLock { pending in
                switch kind {
                case "session": pending.sessions.insert(id)
                case "distributor": pending.distributors.insert(id)
                default: pending.events = true
                }
            }
            return nil
        })
        let columns = try db.columns(in: "distributor").map(\.name).filter { !Self.moneyColumns.contains($0) }
        try db.execute(sql: """
            CREATE TEMP TRIGGER scenic_session_inserted AFTER INSERT ON main.session
                BEGIN SELECT scenic_changed('session', NEW.id); END;
            CREATE TEMP TRIGGER scenic_session_updated AFTER UPDATE ON main.session
                BEGIN SELECT scenic_changed('session', NEW.id); END;
            CREATE TEMP TRIGGER scenic_session_deleted AFTER DELETE ON main.session
                BEGIN SELECT scenic_changed('session', OLD.id); END;
            CREATE TEMP TRIGGER scenic_distributor_inserted AFTER INSERT ON main.distributor
                BEGIN SELECT scenic_changed('distributor', NEW.id); END;
            CREATE TEMP TRIGGER scenic_distributor_updated AFTER UPDATE OF \(columns.joined(separator: ", ")) ON main.distributor
                BEGIN SELECT scenic_changed('distributor', NEW.id); END;
            CREATE TEMP TRIGGER scenic_distributor_deleted AFTER DELETE ON main.distributor
                BEGIN SELECT scenic_changed('distributor', OLD.id); END;
            CREATE TEMP TRIGGER scenic_event_inserted AFTER INSERT ON main.event
                BEGIN SELECT scenic_changed('event', NEW.id); END;
            """)
    }

    /// Forgets the changes of a transaction rolled back.
    func discard() {
        pending.withLock { $0 = Pending() }
    }

    /// Drops the cache entries the committed transaction changed and rings the bell if it
    /// wrote events. Changes of its savepoints rolled back are among them: dropping an entry
    /// too many or ringing once too often costs a read, never a stale answer.
    func settle() {
        let settled = pending.withLock { pending in
            defer { pending = Pending() }
            return pending
        }
        if !settled.sessions.isEmpty || !settled.distributors.isEmpty {
            sessionCache.invalidate(sessions: settled.sessions, distributors: settled.distributors)
        }
        if settled.events { eventBell.ring() }
    }
}
