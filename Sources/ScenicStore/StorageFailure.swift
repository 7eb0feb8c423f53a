import GRDB
import Logging

/// The storage failed, not the request: the disk is full, another program holds the
/// database's write lock, or the file system refuses writes.
///
/// The failed call's transaction was rolled back, so nothing of it was written, and the
/// same call (with the same request id) succeeds once the condition clears: the daemon
/// keeps serving and needs no restart.
public struct StorageFailure: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// SQLITE_FULL: no room left on the data disk (or the database reached its size limit).
        case full
        /// SQLITE_BUSY / SQLITE_LOCKED: another connection kept the write lock past the busy timeout.
        case busy
        /// SQLITE_READONLY: the database or its directory cannot be written.
        case readOnly
        /// SQLITE_IOERR / SQLITE_CANTOPEN: the operating system failed a read, write or sync.
        case ioError
        /// A database server that cannot be reached, is shutting down or takes no writes
        /// (a standby): the PostgreSQL store's, which reconnects by itself.
        case unavailable
    }

    public let kind: Kind
    /// The database's own message, for the daemon's log.
    public let detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The failure `error` stands for, or nil when it is not about the storage (a
    /// constraint or an SQL error is a bug or a rejected input, not an outage).
    init?(_ error: DatabaseError) {
        switch error.resultCode {
        case .SQLITE_FULL: kind = .full
        case .SQLITE_BUSY, .SQLITE_LOCKED: kind = .busy
        case .SQLITE_READONLY: kind = .readOnly
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: kind = .ioError
        default: return nil
        }
        detail = error.message ?? "\(error.resultCode)"
    }

    public var description: String { "storage \(kind.rawValue): \(detail)" }
}

extension SQLiteStore {
    /// A read through the pool, with storage failures translated.
    func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(value) } catch let error as DatabaseError { throw translated(error) }
    }

    /// One `BEGIN IMMEDIATE` transaction, with storage failures translated.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in try self.transaction(db, updates) }
        } catch let error as DatabaseError { throw translated(error) }
    }

    /// One `BEGIN IMMEDIATE` transaction on the calling thread, which it blocks until the
    /// commit, with storage failures translated; for the group commit's own thread.
    func writeBlocking<T>(_ updates: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in try transaction(db, updates) }
        } catch let error as DatabaseError { throw translated(error) }
    }

    /// Writer access outside a transaction (checkpoints), with storage failures translated.
    func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                // Each statement commits on its own: what ran is settled, even after a failure.
                defer { self.writerChanges.settle() }
                return try updates(db)
            }
        } catch let error as DatabaseError { throw translated(error) }
    }

    /// Runs `updates` in one transaction on the writer's connection `db` and settles what
    /// it changed (``WriterChanges``) while still holding the writer, so that no later
    /// transaction's changes mix in. A transaction rolled back changed nothing.
    private func transaction<T>(_ db: Database, _ updates: (Database) throws -> T) throws -> T {
        var result: T?
        do {
            try writerStatements.whileCurrent(on: db) {
                try db.inTransaction {
                    result = try updates(db)
                    return .commit
                }
            }
        } catch {
            writerChanges.discard()
            throw error
        }
        writerChanges.settle()
        return result!
    }

    private func translated(_ error: DatabaseError) -> any Error {
        guard let failure = StorageFailure(error) else { return error }
        logger.error("storage failure", metadata: ["kind": "\(failure.kind.rawValue)", "detail": "\(failure.detail)"])
        return failure
    }
}
