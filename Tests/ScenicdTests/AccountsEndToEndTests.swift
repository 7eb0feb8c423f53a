import Foundation
import ScenicClient
import Testing

/// The distributor-account scenario with a real daemon and both real executables.
@Suite("Distributor accounts end to end", .serialized)
struct AccountsEndToEndTests {
    let daemon: DaemonProcess
    let environment: [String: String]
    let sessions: String

    init() async throws {
        daemon = try await DaemonProcess(arguments: ["--log-level", "debug", "--scrypt-log-n", "12"])
        sessions = daemon.dataDirectory + "-sessions"
        environment = ["SCENIC_DATA_DIR": daemon.dataDirectory, "XDG_CONFIG_HOME": sessions]
    }

    func admin(_ arguments: String...) async throws -> CommandResult {
        try await CommandResult.run("scenic-admin", arguments, environment: environment)
    }

    func pos(_ arguments: [String], input: String? = nil) async throws -> CommandResult {
        try await CommandResult.run("scenic-pos", arguments, environment: environment, input: input)
    }

    func login(_ phone: String, _ password: String, session: String) async throws -> CommandResult {
        try await pos(["login", "--phone", phone, "--password-stdin", "--session-file", sessions + "/" + session], input: password + "\n")
    }

    func whoami(session: String) async throws -> CommandResult {
        try await pos(["whoami", "--session-file", sessions + "/" + session])
    }

    func token(of session: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: sessions + "/" + session))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])["token"] as? String ?? ""
    }

    /// The SMS lines sent to `phone` so far, waiting a little for the sender.
    func smsTexts(to phone: String, count: Int) async throws -> [String] {
        for _ in 0..<100 {
            let log = (try? String(contentsOfFile: daemon.dataDirectory + "/sms.log", encoding: .utf8)) ?? ""
            let texts = log.split(separator: "\n").compactMap { line -> String? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                    object["phone"] == phone
                else { return nil }
                return object["text"]
            }
            if texts.count >= count { return texts }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonProcess.DaemonFailed(stderr: "no SMS to \(phone)")
    }

    @Test("create → SMS → login → forced passwd → whoami; disable; reset; throttled logins; no secret left on disk or in the log")
    func scenario() async throws {
        let created = try await admin("distributor", "create", "--name", "West Lake Travel", "--phone", "138 0013 8000", "--json")
        #expect(created.status == 0, "\(created.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        let initial = try #require(json["initialPassword"] as? String)
        let id = try #require((json["distributor"] as? [String: Any])?["id"] as? String)

        let sms = try await smsTexts(to: "13800138000", count: 1)
        #expect(sms[0].contains(initial))
        #expect(sms[0].contains("13800138000"))

        let first = try await login("13800138000", initial, session: "first.json")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("initial password"))
        let attrs = try FileManager.default.attributesOfItem(atPath: sessions + "/first.json")
        #expect((attrs[.posixPermissions] as? Int) == 0o600)

        let blocked = try await whoami(session: "first.json")
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("FAILED_PRECONDITION"))
        #expect(blocked.stderr.contains("PASSWORD_CHANGE_REQUIRED"))

        let chosen = "lake view 2026"
        let passwd = try await pos(["passwd", "--password-stdin", "--session-file", sessions + "/first.json"], input: "\(initial)\n\(chosen)\n")
        #expect(passwd.status == 0, "\(passwd.stderr)")
        let me = try await whoami(session: "first.json")
        #expect(me.status == 0, "\(me.stderr)")
        #expect(me.stdout.contains("West Lake Travel"))
        #expect(me.stdout.contains("¥0.00"))

        // Disable: the open session is refused at once, and so is a login.
        #expect(try await admin("distributor", "disable", id).status == 0)
        let afterDisable = try await whoami(session: "first.json")
        #expect(afterDisable.status == 1)
        #expect(afterDisable.stderr.contains("UNAUTHENTICATED"))
        #expect(try await login("13800138000", chosen, session: "refused.json").stderr.contains("DISTRIBUTOR_DISABLED"))
        #expect(try await admin("distributor", "enable", id).status == 0)

        // Reset: the old password and the sessions opened with it end.
        #expect(try await login("13800138000", chosen, session: "second.json").status == 0)
        let secondToken = try token(of: "second.json")
        let reset = try await admin("distributor", "reset-password", id, "--json")
        #expect(reset.status == 0)
        let resetPassword = try #require(
            (try JSONSerialization.jsonObject(with: Data(reset.stdout.utf8)) as? [String: Any])?["initialPassword"] as? String)
        #expect(try await whoami(session: "second.json").stderr.contains("UNAUTHENTICATED"))
        #expect(try await login("13800138000", chosen, session: "old.json").stderr.contains("INVALID_CREDENTIALS"))
        #expect(try await smsTexts(to: "13800138000", count: 2)[1].contains(resetPassword))
        let third = try await login("13800138000", resetPassword, session: "third.json")
        #expect(third.status == 0)
        let thirdToken = try token(of: "third.json")

        // Five wrong passwords in a row are answered as such; then this Unix user must wait
        // before trying the phone again, twice as long after each further failure. The
        // first waits are a second or two, which starting the next client can outlast on a
        // busy machine: the test fails on until the wait is 8 s, then tries the right one.
        for attempt in 1...5 {
            #expect(try await login("13800138000", "wrong \(attempt)", session: "wrong.json").stderr.contains("INVALID_CREDENTIALS"))
        }
        var wait = 0
        for attempt in 6...40 where wait < 8 {
            let refused = try await login("13800138000", "wrong \(attempt)", session: "wrong.json").stderr
            guard refused.contains("LOGIN_THROTTLED") else { continue }
            wait = Int(refused.firstMatch(of: /try again in (\d+) s/)?.1 ?? "") ?? 0
            if wait < 8 { try await Task.sleep(for: .seconds(wait)) }
        }
        #expect(wait >= 8)
        #expect(try await login("13800138000", resetPassword, session: "wrong.json").stderr.contains("LOGIN_THROTTLED"))
        let audit = try await admin("audit", "list", "--target", "distributor:\(id)")
        #expect(audit.stdout.contains("scenic.v1.DistributorAdmin/Disable"))
        #expect(try await admin("sms", "list").stdout.contains("[redacted]"))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        // Nothing the daemon keeps or logs holds a password or a token in plain text.
        let secrets = [initial, chosen, resetPassword, secondToken, thirdToken, try token(of: "first.json")]
        var files = try FileManager.default.contentsOfDirectory(atPath: daemon.dataDirectory)
            .filter { $0.hasPrefix("scenic.sqlite3") }.map { daemon.dataDirectory + "/" + $0 }
        files.append(daemon.logPath)
        #expect(files.contains { $0.hasSuffix("scenic.sqlite3") })
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret in plain text")
            }
        }
    }
}
