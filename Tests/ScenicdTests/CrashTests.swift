import Foundation
import Testing

/// Runs sqlite3 on a stopped daemon's database.
func sqlite(_ path: String, _ sql: String) async throws -> String {
    let result = try await CommandResult.run(absolute: "/usr/bin/sqlite3", [path, sql])
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Crash safety", .serialized)
struct CrashTests {
    @Test("kill -9 five times under sales, recharges and refunds from three client processes: nothing acknowledged lost, nothing applied twice")
    func killNineCycles() async throws {
        let directory = DaemonProcess.makeDataDirectory()
        let result = try await CommandResult.run(
            "scenic-bench", ["crash", "--cycles", "5", "--clients", "3", "--data-dir", directory, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(report["passed"] as? Bool == true, "\(report)")
        #expect(report["killed"] as? Int == 5)
        #expect(report["lost"] as? Int == 0)
        #expect(report["applied_twice"] as? Int == 0)
        #expect((report["unanswered_at_kill"] as? Int ?? 0) > 0, "no kill landed while calls were in flight")
        #expect((report["refunds"] as? Int ?? 0) > 0)

        // The bench's own verdict, checked again here with plain SQL.
        let database = directory + "/scenic.sqlite3"
        #expect(try await sqlite(database, "PRAGMA integrity_check") == "ok")
        #expect(try await sqlite(database, """
            SELECT count(*) FROM distributor d
            WHERE d.balance_fen != (SELECT coalesce(sum(amount_fen), 0) FROM ledger_entry WHERE distributor_id = d.id)
            """) == "0")
        #expect(try await sqlite(database, "SELECT count(*) FROM ledger_entry WHERE balance_after_fen < 0") == "0")
        #expect(try await sqlite(database, "SELECT count(*) FROM sale_order") == "\(report["sells"] as? Int ?? -1)")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
