import Foundation
import ScenicClient
import Synchronization
import Testing

/// What the workers learned: the first answer to each request id they got back.
private final class Acknowledgements: Sendable {
    private let answers = Mutex<[String: String]>([:])
    func record(_ id: String, _ answer: String) { answers.withLock { $0[id] = $0[id] ?? answer } }
    var all: [String: String] { answers.withLock { $0 } }
}

/// Runs sqlite3 on a stopped daemon's database.
private func sqlite(_ path: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite("Crash safety", .serialized)
struct CrashTests {
    static let sells = 60
    static let recharges = 20
    static let price: Int64 = 1_000
    static let opening: Int64 = 100_000
    static let rechargeFen: Int64 = 500

    @Test("kill -9 at random moments under concurrent sells and recharges: nothing acknowledged is lost, nothing applied twice")
    func killNineCycles() async throws {
        let directory = DaemonProcess.makeDataDirectory()
        var daemon = try await DaemonProcess(dataDirectory: directory, arguments: ["--scrypt-log-n", "12"])
        let environment = ["SCENIC_DATA_DIR": directory, "XDG_CONFIG_HOME": directory + "-config"]
        let created = try await CommandResult.run(
            "scenic-admin", ["distributor", "create", "--name", "Crash Test", "--phone", "13800138000", "--json"], environment: environment)
        let password = try #require(
            (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["initialPassword"] as? String)
        for arguments in [
            ["product", "create", "--code", "GATE", "--name", "Gate", "--price", "120"],
            ["distributor", "bind", "1", "--product", "GATE=10.00"],
            ["distributor", "recharge", "1", "1000.00", "--request-id", "opening"],
        ] {
            #expect(try await CommandResult.run("scenic-admin", arguments, environment: environment).status == 0)
        }
        let pos = try await ScenicClient.connect(socketPath: daemon.posSocket)
        let token = try await pos.login(phone: "13800138000", password: password).sessionToken
        let session = try await ScenicClient.connect(socketPath: daemon.posSocket, metadata: [ScenicClient.sessionMetadataKey: token])
        try await session.changePassword(old: password, new: "crash test 1")
        await pos.close()
        await session.close()

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date().addingTimeInterval(86_400))
        let visitDate = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)

        let acknowledged = Acknowledgements()
        let operations = (0..<Self.sells).map { "sell-\($0)" } + (0..<Self.recharges).map { "recharge-\($0)" }
        var cycles = 0
        var killed = 0
        var unanswered = 0
        while Set(acknowledged.all.keys).count < operations.count || cycles < 5 {
            cycles += 1
            let pending = operations.filter { acknowledged.all[$0] == nil }
            let admin = try await ScenicClient.connect(socketPath: daemon.adminSocket, defaultTimeout: .seconds(10))
            let seller = try await ScenicClient.connect(
                socketPath: daemon.posSocket, metadata: [ScenicClient.sessionMetadataKey: token], defaultTimeout: .seconds(10))
            // Every cycle also repeats a few answered ids: they must replay, not re-apply.
            let replays = Array(acknowledged.all.keys.prefix(5))
            let kill = cycles <= 5
            let current = daemon
            await withTaskGroup(of: Void.self) { group in
                for (index, id) in (pending + replays).enumerated() {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(index * 7))
                        do {
                            if id.hasPrefix("sell") {
                                var request = Scenic_V1_SellRequest()
                                request.requestID = id
                                request.productCode = "GATE"
                                request.quantity = 1
                                request.visitDate = visitDate
                                let sale = try await seller.sell(request)
                                acknowledged.record(id, "order \(sale.orderID) \(sale.voucherCodes.joined(separator: ","))")
                            } else {
                                var request = Scenic_V1_RechargeRequest()
                                request.requestID = id
                                request.distributorID = 1
                                request.amountFen = Self.rechargeFen
                                let change = try await admin.recharge(request)
                                acknowledged.record(id, "entry \(change.entry.id)")
                            }
                        } catch {}
                    }
                }
                if kill {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 20...250)))
                        current.signal(SIGKILL)
                    }
                }
            }
            await admin.close()
            await seller.close()
            if kill {
                _ = try await daemon.waitForExit()
                killed += 1
                unanswered += pending.filter { acknowledged.all[$0] == nil }.count
            } else {
                daemon.signal(SIGTERM)
                #expect(try await daemon.waitForExit() == 0)
            }
            #expect(cycles < 20, "operations never all completed")
            if cycles >= 20 { break }
            daemon = try await DaemonProcess(dataDirectory: directory, arguments: ["--scrypt-log-n", "12"])
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        let database = directory + "/scenic.sqlite3"
        #expect(killed == 5)
        #expect(unanswered > 0, "no kill landed while calls were in flight")
        #expect(try sqlite(database, "PRAGMA integrity_check") == "ok")
        // Every operation is there exactly once.
        #expect(try sqlite(database, "SELECT count(*) FROM sale_order") == "\(Self.sells)")
        #expect(try sqlite(database, "SELECT count(*) FROM ledger_entry WHERE kind = 'recharge'") == "\(Self.recharges + 1)")
        // Each acknowledged sale is the order it named.
        for (id, answer) in acknowledged.all where id.hasPrefix("sell") {
            let order = answer.split(separator: " ")[1]
            let codes = answer.split(separator: " ")[2]
            #expect(try sqlite(database, "SELECT group_concat(code) FROM (SELECT code FROM voucher WHERE order_id = \(order) ORDER BY id)") == String(codes))
        }
        let expected = Self.opening + Int64(Self.recharges) * Self.rechargeFen - Int64(Self.sells) * Self.price
        #expect(try sqlite(database, "SELECT balance_fen FROM distributor WHERE id = 1") == "\(expected)")
        #expect(try sqlite(database, "SELECT sum(amount_fen) FROM ledger_entry WHERE distributor_id = 1") == "\(expected)")
        #expect(try sqlite(database, "SELECT min(balance_after_fen) >= 0 FROM ledger_entry") == "1")
    }
}
