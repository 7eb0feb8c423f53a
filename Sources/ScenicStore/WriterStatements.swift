#if canImport(Glibc)
import Glibc
#endif
import GRDB
import GRDBSQLite

/// The writer connection's compiled statements, found without reading their SQL.
///
/// GRDB's statement cache finds a statement by hashing its whole text at every use, and a
/// sale runs a dozen texts of up to 700 characters: a few percent of the writer's time.
/// The texts the writer runs are constants, the same `String` value at every call, so this
/// table finds a statement by the value's own 16 bytes (a long text's storage address and
/// length, a short one's characters) in four of 128 places. The table keeps every text it
/// holds alive, so equal bytes are the same text: no character is compared. A text found in
/// none of its places (others hold them, or it is built anew at each call) is compiled
/// through GRDB's cache and takes a free one, or the first.
///
/// Only the writer's transactions use it (``whileCurrent(on:_:)``), on one thread at a
/// time; other connections never find it and keep GRDB's cache.
final class WriterStatements: @unchecked Sendable {
    private static let places = 128
    /// Places a text may take, from the one its bytes point to on.
    private static let probes = 4

    /// The text's 16 bytes in each place, (0, 0) when empty.
    private var keys = [Key](repeating: .empty, count: WriterStatements.places)
    /// The compiled statement in each place: the pointer `owners` also holds, kept apart so
    /// that a lookup reads no reference to retain.
    private var handles = [SQLiteStatement?](repeating: nil, count: WriterStatements.places)
    /// What keeps each place's text and statement alive.
    private var owners = [(text: String, statement: Statement)?](repeating: nil, count: WriterStatements.places)
    /// Each place's column names, read once: SQLite keeps them until it compiles the
    /// statement again, which its count of compilations tells.
    private var columnNames = [(names: SteppedRow.ColumnNames, compilations: CInt)?](repeating: nil, count: WriterStatements.places)
    /// The writer's connection, while the store is open.
    private var connection: SQLiteConnection?

    private struct Key: Equatable {
        var low: UInt64
        var high: UInt64

        static let empty = Key(low: 0, high: 0)

        init(low: UInt64, high: UInt64) {
            self.low = low
            self.high = high
        }

        init(_ text: String) {
            (low, high) = withUnsafeBytes(of: text) { ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
        }

        var place: Int { Int(truncatingIfNeeded: ((low ^ high) &* 0x9E37_79B9_7F4A_7C15) >> 57) }
    }

    /// An empty table for the writer's connection `db`.
    init(writer db: Database) {
        connection = db.sqliteConnection
    }

    /// A statement the table holds, and its place.
    struct Found {
        let handle: SQLiteStatement
        fileprivate let place: Int
    }

    /// The compiled statement of `sql` on `db`, the writer's connection.
    func statement(_ sql: String, on db: Database) throws -> Found {
        let key = Key(sql)
        let home = key.place
        var free: Int?
        for probe in 0..<Self.probes {
            let place = (home + probe) & (Self.places - 1)
            if keys[place] == key, let handle = handles[place] { return Found(handle: handle, place: place) }
            if free == nil, handles[place] == nil { free = place }
        }
        let statement = try db.cachedStatement(sql: sql)
        let place = free ?? home
        keys[place] = key
        handles[place] = statement.sqliteStatement
        owners[place] = (sql, statement)
        columnNames[place] = nil
        return Found(handle: statement.sqliteStatement, place: place)
    }

    /// The column names of `found`'s statement, as it was compiled for its last step.
    func columnNames(of found: Found) -> SteppedRow.ColumnNames {
        // A place another text has taken since keeps that text's names.
        guard handles[found.place] == found.handle else { return SteppedRow.columnNames(of: found.handle) }
        let compilations = sqlite3_stmt_status(found.handle, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let known = columnNames[found.place], known.compilations == compilations {
            assert(known.names == SteppedRow.columnNames(of: found.handle), "column names kept past a compilation")
            return known.names
        }
        let names = SteppedRow.columnNames(of: found.handle)
        columnNames[found.place] = (names, compilations)
        return names
    }

    /// Lets the statements go, so that the connection can close; on the writer's thread.
    func empty() {
        for place in 0..<Self.places { (keys[place], handles[place], owners[place], columnNames[place]) = (.empty, nil, nil, nil) }
        connection = nil
    }

    /// Runs `body` with this table as the one `db`'s statements are found in, on this thread.
    func whileCurrent<T>(on db: Database, _ body: () throws -> T) rethrows -> T {
        assert(db.sqliteConnection == connection, "the writer's statements made current on another connection")
        let previous = pthread_getspecific(Self.currentKey)
        pthread_setspecific(Self.currentKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.currentKey, previous) }
        return try body()
    }

    /// The table current on this thread, if it is `db`'s.
    static func current(for db: Database) -> WriterStatements? {
        guard let pointer = pthread_getspecific(currentKey) else { return nil }
        let table = Unmanaged<WriterStatements>.fromOpaque(pointer).takeUnretainedValue()
        guard let connection = table.connection, connection == db.sqliteConnection else { return nil }
        return table
    }

    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key left")
        return key
    }()
}
