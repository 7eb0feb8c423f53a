import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos products`: what this point of sale may sell, at which price.
struct Products: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the products you may sell and what each costs you.")

    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let sellable = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) {
            try await $0.sellableProducts()
        }
        try Output.emit(sellable, json: connection.json) {
            Output.table(
                ["CODE", "NAME", "RETAIL", "YOUR PRICE", "REFUNDABLE", "VALID DAYS", "REAL NAME"],
                sellable.products.map {
                    [$0.code, $0.name, Output.yuan($0.retailPriceFen), Output.yuan($0.settlementPriceFen),
                     $0.refundRule == .nonRefundable ? "no" : "yes", "\($0.validDays)", RealNameView.rules($0.realName)]
                })
        }
    }
}
