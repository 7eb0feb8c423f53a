import Foundation
import Testing

@Suite("Catalog end to end", .serialized)
struct CatalogEndToEndTests {
    @Test("10,000 products import in seconds through the CLI and page through `product list` once each")
    func bulkImport() async throws {
        let daemon = try await DaemonProcess()
        let environment = ["SCENIC_DATA_DIR": daemon.dataDirectory]
        var csv = "code,name,price,refundable,valid_days\n"
        for index in 0..<10_000 {
            csv += "P\(index),\"Ticket \(index), \"\"standard\"\"\",\(index % 500 + 1).\(index % 100 < 10 ? "0" : "")\(index % 100),yes,1\n"
        }
        let file = daemon.dataDirectory + "-products.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)

        let started = ContinuousClock.now
        let imported = try await CommandResult.run("scenic-admin", ["product", "import", file], environment: environment)
        let elapsed = ContinuousClock.now - started
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 10000 products"))
        #expect(elapsed < .seconds(30), "import took \(elapsed)")

        var codes: [String] = []
        var token = ""
        repeat {
            var arguments = ["product", "list", "--json", "--page-size", "500"]
            if !token.isEmpty { arguments += ["--page-token", token] }
            let page = try await CommandResult.run("scenic-admin", arguments, environment: environment)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(page.stdout.utf8)) as? [String: Any])
            codes += (json["products"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            token = json["nextPageToken"] as? String ?? ""
        } while !token.isEmpty
        #expect(codes.count == 10_000)
        #expect(Set(codes).count == 10_000)
        #expect(Set(codes) == Set((0..<10_000).map { "P\($0)" }))

        let one = try await CommandResult.run("scenic-admin", ["product", "show", "P1234", "--json"], environment: environment)
        let product = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        #expect(product["name"] as? String == "Ticket 1234, \"standard\"")
        #expect(product["retailPriceFen"] as? String == "\(1234 % 500 + 1)34")

        // The same file again: every code is taken, nothing changes.
        let again = try await CommandResult.run("scenic-admin", ["product", "import", file], environment: environment)
        #expect(again.status == 1)
        #expect(again.stderr.contains("\(file) line 2, code: a product with this code exists (CODE_TAKEN)"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
