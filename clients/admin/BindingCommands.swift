import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin distributor bind|set-price|unbind|products`: what a distributor may sell.
extension DistributorCommand {
    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorize products at their settlement prices, all or nothing.",
            discussion: """
                A product already bound is refused (ALREADY_BOUND): change its price with set-price. \
                --from-csv reads code,settlement_price rows (yuan) under a header row.
                """)
        @Argument(help: "The distributor's id.") var id: Int64
        @Option(name: .customLong("product"), help: "CODE=YUAN, repeatable.", transform: Yuan.pricedCode)
        var items: [(code: String, fen: Int64)] = []
        @Option(help: "A CSV file of code,settlement_price rows.") var fromCsv: String?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard items.isEmpty != (fromCsv == nil) else { throw ValidationError("give --product … or --from-csv FILE") }
        }

        func run() async throws {
            let batch = try fromCsv.map(ImportFile.bindings) ?? items.map { ($0.code, $0.fen) }
            let bindings = try await connection.withClient(AdminRole.self) { try await $0.bind(distributorID: id, batch) }
            try Output.emit(bindings, json: connection.json) { BindingView.table(bindings) }
        }
    }

    struct SetPrice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-price", abstract: "Change settlement prices of bound products, all or nothing.")
        @Argument(help: "The distributor's id.") var id: Int64
        @Argument(help: "CODE=YUAN …", transform: Yuan.pricedCode) var items: [(code: String, fen: Int64)]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let bindings = try await connection.withClient(AdminRole.self) {
                try await $0.bind(distributorID: id, items.map { ($0.code, $0.fen) }, setPrice: true)
            }
            try Output.emit(bindings, json: connection.json) { BindingView.table(bindings) }
        }
    }

    struct Unbind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw products, all or nothing; the distributor can no longer sell them.")
        @Argument(help: "The distributor's id.") var id: Int64
        @Argument(help: "Product codes.") var codes: [String]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let bindings = try await connection.withClient(AdminRole.self) { try await $0.unbind(distributorID: id, codes: codes) }
            try Output.emit(bindings, json: connection.json) { BindingView.table(bindings) }
        }
    }

    struct Products: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a distributor's bound products and settlement prices.")
        @Argument(help: "The distributor's id.") var id: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let bindings = try await connection.withClient(AdminRole.self) { try await $0.bindings(distributorID: id) }
            try Output.emit(bindings, json: connection.json) { BindingView.table(bindings) }
        }
    }
}

enum BindingView {
    static func table(_ response: Scenic_V1_BindingsResponse) -> String {
        Output.table(
            ["CODE", "NAME", "RETAIL", "SETTLEMENT", "STATUS", "BOUND SINCE"],
            response.bindings.map {
                [$0.product.code, $0.product.name, Output.yuan($0.product.retailPriceFen), Output.yuan($0.settlementPriceFen),
                 $0.product.status == .onSale ? "on sale" : "archived", $0.boundAt]
            })
    }
}
