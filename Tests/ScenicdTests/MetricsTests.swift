import Foundation
import ScenicClient
import Testing

/// The daemon's metrics as an operator reads them: `scenic-admin metrics` and an HTTP
/// scrape with curl, both parsed by a real Prometheus text parser (Debian's
/// python3-prometheus-client), with counts that match the calls made.
@Suite("Metrics", .serialized)
struct MetricsTests {
    /// Parses Prometheus text with prometheus_client and prints one `name{labels} value`
    /// line per sample, labels sorted: a parser that rejects the text fails the test.
    static let parser = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                print(f"{sample.name}{{{labels}}} {sample.value}")
        """

    static func parse(_ text: String) async throws -> [String: Double] {
        let parsed = try await CommandResult.run(absolute: "/usr/bin/python3", ["-c", parser], input: text)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        var samples: [String: Double] = [:]
        for line in parsed.stdout.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// A TCP port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(fd, $0, length) == 0, getsockname(fd, $0, &length) == 0 else { throw POSIXError(.EADDRINUSE) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("calls by method and status, group commits and the store's gauges: over the admin socket and scraped over HTTP")
    func metrics() async throws {
        let port = try Self.freePort()
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12", "--metrics-address", "127.0.0.1:\(port)"])
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory]
        func admin(_ arguments: String...) async throws -> CommandResult {
            try await CommandResult.run("scenic-admin", arguments, environment: environment)
        }
        // The health checks made so far (DaemonProcess waits for the daemon with them).
        let health = "scenic_calls_total{code=\"OK\",method=\"grpc.health.v1.Health/Check\",socket=\"pos\"}"
        let before = try await Self.parse(try await admin("metrics").stdout)[health] ?? 0
        #expect(try await admin("distributor", "create", "--name", "Lake Travel", "--phone", "13800138000").status == 0)
        #expect(try await admin("distributor", "create", "--name", "Lake Travel", "--phone", "13800138000").status != 0)
        #expect(try await admin("distributor", "create", "--name", "Other", "--phone", "123").status != 0)
        #expect(try await admin("distributor", "recharge", "1", "10.00").status == 0)
        let client = try await ScenicClient.connect(socketPath: daemon.posSocket)
        for _ in 0..<3 { _ = try await client.health() }
        await client.close()

        let shown = try await admin("metrics")
        #expect(shown.status == 0, "\(shown.stderr)")
        let samples = try await Self.parse(shown.stdout)
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples[name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"]
        }
        let create = "scenic.v1.DistributorAdmin/Create"
        #expect(value("scenic_calls_total", ["socket": "admin", "method": create, "code": "OK"]) == 1)
        #expect(value("scenic_calls_total", ["socket": "admin", "method": create, "code": "ALREADY_EXISTS"]) == 1)
        #expect(value("scenic_calls_total", ["socket": "admin", "method": create, "code": "INVALID_ARGUMENT"]) == 1)
        #expect(samples[health] == before + 3)
        #expect(value("scenic_call_duration_seconds_count", ["socket": "admin", "method": create]) == 3)
        #expect((value("scenic_group_commit_writes_count", [:]) ?? 0) >= 1)
        #expect((value("scenic_database_bytes", [:]) ?? 0) > 0)
        #expect((value("scenic_free_disk_bytes", [:]) ?? 0) > 0)
        #expect(value("scenic_sms_outbox", ["status": "pending"]) != nil)
        #expect(value("scenic_connections", ["socket": "admin"]) == 1)

        // The same over HTTP, for a scraper; anything but GET /metrics is 404.
        let scraped = try await CommandResult.run(absolute: "/usr/bin/curl", ["-fsS", "http://127.0.0.1:\(port)/metrics"])
        #expect(scraped.status == 0, "\(scraped.stderr)")
        let overHTTP = try await Self.parse(scraped.stdout)
        // This scrape counts both `metrics` calls made before it.
        #expect(overHTTP["scenic_calls_total{code=\"OK\",method=\"scenic.v1.Maintenance/Metrics\",socket=\"admin\"}"] == 2)
        #expect(overHTTP[health] == before + 3)
        let missing = try await CommandResult.run(
            absolute: "/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"])
        #expect(missing.stdout == "404")

        let info = try await admin("info")
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("database"), "\(info.stdout)")
        #expect(info.stdout.contains("free disk"), "\(info.stdout)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test("--log-format json writes one JSON object per line")
    func jsonLogs() async throws {
        let daemon = try await DaemonProcess(arguments: ["--log-format", "json", "--log-level", "info"])
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let lines = daemon.readStderr().split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["message"] != nil && object?["time"] != nil, "\(line)")
        }
        #expect(lines.contains { $0.contains("\"message\":\"ready\"") })
    }
}
