import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin distributor recharge|adjust|ledger|set-credit`: the prepaid balance and
/// its credit line.
extension DistributorCommand {
    struct Recharge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add to a distributor's balance (at most ¥1,000,000.00 at a time).")
        @Argument(help: "The distributor's id.") var id: Int64
        @Argument(help: "Amount in yuan, e.g. 200.00.", transform: YuanArgument.parse) var amount: Int64
        @Option(help: "A note kept in the ledger.") var note: String = ""
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_RechargeRequest()
            request.distributorID = id
            request.amountFen = amount
            request.note = note
            request.requestID = requestID.resolve()
            let change = try await connection.withClient(AdminRole.self) { try await $0.recharge(request) }
            try Output.emit(change, json: connection.json) {
                // What was owed on the credit line is paid back first.
                let repaid = change.repaidFen > 0 ? " (repaid \(Output.money(change.repaidFen)) of credit)" : ""
                return "recharged \(Output.money(amount))\(repaid); balance \(Output.money(change.balanceFen))"
            }
        }
    }

    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a distributor's balance up or down, with a reason; a debit never takes more than the distributor may spend.")
        @Argument(help: "The distributor's id.") var id: Int64
        @Option(help: "Yuan to add.", transform: YuanArgument.parse) var credit: Int64?
        @Option(help: "Yuan to take away.", transform: YuanArgument.parse) var debit: Int64?
        @Option(help: "Why the correction (kept in the ledger and the audit log).") var reason: String
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard (credit == nil) != (debit == nil) else { throw ValidationError("give --credit YUAN or --debit YUAN") }
        }

        func run() async throws {
            var request = Scenic_V1_AdjustRequest()
            request.distributorID = id
            request.amountFen = credit ?? -(debit ?? 0)
            request.reason = reason
            request.requestID = requestID.resolve()
            let change = try await connection.withClient(AdminRole.self) { try await $0.adjust(request) }
            try Output.emit(change, json: connection.json) { "adjusted; balance \(Output.money(change.balanceFen))" }
        }
    }

    struct SetCredit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-credit",
            abstract: "Set a distributor's credit line: its sales may take the balance down to minus YUAN (0 removes it).",
            discussion: """
                What a sale may spend is then balance + credit limit − held, and a recharge repays what is \
                owed first. A limit below what the line covers now (owed and held) is refused (CREDIT_IN_USE).
                """)
        @Argument(help: "The distributor's id.") var id: Int64
        @Argument(help: "The credit limit in yuan, e.g. 5000 or 5000.00; 0 for none.", transform: YuanArgument.parse) var limit: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let distributor = try await connection.withClient(AdminRole.self) { try await $0.setCredit(distributorID: id, limitFen: limit) }
            try Output.emit(distributor, json: connection.json) { DistributorView.fields(distributor) }
        }
    }

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every balance change of a distributor, oldest first.")
        @Argument(help: "The distributor's id.") var id: Int64
        @OptionGroup var range: LedgerRangeOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let page = try await connection.withClient(AdminRole.self) { try await $0.ledger(range.request(distributorID: id)) }
            try Output.emit(page, json: connection.json) { MoneyViews.ledger(page) }
        }
    }
}

/// `scenic-admin vouchers list|redeem|undo|export|reveal`: the voucher code list and the gate.
struct VouchersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vouchers", abstract: "The voucher code list, redemption at the gate, and real-name visitors revealed.",
        subcommands: [List.self, Redeem.self, Undo.self, Export.self, Reveal.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List vouchers, newest sale first.")
        @Option(help: "Only this distributor's vouchers.") var distributor: Int64 = 0
        @OptionGroup var filter: VoucherFilterOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = filter.filter
            request.distributorID = distributor
            let page = try await connection.withClient(AdminRole.self) { try await $0.vouchers(request) }
            try Output.emit(page, json: connection.json) { MoneyViews.vouchers(page.vouchers, nextPageToken: page.nextPageToken) }
        }
    }

    struct Redeem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Admit a visitor: a valid voucher for today becomes redeemed.")
        @Argument(help: "The voucher code (spaces and dashes are fine).") var code: String
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let voucher = try await connection.withClient(AdminRole.self) { try await $0.redeem(code: code, requestID: requestID.resolve()) }
            try Output.emit(voucher, json: connection.json) { "redeemed \(voucher.code): \(voucher.productName), visit \(MoneyViews.visit(voucher))" }
        }
    }

    struct Undo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo a redemption made in the last 10 minutes, with a reason.")
        @Argument(help: "The voucher code.") var code: String
        @Option(help: "Why (kept in the audit log).") var reason: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let voucher = try await connection.withClient(AdminRole.self) { try await $0.undoRedemption(code: code, reason: reason) }
            try Output.emit(voucher, json: connection.json) { "\(voucher.code) is \(MoneyViews.status(voucher.status)) again" }
        }
    }
}
