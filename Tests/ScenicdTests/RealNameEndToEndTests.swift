import Foundation
import Testing

/// Real-name tickets through both executables against a real daemon: visitors on a sale,
/// the per-ID limit, QR codes read back by a real decoder, check-in by ID at the gate, and
/// no ID number or name in the clear in the database, its WAL, a backup or the log.
@Suite("Real-name tickets end to end", .serialized)
struct RealNameEndToEndTests {
    static let zhang = "11010519491231002X"
    static let li = "44030419900307123X"

    @Test("sell by real name, QR code read back by zbarimg, check in by ID; the database, WAL, backup and log hold no ID or name")
    func scenario() async throws {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12", "--log-level", "debug"])
        let sessions = daemon.dataDirectory + "-sessions"
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory, "XDG_CONFIG_HOME": sessions]
        func admin(_ arguments: String...) async throws -> CommandResult {
            try await CommandResult.run("scenic-admin", arguments, environment: environment)
        }
        func pos(_ arguments: [String], input: String? = nil) async throws -> CommandResult {
            try await CommandResult.run("scenic-pos", arguments, environment: environment, input: input)
        }
        func ok(_ result: CommandResult) -> String {
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout
        }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)

        let created = try await admin("distributor", "create", "--name", "Hotel Desk", "--phone", "13800138000", "--json")
        let password = try #require(
            (try JSONSerialization.jsonObject(with: Data(ok(created).utf8)) as? [String: Any])?["initialPassword"] as? String)
        _ = ok(try await pos(["login", "--phone", "13800138000", "--password-stdin"], input: password + "\n"))
        _ = ok(try await pos(["passwd", "--password-stdin"], input: "\(password)\nthe desk 2026\n"))
        _ = ok(try await admin(
            "product", "create", "--code", "PARK", "--name", "Park", "--price", "120.00", "--real-name", "per-ticket", "--id-limit", "1"))
        _ = ok(try await admin("distributor", "bind", "1", "--product", "PARK=98.00"))
        _ = ok(try await admin("distributor", "recharge", "1", "1000.00"))

        // Two visitors, their QR codes as PNGs.
        let qrDirectory = daemon.dataDirectory + "-qr"
        let sale = ok(try await pos([
            "sell", "--product", "PARK", "--quantity", "2", "--visit-date", today, "--visitor", "张三丰,\(Self.zhang)",
            "--visitor", "Li Siguang,\(Self.li)", "--qr-dir", qrDirectory,
        ]))
        let codes = sale.split(separator: "\n").compactMap { line in
            line.hasPrefix("voucher ") ? String(line.dropFirst("voucher ".count).prefix(16)) : nil
        }
        #expect(codes.count == 2, "\(sale)")
        for code in codes {
            let decoded = try await CommandResult.run(absolute: "/usr/bin/zbarimg", ["--raw", "-q", "--nodbus", "\(qrDirectory)/\(code).png"])
            #expect(decoded.stdout == code + "\n", "\(decoded.stderr)")
        }

        // The limit of one ticket per ID a day holds, whoever sells; the refusal names the visitor as typed.
        let again = try await pos(["sell", "--product", "PARK", "--visit-date", today, "--visitor", "张三丰,\(Self.zhang)"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("ID_LIMIT_EXCEEDED"), "\(again.stderr)")
        #expect(again.stderr.contains("visitor 1"), "\(again.stderr)")
        let bad = try await pos(["sell", "--product", "PARK", "--visit-date", today, "--visitor", "王五,110105194912310021"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("INVALID_ID_NUMBER"), "\(bad.stderr)")

        // Lists show masked forms only.
        let listed = ok(try await admin("vouchers", "list", "--distributor", "1"))
        #expect(listed.contains("110***********002X"), "\(listed)")
        #expect(!listed.contains(Self.zhang))

        // The gate: by ID, then the same ID again.
        let admitted = ok(try await admin("gate", "check-in", "--id-number", Self.li))
        #expect(admitted.contains(codes[1]), "\(admitted)")
        let twice = try await admin("gate", "check-in", "--id-number", Self.li)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("ALREADY_REDEEMED"), "\(twice.stderr)")

        let revealed = ok(try await admin("vouchers", "reveal", codes[0], "--reason", "lost ticket desk"))
        #expect(revealed.contains(Self.zhang))

        // Nothing in the clear on disk: the database, its WAL, a backup; nor in the log.
        let backup = daemon.dataDirectory + "-backup.sqlite3"
        _ = ok(try await admin("backup", backup))
        let secrets = [Self.zhang, Self.li, "张三丰", "Siguang"]
        for path in [daemon.dataDirectory + "/scenic.sqlite3", daemon.dataDirectory + "/scenic.sqlite3-wal", backup, daemon.logPath] {
            let bytes = FileManager.default.contents(atPath: path) ?? Data()
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(path)")
            }
        }
        let key = daemon.dataDirectory + "/personal-data.key"
        #expect(try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int == 0o600)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        // Another key is refused while sealed data remains; the right one starts.
        let otherKey = daemon.dataDirectory + "-other.key"
        let made = FileManager.default.createFile(
            atPath: otherKey, contents: Data((Data(repeating: 7, count: 32).base64EncodedString() + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        #expect(made)
        let refused = try await CommandResult.run(
            "scenicd", ["--data-dir", daemon.dataDirectory, "--personal-data-key", otherKey])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not the one this store's visitors were sealed with"), "\(refused.stderr)")
        let restarted = try await DaemonProcess(dataDirectory: daemon.dataDirectory, arguments: ["--personal-data-key", key])
        let stillRevealed = try await admin("vouchers", "reveal", codes[0], "--reason", "after restart")
        #expect(stillRevealed.stdout.contains(Self.zhang), "\(stillRevealed.stderr)")
        restarted.signal(SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
    }
}
