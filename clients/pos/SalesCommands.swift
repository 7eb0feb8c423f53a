import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos sell`: sells tickets; each takes its settlement price from the balance.
struct Sell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sell tickets: one voucher code per ticket.", discussion: BuyerOptions.discussion)

    @OptionGroup var tickets: TicketOptions
    @OptionGroup var buyer: BuyerOptions
    @OptionGroup var output: VoucherOutputOptions
    @OptionGroup var requestID: RequestIDOption
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try output.validate(json: connection.json)
    }

    func run() async throws {
        let metadata = try credentials.metadata()
        let visitors = try buyer.visitors()
        var request = Scenic_V1_SellRequest()
        request.productCode = tickets.product
        request.quantity = tickets.quantity
        request.visitDate = tickets.visitDate
        request.slot = tickets.slot
        request.buyerName = buyer.buyerName
        request.buyerPhone = buyer.buyerPhone
        request.visitors = visitors.visitors
        request.requestID = requestID.resolve()
        let sale = try await connection.withClient(
            PointOfSaleRole.self, metadata: metadata, items: visitors.items
        ) { try await $0.sell(request) }
        try output.emit(sale, json: connection.json)
    }
}

struct Balance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show your prepaid balance; with a credit line or holds, what they add or keep aside and what is left to spend.")
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let balance = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) { try await $0.balance() }
        try Output.emit(balance, json: connection.json) {
            balance.heldFen > 0 || balance.creditLimitFen > 0
                ? Output.fields(
                    MoneyViews.balanceRows(
                        balanceFen: balance.balanceFen, heldFen: balance.heldFen, creditLimitFen: balance.creditLimitFen,
                        creditUsedFen: balance.creditUsedFen, availableFen: balance.availableFen))
                : Output.money(balance.balanceFen)
        }
    }
}

struct Ledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every change of your balance, oldest first.")
    @OptionGroup var range: LedgerRangeOptions
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let page = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) { try await $0.myLedger(range.request()) }
        try Output.emit(page, json: connection.json) { MoneyViews.ledger(page) }
    }
}

struct Vouchers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your vouchers, newest sale first.")
    @OptionGroup var filter: VoucherFilterOptions
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let page = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) { try await $0.myVouchers(filter.filter) }
        try Output.emit(page, json: connection.json) { MoneyViews.vouchers(page.vouchers, nextPageToken: page.nextPageToken) }
    }
}

struct Statement: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your statement for a period, with the check that it balances.")
    @Option(help: "First day, YYYY-MM-DD.") var from: String
    @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let statement = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) {
            try await $0.myStatement(from: from, to: to)
        }
        try Output.emit(statement, json: connection.json) { StatementView.text(statement) }
    }
}
