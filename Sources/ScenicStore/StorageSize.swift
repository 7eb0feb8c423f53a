import Foundation
import GRDB

/// What the store takes on disk and what is left there.
public struct StorageSize: Sendable {
    public var databaseBytes: Int64
    /// The write-ahead log: grows under writes, emptied by checkpoints. Nil where the
    /// store cannot see it (a database server's own).
    public var walBytes: Int64?
    /// Free space on the database's file system for an unprivileged user. Nil where the
    /// store cannot see it (a database server's disk).
    public var freeDiskBytes: Int64?

    package init(databaseBytes: Int64, walBytes: Int64?, freeDiskBytes: Int64?) {
        self.databaseBytes = databaseBytes
        self.walBytes = walBytes
        self.freeDiskBytes = freeDiskBytes
    }
}

/// What the daemon's metrics read from the database at a scrape.
public struct Gauges: Sendable {
    /// Sessions not ended (logged out, expired on use, or cut by an account change).
    public var openSessions: Int64
    public var smsByStatus: [String: Int64]
    public var heldHolds: Int64
    /// From the tally: a few rows, however many vouchers.
    public var vouchersByStatus: [String: Int64]

    package init(openSessions: Int64, smsByStatus: [String: Int64], heldHolds: Int64, vouchersByStatus: [String: Int64]) {
        self.openSessions = openSessions
        self.smsByStatus = smsByStatus
        self.heldHolds = heldHolds
        self.vouchersByStatus = vouchersByStatus
    }
}

extension SQLiteStore {
    /// The database file's path.
    public var databasePath: String { pool.path }

    /// Read from the file system now; no query.
    public func storageSize() -> StorageSize {
        func size(_ path: String) -> Int64 {
            var info = stat()
            return stat(path, &info) == 0 ? Int64(info.st_size) : 0
        }
        var disk = statvfs()
        let free = statvfs(databasePath, &disk) == 0 ? Int64(disk.f_bavail) * Int64(disk.f_frsize) : 0
        return StorageSize(databaseBytes: size(databasePath), walBytes: size(databasePath + "-wal"), freeDiskBytes: free)
    }

    public func gauges() async throws -> Gauges {
        try await read { db in
            func counts(_ sql: String) throws -> [String: Int64] {
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: sql).map { ($0[0] as String, $0[1] as Int64) })
            }
            return Gauges(
                openSessions: try Int64.fetchOne(db, sql: "SELECT count(*) FROM session WHERE ended_at IS NULL") ?? 0,
                smsByStatus: try counts("SELECT status, count(*) FROM sms_outbox GROUP BY status"),
                heldHolds: try Int64.fetchOne(db, sql: "SELECT count(*) FROM hold WHERE status = 'held'") ?? 0,
                vouchersByStatus: try counts("SELECT status, sum(count) FROM voucher_tally GROUP BY status"))
        }
    }
}
