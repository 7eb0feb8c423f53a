import Foundation
import GRDB

/// Why a backup could not be written.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case notWritable(String, reason: String)
    case corrupt(String, integrity: String)
    /// The store is a database server's, which its own tools back up (pg_dump, a standby).
    case onDatabaseServer

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists already"
        case .notWritable(let path, let reason): "cannot write \(path): \(reason)"
        case .corrupt(let path, let integrity): "the copy at \(path) failed its integrity check: \(integrity)"
        case .onDatabaseServer: "the data is on a PostgreSQL server: back it up with pg_dump or a streaming standby (see the README)"
        }
    }
}

extension SQLiteStore {
    /// Copies the whole database to `path` with SQLite's online backup API from one read
    /// snapshot, so writers go on meanwhile; checks the copy, then moves it into place.
    /// Blocks the calling thread: call it off the event loops and the cooperative pool.
    public func backup(to path: String) throws -> (sizeBytes: Int64, integrity: String) {
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupError.exists(path) }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            // Opened as a store again (a restore), it makes new voucher codes under a new key.
            try copy.write { try $0.execute(sql: "UPDATE store_info SET is_backup_copy = 1") }
            let integrity = try copy.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
            // Into a single file again, so the copy can be carried and restored as one.
            try copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            guard integrity == "ok" else { throw BackupError.corrupt(path, integrity: integrity) }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return (size, integrity)
        } catch let error as BackupError {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw BackupError.notWritable(path, reason: "\(error)")
        }
    }
}
