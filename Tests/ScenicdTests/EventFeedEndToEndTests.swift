import Foundation
import Testing

/// The event feed as an integrator's bridge uses it: `scenic-pos events --follow --exec`
/// with an API key, across a restart of the daemon and of the follower itself.
@Suite("Event feed end to end", .serialized)
struct EventFeedEndToEndTests {
    @Test("a follower with an API key sees every redemption in order, no gap and no loss, across a daemon restart and its own")
    func followAcrossRestarts() async throws {
        var daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12"])
        let directory = daemon.dataDirectory
        let sessions = directory + "-sessions"
        let environment = ["SCENIC_DATA_DIR": directory, "XDG_CONFIG_HOME": sessions]
        func admin(_ arguments: String...) async throws -> CommandResult {
            try await CommandResult.run("scenic-admin", arguments, environment: environment)
        }
        func pos(_ arguments: [String], input: String? = nil) async throws -> CommandResult {
            try await CommandResult.run("scenic-pos", arguments, environment: environment, input: input)
        }
        let created = try await admin("distributor", "create", "--name", "OTA", "--phone", "13800138000", "--json")
        let password = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["initialPassword"] as? String)
        #expect(try await pos(["login", "--phone", "13800138000", "--password-stdin"], input: password + "\n").status == 0)
        #expect(try await pos(["passwd", "--password-stdin"], input: "\(password)\nota bridge 2026\n").status == 0)
        #expect(try await admin("product", "create", "--code", "GATE", "--name", "Gate", "--price", "120.00").status == 0)
        #expect(try await admin("distributor", "bind", "1", "--product", "GATE=98.00").status == 0)
        #expect(try await admin("distributor", "recharge", "1", "1000.00").status == 0)
        let key = try await admin("distributor", "api-key", "create", "1", "--name", "bridge", "--scopes", "read,sell", "--json")
        let secret = try #require(
            (try JSONSerialization.jsonObject(with: Data(key.stdout.utf8)) as? [String: Any])?["secret"] as? String)
        let keyFile = directory + "-bridge.key"
        #expect(FileManager.default.createFile(atPath: keyFile, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]))

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let sale = try await pos(["sell", "--product", "GATE", "--quantity", "9", "--visit-date", today, "--no-qr", "--api-key-file", keyFile])
        let codes = sale.stdout.split(separator: "\n").compactMap { $0.hasPrefix("voucher ") ? String($0.dropFirst(8).prefix(16)) : nil }
        #expect(codes.count == 9, "\(sale.stdout) \(sale.stderr)")

        // The bridge: appends each event's voucher code (or kind) to a file.
        let received = directory + "-received.txt"
        let cursor = directory + "-bridge.cursor"
        _ = FileManager.default.createFile(atPath: received, contents: nil)
        let hook = "python3 -c 'import json,sys; e=json.load(sys.stdin); print(e.get(\"voucherCode\") or e[\"kind\"])' >> \(received)"
        func startFollower() throws -> Process {
            let process = Process()
            process.executableURL = DaemonProcess.binDirectory.appendingPathComponent("scenic-pos")
            process.arguments = ["events", "--follow", "--exec", hook, "--cursor-file", cursor, "--api-key-file", keyFile]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        func redeemed() -> [String] {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                .filter { $0.count == 16 }
        }
        func waitFor(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while redeemed().count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        }

        var follower = try startFollower()
        for code in codes[0..<3] { #expect(try await admin("vouchers", "redeem", code).status == 0) }
        try await waitFor(3)
        // The daemon stops and starts again; the follower polls on by itself.
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        daemon = try await DaemonProcess(dataDirectory: directory, arguments: ["--scrypt-log-n", "12"])
        for code in codes[3..<6] { #expect(try await admin("vouchers", "redeem", code).status == 0) }
        try await waitFor(6)
        // The follower stops; events come meanwhile; it starts again from its cursor.
        follower.interrupt()
        follower.waitUntilExit()
        for code in codes[6..<9] { #expect(try await admin("vouchers", "redeem", code).status == 0) }
        follower = try startFollower()
        try await waitFor(9)
        follower.interrupt()
        follower.waitUntilExit()
        #expect(redeemed() == codes, "\(redeemed())")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("ten idle followers long-polling the admin feed cost the daemon next to no CPU")
    func idleFollowers() async throws {
        let daemon = try await DaemonProcess()
        let followers = try (0..<10).map { _ in
            let process = Process()
            process.executableURL = DaemonProcess.binDirectory.appendingPathComponent("scenic-admin")
            process.arguments = ["events", "--follow", "--socket", daemon.adminSocket]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        try await Task.sleep(for: .seconds(2))
        let before = try #require(daemon.statistics.cpuTime)
        try await Task.sleep(for: .seconds(5))
        let spent = try #require(daemon.statistics.cpuTime) - before
        #expect(followers.allSatisfy { $0.isRunning })
        // Ten calls waiting on a continuation each, and the daemon's hourly chores asleep:
        // a few clock ticks at most in five seconds.
        #expect(spent < .milliseconds(100), "\(spent)")
        for follower in followers {
            follower.interrupt()
            follower.waitUntilExit()
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
