import CSQLiteSettings
import Foundation
import GRDB
import GRDBSQLite
import Logging
import ScenicNumbering
import Synchronization

/// What a group commit is reported with: how many writes it held, how long they ran and
/// how long the commit (its fsync) took.
public typealias GroupCommitObserver = @Sendable (_ writes: Int, _ executing: Duration, _ committing: Duration) -> Void

/// The one SQLite database holding all of Scenic's state, and the only way to it.
///
/// Opening it takes an exclusive lock (a second daemon refuses to start), applies the
/// migrations, and checks the durability settings every acknowledged write relies on:
/// WAL, `synchronous=FULL`, foreign keys, and `BEGIN IMMEDIATE` for writes.
public final class SQLiteStore: Sendable {
    /// File name of the database inside the data directory.
    public static let fileName = "scenic.sqlite3"

    let pool: DatabasePool
    private let lock: StoreLock
    let logger: Logger
    let groupCommit = GroupCommit()
    let sessionCache: SessionCache
    public let eventBell: EventBell
    let writerChanges: WriterChanges
    let voucherIssuer: VoucherIssuer
    /// The writer's compiled statements, current on its thread during each transaction.
    let writerStatements: WriterStatements
    /// Told of every group commit, for the daemon's metrics.
    private let groupCommitObserver = Mutex<GroupCommitObserverBox?>(nil)

    /// The observer in a class of its own: a closure read out of a `Mutex` with
    /// `withLock { $0 }` is written back wrapped in one more reabstraction thunk each time
    /// (Swift 6.3), a chain that grew by one every batch, each call walking all of it.
    private final class GroupCommitObserverBox: Sendable {
        let observe: GroupCommitObserver
        init(_ observe: @escaping GroupCommitObserver) { self.observe = observe }
    }

    /// Reports every group commit from now on to `observer`.
    public func observeGroupCommits(_ observer: @escaping GroupCommitObserver) {
        groupCommitObserver.withLock { $0 = GroupCommitObserverBox(observer) }
    }

    /// Tells the observer, if any, of a group commit.
    func reportGroupCommit(writes: Int, executing: Duration, committing: Duration) {
        groupCommitObserver.withLock { $0 }?.observe(writes, executing, committing)
    }

    public let schemaVersion: Int
    public let publicNumberKey: [UInt8]

    private init(
        pool: DatabasePool, lock: StoreLock, writerStatements: WriterStatements, voucherIssuer: VoucherIssuer, schemaVersion: Int,
        publicNumberKey: [UInt8], logger: Logger
    ) {
        let (sessionCache, eventBell) = (SessionCache(), EventBell())
        self.sessionCache = sessionCache
        self.eventBell = eventBell
        writerChanges = WriterChanges(sessionCache: sessionCache, eventBell: eventBell)
        self.pool = pool
        self.writerStatements = writerStatements
        self.voucherIssuer = voucherIssuer
        self.lock = lock
        self.logger = logger
        self.schemaVersion = schemaVersion
        self.publicNumberKey = publicNumberKey
    }

    /// The database's page size. A sale writes each page it changes whole, to the WAL and
    /// again at the checkpoint, and it changes one page of every index it adds to (a
    /// distributor's place in each per-distributor index, a random place in the request
    /// log): with 1 KiB pages those writes are a quarter of 4 KiB ones. Rows of a few dozen
    /// bytes and index entries fit as well, and no row a sale writes overflows a page.
    public static let pageSize = 1024

    /// Whether SQLite's process-wide options took (`scenic_sqlite_configure`): they must
    /// come before the process's first connection, which is the first store's in scenicd.
    /// When something opened one earlier (a test, say), connections keep SQLite's
    /// defaults, a mutex each: as correct, and slower on the writer's hot path.
    private static let processSettingsTook = scenic_sqlite_configure() == SQLITE_OK

