import Foundation
import ScenicClient
import Testing

@Suite("scenicd as a process", .serialized)
struct DaemonTests {
    @Test("start: sockets with their modes, both serve health and server info")
    func startsAndServes() async throws {
        let daemon = try await DaemonProcess()
        let admin = try FileManager.default.attributesOfItem(atPath: daemon.adminSocket)
        let pos = try FileManager.default.attributesOfItem(atPath: daemon.posSocket)
        #expect((admin[.posixPermissions] as? Int) == 0o600)
        #expect((pos[.posixPermissions] as? Int) == 0o666)
        for (path, name) in [(daemon.adminSocket, "admin"), (daemon.posSocket, "pos")] {
            let client = try await ScenicClient.connect(socketPath: path)
            #expect(try await client.health().status == .serving)
            let info = try await client.serverInfo()
            #expect(info.socket == name)
            #expect(info.schemaVersion >= 1)
            #expect(info.methods.contains("grpc.health.v1.Health/Check"))
            await client.close()
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("a second daemon on the same data directory is refused in one line")
    func secondDaemonRefused() async throws {
        let daemon = try await DaemonProcess()
        let second = try await CommandResult.run("scenicd", ["--data-dir", daemon.dataDirectory])
        #expect(second.status != 0)
        #expect(second.stderr.contains("another scenicd"))
        #expect(second.stderr.split(separator: "\n").count == 1, "not one line: \(second.stderr)")

        // Another data directory but the same socket path: the live socket is not stolen.
        let other = DaemonProcess.makeDataDirectory()
        let third = try await CommandResult.run("scenicd", ["--data-dir", other, "--pos-socket", daemon.posSocket])
        #expect(third.status != 0)
        #expect(third.stderr.contains("another daemon is listening on \(daemon.posSocket)"))
        #expect(!FileManager.default.fileExists(atPath: other + "/admin.sock"), "the failed start left its admin socket")

        let client = try await ScenicClient.connect(socketPath: daemon.posSocket)
        #expect(try await client.health().status == .serving)
        await client.close()
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("after kill -9 the stale sockets are replaced and the data is reopened")
    func restartAfterCrash() async throws {
        let first = try await DaemonProcess()
        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        #expect(FileManager.default.fileExists(atPath: first.posSocket), "kill -9 should leave the socket file behind")
        let second = try await DaemonProcess(dataDirectory: first.dataDirectory)
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }

    @Test("SIGTERM with calls in flight: every call is answered, exit 0, sockets removed")
    func sigtermWithCallsInFlight() async throws {
        let daemon = try await DaemonProcess()
        let client = try await ScenicClient.connect(socketPath: daemon.posSocket)
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<300 {
                group.addTask {
                    do {
                        return "\(try await client.health().status)"
                    } catch let error as RPCError {
                        return "\(error.code)"
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(5))
            daemon.signal(SIGTERM)
            var outcomes: [String] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count == 300)
        // Answered before shutdown, or refused as the daemon went away; never left hanging.
        #expect(Set(outcomes).isSubset(of: ["serving", "notServing", "UNAVAILABLE"]), "\(Set(outcomes))")
        #expect(try await daemon.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.adminSocket))
        #expect(!FileManager.default.fileExists(atPath: daemon.posSocket))
        await client.close()
    }

    @Test("the CLIs: health, info --json, and a one-line hint when no daemon runs")
    func clients() async throws {
        let daemon = try await DaemonProcess()
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory]
        let health = try await CommandResult.run("scenic-admin", ["health"], environment: environment)
        #expect(health.status == 0)
        #expect(health.stdout == "SERVING\n")
        let info = try await CommandResult.run("scenic-pos", ["info", "--json"], environment: environment)
        #expect(info.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        #expect(json?["socket"] as? String == "pos")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        let down = try await CommandResult.run("scenic-pos", ["health", "--socket", daemon.posSocket])
        #expect(down.status == 1)
        #expect(down.stderr.hasPrefix("error: UNAVAILABLE: cannot connect to \(daemon.posSocket)"))
        #expect(down.stderr.contains("hint: is scenicd running?"))
        #expect(down.stdout.isEmpty)
    }
}
