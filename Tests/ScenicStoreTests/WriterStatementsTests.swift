import Foundation
import GRDB
import ScenicTestSupport
import Testing

@testable import ScenicStore

@Suite("The writer's statements, found by their text's bytes")
struct WriterStatementsTests {
    let path = TestScratch.folder("writer-statements-") + "/" + SQLiteStore.fileName
    let store: SQLiteStore

    init() throws {
        store = try SQLiteStore.open(at: path)
    }

    @Test("texts built anew at each use, far more than the table holds, each run their own statement, over and over")
    func manyTexts() async throws {
        // 300 texts share 128 places: most meet another text in theirs, and every text is
        // built again at each round, so its bytes (its storage) differ from round to round.
        let answers = try await store.write { db in
            try (0..<3).map { _ in
                try (0..<300).map { number in
                    try db.firstRow("SELECT ? + \(number) AS sum", Int64(1_000)) { $0["sum"] as Int64 }
                }
            }
        }
        for round in answers { #expect(round == (0..<300).map { Int64(1_000 + $0) }) }
    }

    @Test("a constant text and an equal one built at the call answer alike, short texts (inline in the value) included")
    func equalTexts() async throws {
        let constant = "SELECT 40 + ? AS sum"
        let built = ["SELECT 40", "+ ? AS sum"].joined(separator: " ")
        let short = "SELECT ? AS sum"
        let sums = try await store.write { db in
            try [constant, built, constant, short, built].map { sql in try db.firstRow(sql, Int64(2)) { $0["sum"] as Int64 } }
        }
        #expect(sums == [42, 42, 42, 2, 42])
    }

    @Test("a statement SQLite compiles again, after its table changed, reads the columns it has now")
    func recompiledStatement() async throws {
        let sql = "SELECT * FROM shape"
        let (before, after) = try await store.write { db in
            try db.execute(sql: "CREATE TABLE shape (a INTEGER); INSERT INTO shape VALUES (1)")
            let before = try db.firstRow(sql) { $0["a"] as Int64 }
            try db.execute(sql: "DROP TABLE shape; CREATE TABLE shape (b INTEGER, a INTEGER); INSERT INTO shape VALUES (2, 3)")
            let after = try db.firstRow(sql) { ($0["b"] as Int64, $0["a"] as Int64) }
            return (before, after)
        }
        #expect(before == 1)
        #expect(after?.0 == 2 && after?.1 == 3)
    }

    @Test("the table is the writer's, during its transactions only")
    func currentOnlyInWriterTransactions() async throws {
        let inWrite = try await store.write { db in WriterStatements.current(for: db) != nil }
        let inRead = try await store.read { db in WriterStatements.current(for: db) != nil }
        let outside = try await store.pool.writeWithoutTransaction { db in WriterStatements.current(for: db) != nil }
        #expect(inWrite && !inRead && !outside)
    }

    @Test("a store whose writer ran statements closes, and opens again with its sales")
    func closesAndReopens() async throws {
        try await StoreFixture.seed(store)
        let codes = try await StoreFixture.sell(store, 2)
        try store.close()
        let reopened = try SQLiteStore.open(at: path)
        defer { try? reopened.close() }
        for code in codes { #expect(try await StoreFixture.voucherID(reopened, code) != nil) }
        #expect(try await StoreFixture.sell(reopened, 1).count == 1)
    }
}
