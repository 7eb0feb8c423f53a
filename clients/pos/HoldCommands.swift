import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos hold …`: seats taken and their price kept aside while a buyer decides, then
/// sold or given back.
struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Hold tickets: take the seats and keep their price aside until you confirm or release them.",
        discussion: """
            `hold --product …` places a hold (it is `hold place`). Nothing is charged until `hold confirm`, \
            which sells the tickets at the held price; `hold release` gives the seats and the amount back, \
            and a hold neither confirmed nor released expires by itself.
            """,
        subcommands: [Place.self, Confirm.self, Release.self],
        defaultSubcommand: Place.self)

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold tickets: the seats are taken and their price kept aside from your available balance.")

        @OptionGroup var tickets: TicketOptions
        @Option(help: "Minutes until the hold expires by itself, 1–120 (default 30).") var minutes: Int32?
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var credentials: CredentialOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let metadata = try credentials.metadata()
            var request = Scenic_V1_HoldRequest()
            request.productCode = tickets.product
            request.quantity = tickets.quantity
            request.visitDate = tickets.visitDate
            request.slot = tickets.slot
            request.expiresInMinutes = minutes ?? 0
            request.requestID = requestID.resolve()
            let hold = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) { try await $0.hold(request) }
            try Output.emit(hold, json: connection.json) {
                HoldView.fields(hold) + "\nsell it with `scenic-pos hold confirm \(hold.id)`, or give it back with `scenic-pos hold release \(hold.id)`"
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sell a hold's tickets at the held price: one voucher code per ticket.", discussion: BuyerOptions.discussion)

        @Argument(help: "The hold's id.") var holdID: Int64
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
            var request = Scenic_V1_ConfirmHoldRequest()
            request.holdID = holdID
            request.buyerName = buyer.buyerName
            request.buyerPhone = buyer.buyerPhone
            request.visitors = visitors.visitors
            request.requestID = requestID.resolve()
            let sale = try await connection.withClient(
                PointOfSaleRole.self, metadata: metadata, items: visitors.items
            ) { try await $0.confirmHold(request) }
            try output.emit(sale, json: connection.json)
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a hold's seats and amount back.")

        @Argument(help: "The hold's id.") var holdID: Int64
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var credentials: CredentialOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let metadata = try credentials.metadata()
            let hold = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) {
                try await $0.releaseHold(id: holdID, requestID: requestID.resolve())
            }
            try Output.emit(hold, json: connection.json) { HoldView.fields(hold) }
        }
    }
}

/// A hold as a person reads it.
enum HoldView {
    static func fields(_ hold: Scenic_V1_Hold) -> String {
        var rows = [
            ("hold", "\(hold.id)"),
            ("status", status(hold.status)),
            ("tickets", "\(hold.quantity) × \(hold.productCode), visit " + (hold.slot.isEmpty ? hold.visitDate : hold.visitDate + " " + hold.slot)),
            ("amount", "¥\(Output.yuan(hold.amountFen)) (¥\(Output.yuan(hold.settlementPriceFen)) a ticket)"),
            ("expires", hold.expiresAt),
        ]
        if hold.orderID != 0 { rows.append(("order", "\(hold.orderID)")) }
        return Output.fields(rows)
    }

    static func status(_ status: Scenic_V1_HoldStatus) -> String {
        switch status {
        case .held: "held"
        case .confirmed: "confirmed"
        case .released: "released"
        case .expired: "expired"
        default: "?"
        }
    }
}
