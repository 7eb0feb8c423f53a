import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos sell`: sells tickets; each takes its settlement price from the balance.
struct Sell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sell tickets: one voucher code per ticket.")

    @Option(help: "The product's code.") var product: String
    @Option(help: "Tickets, 1–100.") var quantity: Int32 = 1
    @Option(help: "The visit date, YYYY-MM-DD (today or later).") var visitDate: String
    @Option(help: "The time slot, HH:MM-HH:MM: required on a date that sells by slot (see `availability`).") var slot: String = ""
    @Option(help: "The visitor's name (optional).") var buyerName: String = ""
    @Option(help: "The visitor's mobile number (optional).") var buyerPhone: String = ""
    @OptionGroup var requestID: RequestIDOption
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        var request = Scenic_V1_SellRequest()
        request.productCode = product
        request.quantity = quantity
        request.visitDate = visitDate
        request.slot = slot
        request.buyerName = buyerName
        request.buyerPhone = buyerPhone
        request.requestID = requestID.resolve()
        let sale = try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) { try await $0.sell(request) }
        try Output.emit(sale, json: connection.json) {
            (["order \(sale.orderID): charged ¥\(Output.yuan(sale.amountFen)), balance ¥\(Output.yuan(sale.balanceAfterFen))"]
                + sale.voucherCodes.map { "voucher \($0)" }).joined(separator: "\n")
        }
    }
}

struct Balance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show your prepaid balance.")
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let balance = try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) { try await $0.balance() }
        try Output.emit(balance, json: connection.json) { "¥" + Output.yuan(balance.balanceFen) }
    }
}

struct Ledger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every change of your balance, oldest first.")
    @OptionGroup var range: LedgerRangeOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let page = try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) { try await $0.myLedger(range.request()) }
        try Output.emit(page, json: connection.json) { MoneyViews.ledger(page) }
    }
}

struct Vouchers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your vouchers, newest sale first.")
    @OptionGroup var filter: VoucherFilterOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let page = try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) { try await $0.myVouchers(filter.filter) }
        try Output.emit(page, json: connection.json) { MoneyViews.vouchers(page.vouchers, nextPageToken: page.nextPageToken) }
    }
}

struct Refund: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refund your unused, refundable vouchers before their visit date ends; all or nothing.")
    @Argument(help: "Voucher codes.") var codes: [String]
    @OptionGroup var requestID: RequestIDOption
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let refund = try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) {
            try await $0.refund(codes: codes, requestID: requestID.resolve())
        }
        try Output.emit(refund, json: connection.json) {
            "refunded \(refund.vouchers.count) voucher(s): ¥\(Output.yuan(refund.refundedFen)); balance ¥\(Output.yuan(refund.balanceAfterFen))"
        }
    }
}

struct Statement: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Your statement for a period, with the check that it balances.")
    @Option(help: "First day, YYYY-MM-DD.") var from: String
    @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let statement = try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) {
            try await $0.myStatement(from: from, to: to)
        }
        try Output.emit(statement, json: connection.json) { StatementView.text(statement) }
    }
}
