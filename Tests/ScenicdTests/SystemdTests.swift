import Foundation
import ScenicClient
import ScenicTestSupport
import Testing

/// Tools of Debian's systemd package, which scripts/install-deps.sh installs, and the
/// repository's units. None of it needs systemd running: these tools stand in for it.
enum Systemd {
    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let socketActivate = tool("systemd-socket-activate")
    static let analyze = tool("systemd-analyze")
    static let sysusers = tool("systemd-sysusers")
    static let missing = "missing: scripts/install-deps.sh installs Debian's systemd package"

    static let packaging = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../packaging/systemd").standardizedFileURL.path
}

@Suite("scenicd under systemd", .serialized)
struct SystemdTests {
    @Test(
        "socket activation: scenicd serves the two sockets it is passed, by name, and leaves them to their owner",
        .enabled(if: Systemd.socketActivate != nil, "systemd-socket-activate \(Systemd.missing)"))
    func socketActivation() async throws {
        let dataDirectory = DaemonProcess.makeDataDirectory()
        // Apart from the data, as the socket units put them in /run/scenic.
        let runDirectory = dataDirectory + "-run"
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        let admin = runDirectory + "/admin.sock"
        let pos = runDirectory + "/pos.sock"
        // pos first: taken in order rather than by name, each socket would serve the other's methods.
        let daemon = try SpawnedProcess(
            [
                try #require(Systemd.socketActivate), "--listen=" + pos, "--listen=" + admin, "--fdname=pos:admin",
                DaemonProcess.binDirectory.appendingPathComponent("scenicd").path, "--data-dir", dataDirectory, "--log-level", "warning",
            ],
            logPath: dataDirectory + ".log")
        // systemd-socket-activate listens at once and execs scenicd in its place (same pid)
        // when the first client connects.
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? await CommandResult.run("scenic-pos", ["health", "--socket", pos]))?.status != 0 {
            guard ContinuousClock.now < deadline else {
                Issue.record("not serving after 20 s: \((try? String(contentsOfFile: dataDirectory + ".log", encoding: .utf8)) ?? "")")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }

        for (client, socket, name) in [("scenic-admin", admin, "admin"), ("scenic-pos", pos, "pos")] {
            let health = try await CommandResult.run(client, ["health", "--socket", socket])
            #expect(health.status == 0 && health.stdout == "SERVING\n", "\(health.stderr)")
            let info = try await CommandResult.run(client, ["info", "--json", "--socket", socket])
            let json = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
            #expect(json?["socket"] as? String == name, "\(info.stdout)\(info.stderr)")
        }
        // The clients' variable names the socket as well as --socket does.
        let byVariable = try await CommandResult.run("scenic-admin", ["health"], environment: ["SCENIC_ADMIN_SOCKET": admin])
        #expect(byVariable.stdout == "SERVING\n", "\(byVariable.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/admin.sock"), "bound a socket of its own")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/pos.sock"), "bound a socket of its own")
        // pos.sock is not in the data directory, so no one else needs to pass through it.
        let mode = try FileManager.default.attributesOfItem(atPath: dataDirectory)[.posixPermissions] as? Int
        #expect(mode == 0o700)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        // systemd keeps listening on them and starts the daemon again for the next client.
        #expect(FileManager.default.fileExists(atPath: admin) && FileManager.default.fileExists(atPath: pos))
    }

    @Test("sd_notify: READY=1 once both sockets answer, WATCHDOG=1 while serving, STOPPING=1 at SIGTERM")
    func notify() async throws {
        let manager = try DatagramSocket(address: TestScratch.path("scenic-notify-"))
        defer { unlink(manager.address) }
        // A watchdog of 0.2 s: a ping every 0.1 s.
        let daemon = try await DaemonProcess(
            environment: ["NOTIFY_SOCKET": manager.address, "WATCHDOG_USEC": "200000"], waitUntilServing: false)

        let ready = try #require(await manager.receive(untilLine: "READY=1"), "no READY=1: \(daemon.readStderr())")
        #expect(ready.contains("STATUS=serving \(daemon.adminSocket) and \(daemon.posSocket)"), "\(ready)")
        // Once READY=1 is sent, both answer at the first try.
        for path in [daemon.adminSocket, daemon.posSocket] {
            let client = try await ScenicClient.connect(socketPath: path)
            #expect(try await client.health().status == .serving)
            await client.close()
        }
        #expect(await manager.receive(untilLine: "WATCHDOG=1", timeout: .seconds(5)) != nil)

        daemon.signal(SIGTERM)
        let stopping = await manager.receive(untilLine: "STOPPING=1")
        #expect(stopping?.contains("STATUS=stopping") == true, "\(stopping ?? "no STOPPING=1")")
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("a NOTIFY_SOCKET nobody listens on is logged, and the daemon serves and stops as usual")
    func notifyNobody() async throws {
        let daemon = try await DaemonProcess(environment: ["NOTIFY_SOCKET": TestScratch.path("scenic-notify-nobody-")])
        let client = try await ScenicClient.connect(socketPath: daemon.adminSocket)
        #expect(try await client.health().status == .serving)
        await client.close()
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        #expect(daemon.readStderr().contains("cannot notify the service manager"))
    }

    /// The unit with ExecStart at the built scenicd, as `make install` writes it with the
    /// installed one, since verify checks that the command exists. Man pages are left out
    /// of the check (`--man=no`): they are there once installed, not in a build tree.
    @Test(
        "systemd-analyze verify accepts the units and systemd-sysusers the sysusers file, without a word",
        .enabled(if: Systemd.analyze != nil && Systemd.sysusers != nil, "systemd-analyze or systemd-sysusers \(Systemd.missing)"))
    func unitsVerify() async throws {
        let directory = TestScratch.folder("scenic-units-")
        let template = try String(contentsOfFile: Systemd.packaging + "/scenicd.service.in", encoding: .utf8)
        try template.replacingOccurrences(of: "@BINDIR@", with: DaemonProcess.binDirectory.path)
            .write(toFile: directory + "/scenicd.service", atomically: true, encoding: .utf8)
        for socket in ["scenicd-admin.socket", "scenicd-pos.socket"] {
            try FileManager.default.copyItem(atPath: Systemd.packaging + "/" + socket, toPath: directory + "/" + socket)
        }
        let units = ["scenicd.service", "scenicd-admin.socket", "scenicd-pos.socket"].map { directory + "/" + $0 }
        // verify exits 0 on mere warnings (an unknown key, say), so its output must be empty too.
        let verify = try await CommandResult.run(absolute: try #require(Systemd.analyze), ["verify", "--man=no"] + units)
        #expect(verify.status == 0 && verify.stderr.isEmpty && verify.stdout.isEmpty, "\(verify.stdout)\(verify.stderr)")

        // An empty root: what it would create on a machine without the user.
        let root = directory + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let sysusers = try await CommandResult.run(
            absolute: try #require(Systemd.sysusers), ["--root=" + root, "--dry-run", Systemd.packaging + "/scenic.conf"])
        // It reports on stderr, what it would do and any complaint, which names file and line.
        #expect(sysusers.status == 0 && !sysusers.stderr.contains("scenic.conf:"), "\(sysusers.stderr)")
        #expect(sysusers.stderr.contains("Creating user 'scenic'"), "\(sysusers.stderr)")
    }
}