    /// Opens (creating if needed) the database at `path` and migrates it.
    public static func open(at path: String, logger: Logger = Logger(label: "scenic.store")) throws -> SQLiteStore {
        if !processSettingsTook { logger.debug("SQLite was initialized before the store opened; its connections keep a mutex each") }
        let lock = try StoreLock(databasePath: path)
        try adoptPageSize(at: path, logger: logger)
        let voucherCodeFunctions = VoucherCodeFunctions()
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.label = "scenic"
        configuration.prepareDatabase { db in
            // Takes effect only when the database is made; adoptPageSize converts older ones.
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            // Overwrite deleted content with zeros, so a redacted secret leaves the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // Group commit runs each call in a savepoint, whose undo copies of the pages it
            // touches would otherwise go to a temporary file: dozens of writes a sale.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Checkpoint every 40,000 WAL pages (~40 MB of 1 KiB pages) rather than SQLite's
            // 1,000: the checkpoint runs inside a commit, and sales rewrite the same index
            // pages (each distributor's end of each index) batch after batch, so a longer
            // WAL copies each of them back once instead of every few batches.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 40000")
            voucherCodeFunctions.register(in: db)
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets synchronous=NORMAL when it enables WAL on the writer; Scenic wants
        // every acknowledged sale on disk, so it sets FULL afterwards and checks it took.
        let synchronous = try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        guard synchronous == 2 else { throw StoreError.unsafeSetting("synchronous is \(synchronous ?? -1), not FULL (2)") }
        let migrator = Migrations.migrator
        try migrator.migrate(pool)
        let (applied, isBackupCopy) = try pool.read { db in
            (try migrator.appliedIdentifiers(db).count, try Bool.fetchOne(db, sql: "SELECT is_backup_copy FROM store_info") ?? false)
        }
        if isBackupCopy { try pool.write { try VoucherCodeKey.rekey($0, logger: logger) } }
        let (key, voucherCodeKey, keepsLegacyCodes) = try pool.read { db in
            let keys = try Row.fetchOne(db, sql: "SELECT public_number_key, coalesce(voucher_code_key, public_number_key) FROM store_info")
            let legacy = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM legacy_voucher_code)") ?? false
            return (keys?[0] as Data? ?? Data(), keys?[1] as Data? ?? Data(), legacy)
        }
        let voucherCodes = VoucherCodes(key: Array(voucherCodeKey))
        voucherCodeFunctions.use(voucherCodes)
        let store = SQLiteStore(
            pool: pool, lock: lock, writerStatements: pool.writeWithoutTransaction { WriterStatements(writer: $0) },
            voucherIssuer: VoucherIssuer(codes: voucherCodes, keepsLegacyCodes: keepsLegacyCodes),
            schemaVersion: applied, publicNumberKey: Array(key), logger: logger)
        try pool.writeWithoutTransaction { try store.writerChanges.install(in: $0) }
        logger.info("store open", metadata: ["path": "\(path)", "schema_version": "\(applied)"])
        return store
    }

    /// Rewrites a database made with another page size than ``pageSize`` (by an earlier
    /// version) into pages of that size: a VACUUM, out of WAL mode, once. It needs as much
    /// free disk as the database takes, and is safe to interrupt (the rollback journal
    /// undoes it). A new database is made with the right size and skips this.
    static func adoptPageSize(at path: String, logger: Logger) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let size = try queue.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } ?? pageSize
        let pages = try queue.read { try Int.fetchOne($0, sql: "PRAGMA page_count") } ?? 0
        guard size != pageSize, pages > 0 else { return }
        logger.notice("rewriting the database in \(pageSize)-byte pages, once", metadata: ["from": "\(size)", "pages": "\(pages)"])
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
    }

    /// The writer's `PRAGMA synchronous` as it stands: 2 (FULL) on a healthy store.
    public func writerSynchronousSetting() throws -> Int {
        try pool.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The database's journal mode: "wal" on a healthy store.
    public func journalMode() throws -> String {
        try pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }

    public func ping() async throws {
        _ = try await read { try Int.fetchOne($0, sql: "SELECT 1 FROM store_info") }
    }

    public func close() throws {
        // The WAL runs to ~40 MB under load; a stopped daemon leaves it empty, when it can.
        do {
            try pool.writeWithoutTransaction { db in
                // The writer's own statements would keep its connection from closing.
                defer { writerStatements.empty() }
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            logger.warning("the WAL was not emptied at close", metadata: ["error": "\(error)"])
        }
        try pool.close()
        lock.release()
    }
}
