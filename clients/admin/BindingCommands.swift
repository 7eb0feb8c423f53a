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
        @Option(name: .customLong("product"), help: "CODE=YUAN, repeatable.", transform: Given.parsing(Yuan.pricedCode))
        var items: [Given<(code: String, fen: Int64)>] = []
        @Option(help: "A CSV file of code,settlement_price rows.") var fromCsv: String?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard items.isEmpty != (fromCsv == nil) else { throw ValidationError("give --product … or --from-csv FILE") }
        }

        func run() async throws {
            let batch = try fromCsv.map(ImportFile.bindings) ?? items.map { ("--product " + $0.text, $0.value.code, $0.value.fen) }
            let bindings = try await connection.withClient(AdminRole.self, items: BindingView.items(batch)) {
                try await $0.bind(distributorID: id, batch.map { ($0.code, $0.fen) })
            }
            try Output.emit(bindings, json: connection.json) { BindingView.table(bindings) }
        }
    }

    struct SetPrice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-price", abstract: "Change settlement prices of bound products, all or nothing.")
        @Argument(help: "The distributor's id.") var id: Int64
        @Argument(help: "CODE=YUAN …", transform: Given.parsing(Yuan.pricedCode)) var items: [Given<(code: String, fen: Int64)>]
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let batch: PricedBatch = items.map { ($0.text, $0.value.code, $0.value.fen) }
            let bindings = try await connection.withClient(AdminRole.self, items: BindingView.items(batch)) {
                try await $0.bind(distributorID: id, batch.map { ($0.code, $0.fen) }, setPrice: true)
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
            let given = RequestItems(field: "product_codes", origins: codes)
            let bindings = try await connection.withClient(AdminRole.self, items: given) {
                try await $0.unbind(distributorID: id, codes: codes)
            }
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

/// Products and settlement prices of a batch, each with where it was given:
/// `--product BOAT=90.00`, `BOAT=90.00` for set-price, `bindings.csv line 3`.
typealias PricedBatch = [(origin: String, code: String, fen: Int64)]

enum BindingView {
    /// The batch as the request's `items`: the origin shows both the code and the price,
    /// so a refusal of either says the origin alone.
    static func items(_ batch: PricedBatch) -> RequestItems {
        RequestItems(
            field: "items", items: batch.map { RequestItems.Item(origin: $0.origin, priceFen: $0.fen) },
            parts: ["product_code": "", "settlement_price_fen": ""])
    }

    static func table(_ response: Scenic_V1_BindingsResponse) -> String {
        Output.table(
            ["CODE", "NAME", "RETAIL", "SETTLEMENT", "STATUS", "BOUND SINCE"],
            response.bindings.map {
                [$0.product.code, $0.product.name, Output.yuan($0.product.retailPriceFen), Output.yuan($0.settlementPriceFen),
                 $0.product.status == .onSale ? "on sale" : "archived", $0.boundAt]
            })
    }
}
