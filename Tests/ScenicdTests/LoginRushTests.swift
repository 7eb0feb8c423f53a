import Foundation
import ScenicClient
import Testing

/// Opening time: every terminal logs in at once. Each login either succeeds within its
/// deadline or is refused with a retry hint before it (at once when the queue is already
/// too long for it, or when its turn would come too late); none waits in the queue until
/// its deadline passes. `make test` runs it alone: it measures the machine's pace.
@Suite("Logins under a rush", .serialized)
struct LoginRushTests {
    @Test("200 logins at once with a 2 s deadline: each done in time or refused in time with HASHING_BUSY and a retry hint")
    func rush() async throws {
        // About 60 ms a hash: a few dozen fit in 2 s on two cores, 200 cannot.
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "14"])
        let admin = try await ScenicClient.connect(socketPath: daemon.adminSocket, defaultTimeout: .seconds(60))
        var accounts: [(phone: String, password: String)] = []
        for index in 0..<20 {
            let phone = "1380013\(String(format: "%04d", index))"
            accounts.append((phone, try await admin.createDistributor(name: "Desk \(index)", phone: phone).initialPassword))
        }
        await admin.close()
        let clients = try await withThrowingTaskGroup(of: ScenicClient.self) { group in
            for _ in 0..<8 { group.addTask { try await ScenicClient.connect(socketPath: daemon.posSocket, defaultTimeout: .seconds(2)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let outcomes = try await withThrowingTaskGroup(of: (String, Duration, String?).self) { group in
            for attempt in 0..<200 {
                let account = accounts[attempt % accounts.count]
                let client = clients[attempt % clients.count]
                group.addTask {
                    let started = ContinuousClock.now
                    do {
                        _ = try await client.login(phone: account.phone, password: account.password)
                        return ("OK", ContinuousClock.now - started, nil)
                    } catch let error as RPCError {
                        return (error.reason ?? "\(error.code)", ContinuousClock.now - started, error.metadata["retry_after_seconds"])
                    }
                }
            }
            return try await group.reduce(into: [(String, Duration, String?)]()) { $0.append($1) }
        }
        for client in clients { await client.close() }
        let counts = Dictionary(grouping: outcomes, by: \.0).mapValues(\.count)
        #expect(Set(counts.keys).isSubset(of: ["OK", "HASHING_BUSY"]), "\(counts)")
        #expect((counts["OK"] ?? 0) >= 10, "\(counts)")
        #expect(outcomes.filter { $0.0 == "OK" }.allSatisfy { $0.1 < .seconds(2) })
        let refused = outcomes.filter { $0.0 == "HASHING_BUSY" }
        #expect(refused.allSatisfy { Int($0.2 ?? "") ?? 0 >= 1 })
        // Refused before the deadline, not at it; most of them at once.
        #expect(refused.allSatisfy { $0.1 < .seconds(2) }, "\(refused.map(\.1).max() ?? .zero)")
        #expect(refused.filter { $0.1 < .milliseconds(500) }.count * 2 > refused.count)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
