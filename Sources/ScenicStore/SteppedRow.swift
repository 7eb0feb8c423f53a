import Foundation
import GRDB
import GRDBSQLite

/// The current row of a statement stepped through SQLite's C API, read in place.
///
/// GRDB's `Row` builds a dictionary of the statement's lower-cased column names for every
/// query it reads, which on the writer's hot path cost more than the reads themselves.
/// This row takes SQLite's own column names (the writer keeps them from row to row, see
/// ``WriterStatements``) and finds a column by comparing them, starting after the column
/// read last: records read their columns mostly in the order their queries select them, so
/// most lookups compare one name. Its statements name each column once (checked in debug
/// builds), so where a search starts never changes what it finds.
package final class SteppedRow: ColumnReading {
    /// A statement's column names as SQLite holds them, valid until it compiles the
    /// statement again or finalizes it.
    typealias ColumnNames = [UnsafePointer<CChar>?]

    private let statement: SQLiteStatement
    private let names: ColumnNames
    private var next = 0

    init(statement: SQLiteStatement, names: ColumnNames) {
        self.statement = statement
        self.names = names
        assert(Set(names.map { String(cString: $0!).lowercased() }).count == names.count, "a column named twice")
    }

    /// The column names of `statement`, read from SQLite.
    static func columnNames(of statement: SQLiteStatement) -> ColumnNames {
        (0..<sqlite3_column_count(statement)).map { sqlite3_column_name(statement, $0) }
    }

    package func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(of column: String) -> Value {
        guard let index = index(of: column) else {
            // Absent, as GRDB's rows answer it: nil for an optional, a programming error else.
            guard let value = Value.fromDatabaseValue(.null) else { preconditionFailure("no column \(column)") }
            return value
        }
        guard let value = Value.fromStatement(statement, atUncheckedIndex: CInt(index)) else {
            preconditionFailure("column \(column) does not convert to \(Value.self)")
        }
        return value
    }

    private func index(of column: String) -> Int? {
        let found = column.withCString { name in
            (next..<names.count).first { sqlite3_stricmp(names[$0], name) == 0 }
                ?? (0..<min(next, names.count)).first { sqlite3_stricmp(names[$0], name) == 0 }
        }
        if let found { next = found + 1 }
        return found
    }
}

extension Database {
    /// The first row of the statement `sql`, read by `read`, or nil when it gives none: a
    /// query, or a write with `RETURNING` (whose changes are all made by then).
    ///
    /// The statement is compiled once per connection (GRDB's statement cache), its
    /// `arguments` bound in order and its first row read through SQLite's C API, without
    /// GRDB's argument and row objects. GRDB does not see the statement run, which is sound
    /// because the store registers no GRDB transaction observer (``WriterChanges`` tells
    /// what memory must learn of a write).
    func firstRow<each Argument: SteppedArgument, T>(
        _ sql: String, _ arguments: repeat each Argument, read: (SteppedRow) throws -> T
    ) throws -> T? {
        try stepping(sql, repeat each arguments) { statement, columnNames in
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return try read(SteppedRow(statement: statement, names: columnNames()))
            case SQLITE_DONE: return nil
            case let code: throw stepFailure(code, sql)
            }
        }
    }

    /// Runs the statement `sql` to its end, as ``firstRow(_:_:read:)`` runs it.
    func run<each Argument: SteppedArgument>(_ sql: String, _ arguments: repeat each Argument) throws {
        try stepping(sql, repeat each arguments) { statement, _ in
            while true {
                switch sqlite3_step(statement) {
                case SQLITE_ROW: continue
                case SQLITE_DONE: return
                case let code: throw stepFailure(code, sql)
                }
            }
        }
    }

    /// Binds `arguments` to the cached statement of `sql` and hands it to `body`, with what
    /// tells its column names once it has stepped, then resets it for its next use. The
    /// arguments are a parameter pack, not an array of existentials: each call site binds
    /// its own types directly, with no array and no boxes to allocate on the writer's path.
    /// They must be as many as the statement's parameters: each use binds every one, so
    /// none keeps a value from the use before.
    private func stepping<each Argument: SteppedArgument, T>(
        _ sql: String, _ arguments: repeat each Argument,
        body: (SQLiteStatement, _ columnNames: () -> SteppedRow.ColumnNames) throws -> T
    ) throws -> T {
        let writer = WriterStatements.current(for: self)
        let found = try writer?.statement(sql, on: self)
        let statement = try found?.handle ?? cachedStatement(sql: sql).sqliteStatement
        defer { sqlite3_reset(statement) }
        var index: CInt = 0
        for argument in repeat each arguments {
            index += 1
            let code = argument.bindStepped(to: statement, at: index)
            guard code == SQLITE_OK else { throw stepFailure(code, sql) }
        }
        guard index == sqlite3_bind_parameter_count(statement) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "\(index) arguments for \(sqlite3_bind_parameter_count(statement)) parameters", sql: sql)
        }
        return try body(statement) {
            guard let writer, let found else { return SteppedRow.columnNames(of: statement) }
            return writer.columnNames(of: found)
        }
    }

    /// SQLite's `code` for `sql` as GRDB reports it, so that storage failures map as ever.
    private func stepFailure(_ code: CInt, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: sql)
    }
}

/// A value ``Database/firstRow(_:_:read:)`` and ``Database/run(_:_:)`` bind: GRDB's binding,
/// except for texts.
///
/// GRDB binds a text by handing SQLite a C string to measure, which the standard library
/// makes by copying a text short enough to live inside its `String` value (most of a
/// sale's: dates, codes, request scopes); a text is bound here with its length from its
/// own UTF-8, and SQLite copies it once.
protocol SteppedArgument: StatementBinding {
    func bindStepped(to statement: SQLiteStatement, at index: CInt) -> CInt
}

extension SteppedArgument {
    func bindStepped(to statement: SQLiteStatement, at index: CInt) -> CInt { bind(to: statement, at: index) }
}

extension Int: SteppedArgument {}
extension Int64: SteppedArgument {}
extension Bool: SteppedArgument {}
extension Data: SteppedArgument {}

extension String: SteppedArgument {
    /// Never NULL, even when empty.
    func bindStepped(to statement: SQLiteStatement, at index: CInt) -> CInt {
        var text = self
        return text.withUTF8 { utf8 in
            let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
            guard let bytes = utf8.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, transient) }
            return bytes.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(statement, index, $0, CInt(utf8.count), transient)
            }
        }
    }
}

extension Optional: SteppedArgument where Wrapped: SteppedArgument {
    func bindStepped(to statement: SQLiteStatement, at index: CInt) -> CInt {
        switch self {
        case .some(let value): value.bindStepped(to: statement, at: index)
        case .none: sqlite3_bind_null(statement, index)
        }
    }
}
