#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// `scenic-pos sell`: sells tickets; each takes its settlement price from the balance.
struct Sell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sell tickets: one voucher code per ticket.",
        discussion: """
            A real-name product (see `products`) names its visitors: one per ticket or one for the order, \
            with --visitor in ticket order or a --visitors-csv file with the header name,id_number[,id_type]. \
            TYPE is resident-id (the default), passport, hk-macao-permit, taiwan-permit or \
            foreign-permanent-resident. A visitor the daemon refuses is named as given: \
            "visitor 2 (--visitor …)" or "FILE line 3".
            """)

    @Option(help: "The product's code.") var product: String
    @Option(help: "Tickets, 1–100.") var quantity: Int32 = 1
    @Option(help: "The visit date, YYYY-MM-DD (today or later).") var visitDate: String
    @Option(help: "The time slot, HH:MM-HH:MM: required on a date that sells by slot (see `availability`).") var slot: String = ""
    @Option(help: "The buyer's name (optional).") var buyerName: String = ""
    @Option(help: "The buyer's mobile number (optional).") var buyerPhone: String = ""
    @Option(
        name: .customLong("visitor"),
        help: ArgumentHelp("A visitor of a real-name product, repeatable, in ticket order.", valueName: "NAME,ID_NUMBER[,TYPE]"),
        transform: VisitorOption.init(parsing:))
    var visitorOptions: [VisitorOption] = []
    @Option(help: "A CSV file of the visitors: name,id_number[,id_type] under a header row (names may hold commas there).")
    var visitorsCsv: String?
    @Flag(
        inversion: .prefixedNo,
        help: "Draw each voucher's QR code in the terminal (default: when standard output is a terminal and --json is off).")
    var qr: Bool?
    @OptionGroup var qrDirectory: QRDirectoryOption
    @OptionGroup var requestID: RequestIDOption
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard visitorOptions.isEmpty || visitorsCsv == nil else { throw ValidationError("give --visitor … or --visitors-csv FILE, not both") }
        guard !(connection.json && qr == true) else {
            throw ValidationError("--qr draws on standard output, which --json keeps for JSON: use --qr-dir DIR")
        }
    }

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let visitors = try visitorsCsv.map(Self.visitorsFile) ?? VisitorArguments(options: visitorOptions)
        var request = Scenic_V1_SellRequest()
        request.productCode = product
        request.quantity = quantity
        request.visitDate = visitDate
        request.slot = slot
        request.buyerName = buyerName
        request.buyerPhone = buyerPhone
        request.visitors = visitors.visitors
        request.requestID = requestID.resolve()
        let sale = try await connection.withClient(
            PointOfSaleRole.self, metadata: saved.metadata, fieldLabel: visitors.label(forField:)
        ) { try await $0.sell(request) }
        let draw = qr ?? (!connection.json && isatty(STDOUT_FILENO) == 1)
        let vouchers = try sale.voucherCodes.map { draw ? try VoucherQRCodes.drawn($0) : "voucher \($0)" }
        try Output.emit(sale, json: connection.json) {
            (["order \(sale.orderID): charged ¥\(Output.yuan(sale.amountFen)), balance ¥\(Output.yuan(sale.balanceAfterFen))"]
                + vouchers).joined(separator: "\n")
        }
        // The sale is printed before any file is written: a directory that cannot be
        // written must not hide the codes of tickets already paid for.
        if let qrDir = qrDirectory.qrDir {
            let paths = try VoucherQRCodes.writeFiles(sale.voucherCodes, to: qrDir).joined(separator: "\n") + "\n"
            // With --json, standard output is the answer's alone.
            if connection.json {
                FileHandle.standardError.write(Data(paths.utf8))
            } else {
                print(paths, terminator: "")
            }
        }
    }

    static func visitorsFile(_ path: String) throws -> VisitorArguments {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path)") }
        return try VisitorArguments(csv: String(decoding: data, as: UTF8.self), file: path)
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
