import Foundation
import ScenicClient
import Testing

@Suite("Online backup", .serialized)
struct BackupTests {
    @Test("a backup taken while the daemon sells restores into a daemon that passes integrity_check")
    func backupAndRestore() async throws {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12"])
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory]
        func admin(_ arguments: String...) async throws -> CommandResult {
            try await CommandResult.run("scenic-admin", arguments, environment: environment)
        }
        #expect(try await admin("distributor", "create", "--name", "Backup Travel", "--phone", "13800138000").status == 0)
        #expect(try await admin("product", "create", "--code", "GATE", "--name", "Gate", "--price", "120").status == 0)
        #expect(try await admin("distributor", "recharge", "1", "321.00").status == 0)

        // Writes keep going while the copy is taken.
        let file = daemon.dataDirectory + "-backup.sqlite3"
        func keepWriting() async {
            for index in 0..<20 { _ = try? await admin("distributor", "recharge", "1", "1.00", "--request-id", "during-\(index)") }
        }
        async let writes: Void = keepWriting()
        let backup = try await admin("backup", file)
        await writes
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("integrity ok"))
        let again = try await admin("backup", file)
        #expect(again.status == 1)
        #expect(again.stderr.contains("BACKUP_EXISTS"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        // Restore: a fresh data directory holding only the copy.
        let restored = DaemonProcess.makeDataDirectory()
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: restored + "/scenic.sqlite3")
        let second = try await DaemonProcess(dataDirectory: restored)
        let client = try await ScenicClient.connect(socketPath: second.adminSocket)
        let distributor = try await client.distributor(id: 1)
        #expect(distributor.name == "Backup Travel")
        // The copy is one consistent moment: the first recharge and some prefix of the 20 later ones.
        #expect(distributor.balanceFen >= 32_100 && distributor.balanceFen <= 34_100)
        let ledger = try await client.ledger({ var r = Scenic_V1_ListLedgerRequest(); r.distributorID = 1; r.pageSize = 500; return r }())
        #expect(ledger.entries.last?.balanceAfterFen == distributor.balanceFen)
        await client.close()
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        check.arguments = [restored + "/scenic.sqlite3", "PRAGMA integrity_check"]
        let out = Pipe()
        check.standardOutput = out
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
        try check.run()
        check.waitUntilExit()
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "ok\n")
    }
}
