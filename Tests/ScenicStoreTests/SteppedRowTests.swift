import GRDB
import Testing

@testable import ScenicStore

@Suite("Statements stepped through SQLite's C API")
struct SteppedRowTests {
    let queue: DatabaseQueue

    init() throws {
        queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT, fen INTEGER NOT NULL CHECK (fen >= 0));
                INSERT INTO account VALUES (1, 'Lakeside', NULL, 100), (2, 'Hilltop', 'hotel desk', 0);
                """)
        }
    }

    @Test("columns are read by name in any order and any case; NULL and absent columns read as nil")
    func columnsByName() throws {
        let read = try queue.read { db in
            try db.firstRow("SELECT id, name, note, fen FROM account WHERE id = ?", Int64(1)) { row in
                (fen: row["FEN"] as Int64, name: row["name"] as String, note: row["note"] as String?, id: row["id"] as Int64,
                 missing: row["missing"] as String?)
            }
        }
        let row = try #require(read)
        #expect(row.fen == 100 && row.name == "Lakeside" && row.note == nil && row.id == 1 && row.missing == nil)
    }

    @Test("a query that finds nothing answers nil, and the statement takes fresh arguments at each use")
    func freshArguments() throws {
        let names = try queue.read { db in
            try [1, 3, 2].map { id in try db.firstRow("SELECT name FROM account WHERE id = ?", Int64(id)) { $0["name"] as String } }
        }
        #expect(names == ["Lakeside", nil, "Hilltop"])
    }

    @Test("texts bind as themselves, short or long, empty ones as '' and not NULL; an absent optional binds NULL")
    func texts() throws {
        let long = String(repeating: "湖", count: 40)
        let read = try queue.read { db in
            try ["", "hotel desk", long].map { text in
                try db.firstRow("SELECT ? AS text, typeof(?) AS type, length(?) AS length", text, text, text) {
                    ($0["text"] as String, $0["type"] as String, $0["length"] as Int64)
                }
            }
        }
        #expect(read.map { $0?.0 } == ["", "hotel desk", long])
        #expect(read.map { $0?.1 } == ["text", "text", "text"])
        #expect(read.map { $0?.2 } == [0, 10, 40])
        let absent: String? = nil
        let present: String? = "x"
        let types = try queue.read { db in
            try db.firstRow("SELECT typeof(?) AS absent, typeof(?) AS present", absent, present) {
                ($0["absent"] as String, $0["present"] as String)
            }
        }
        #expect(types?.0 == "null" && types?.1 == "text")
    }

    @Test("arguments fewer or more than the statement's parameters are refused before it runs")
    func argumentCount() throws {
        try queue.write { db in
            let fewer = #expect(throws: DatabaseError.self) { try db.run("UPDATE account SET fen = ? WHERE id = ?", Int64(5)) }
            #expect(fewer?.resultCode == .SQLITE_MISUSE)
            let more = #expect(throws: DatabaseError.self) {
                try db.run("UPDATE account SET fen = ? WHERE id = ?", Int64(5), Int64(1), Int64(2))
            }
            #expect(more?.resultCode == .SQLITE_RANGE)
        }
        #expect(try queue.read { try Int64.fetchAll($0, sql: "SELECT fen FROM account ORDER BY id") } == [100, 0])
    }

    @Test("a write answers its RETURNING row; a refused one throws SQLite's extended code, changes nothing, and the statement runs again")
    func writes() throws {
        try queue.write { db in
            let fen = try db.firstRow("UPDATE account SET fen = fen + ? WHERE id = ? RETURNING fen", Int64(25), Int64(2)) { $0["fen"] as Int64 }
            #expect(fen == 25)
            let error = #expect(throws: DatabaseError.self) {
                try db.run("UPDATE account SET fen = fen + ? WHERE id = ?", Int64(-200), Int64(1))
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
            #expect(try Int64.fetchOne(db, sql: "SELECT fen FROM account WHERE id = 1") == 100)
            try db.run("UPDATE account SET fen = fen + ? WHERE id = ?", Int64(-50), Int64(1))
            #expect(try Int64.fetchOne(db, sql: "SELECT fen FROM account WHERE id = 1") == 50)
        }
    }
}
