import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin distributor …`: create and manage distributor accounts.
struct DistributorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distributor",
        abstract: "Create and manage distributor accounts.",
        subcommands: [
            Create.self, List.self, Show.self, Update.self, Disable.self, Enable.self, ResetPassword.self,
            Bind.self, SetPrice.self, Unbind.self, Products.self, Recharge.self, Adjust.self, Ledger.self, SetAlert.self, SetCredit.self,
            ApiKeys.self,
        ]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a distributor; its initial password is shown once and sent by SMS.")

        @Option(help: "The person's or platform's name (1–64 characters).") var name: String
        @Option(help: "Mainland China mobile number; +86, spaces and dashes are fine.") var phone: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let created = try await connection.withClient(AdminRole.self) { try await $0.createDistributor(name: name, phone: phone) }
            try Output.emit(created, json: connection.json) {
                DistributorView.fields(created.distributor)
                    + "\ninitial password  \(created.initialPassword)   (shown once; also sent by SMS)"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List distributors, filtered and a page at a time.")

        @Option(help: "active or disabled.") var status: DistributorStatusArgument?
        @Option(help: "A part of the name or of the phone.") var search: String = ""
        @Option(help: "Rows per page (1–500).") var pageSize: Int32 = 50
        @Option(help: "Where to continue, from the previous page.") var pageToken: String = ""
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_ListDistributorsRequest()
            request.status = status?.proto ?? .unspecified
            request.query = search
            request.pageSize = pageSize
            request.pageToken = pageToken
            let page = try await connection.withClient(AdminRole.self) { try await $0.listDistributors(request) }
            try Output.emit(page, json: connection.json) { DistributorView.table(page) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one distributor.")
        @Argument(help: "The distributor's id.") var id: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let distributor = try await connection.withClient(AdminRole.self) { try await $0.distributor(id: id) }
            try Output.emit(distributor, json: connection.json) { DistributorView.fields(distributor) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a distributor's name or phone (a new phone is told by SMS).")
        @Argument(help: "The distributor's id.") var id: Int64
        @Option var name: String?
        @Option var phone: String?
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            guard name != nil || phone != nil else { throw ValidationError("give --name, --phone or both") }
        }

        func run() async throws {
            let distributor = try await connection.withClient(AdminRole.self) {
                try await $0.updateDistributor(id: id, name: name ?? "", phone: phone ?? "")
            }
            try Output.emit(distributor, json: connection.json) { DistributorView.fields(distributor) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a distributor: its sessions end at once; logins and sales are refused.")
        @Argument(help: "The distributor's id.") var id: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let distributor = try await connection.withClient(AdminRole.self) { try await $0.disableDistributor(id: id) }
            try Output.emit(distributor, json: connection.json) { DistributorView.fields(distributor) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled distributor.")
        @Argument(help: "The distributor's id.") var id: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let distributor = try await connection.withClient(AdminRole.self) { try await $0.enableDistributor(id: id) }
            try Output.emit(distributor, json: connection.json) { DistributorView.fields(distributor) }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a distributor a new initial password (by SMS); the old one and every session end.")
        @Argument(help: "The distributor's id.") var id: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let reset = try await connection.withClient(AdminRole.self) { try await $0.resetPassword(id: id) }
            try Output.emit(reset, json: connection.json) {
                DistributorView.fields(reset.distributor)
                    + "\ninitial password  \(reset.initialPassword)   (shown once; also sent by SMS)"
            }
        }
    }
}

/// `--status active|disabled`.
enum DistributorStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case active, disabled

    var proto: Scenic_V1_DistributorStatus { self == .active ? .active : .disabled }
}

/// How a distributor reads in a terminal.
enum DistributorView {
    static func status(_ distributor: Scenic_V1_Distributor) -> String {
        var status = distributor.status == .active ? "active" : "disabled"
        if distributor.lowBalance { status += " (low balance)" }
        return status
    }

    /// A page of distributors; credit columns after BALANCE when one of the page has a
    /// credit line, so that a back office without credit keeps its table as before.
    static func table(_ page: Scenic_V1_ListDistributorsResponse) -> String {
        let credit = page.distributors.contains { $0.creditLimitFen > 0 }
        return Output.table(
            ["ID", "NAME", "PHONE", "STATUS", "BALANCE"] + (credit ? ["CREDIT LIMIT", "CREDIT USED", "AVAILABLE"] : []) + ["CREATED"],
            page.distributors.map {
                ["\($0.id)", $0.name, $0.phone, status($0), Output.yuan($0.balanceFen)]
                    + (credit ? creditCells($0) : []) + [$0.createdAt]
            }) + Output.nextPageHint(page.nextPageToken)
    }

    /// A distributor without a credit line has no limit or use to show, only what it may spend.
    private static func creditCells(_ distributor: Scenic_V1_Distributor) -> [String] {
        guard distributor.creditLimitFen > 0 else { return ["-", "-", Output.yuan(distributor.availableFen)] }
        return [Output.yuan(distributor.creditLimitFen), Output.yuan(distributor.creditUsedFen), Output.yuan(distributor.availableFen)]
    }

    static func fields(_ distributor: Scenic_V1_Distributor) -> String {
        Output.fields([
            ("id", "\(distributor.id)"),
            ("name", distributor.name),
            ("phone", distributor.phone),
            ("status", status(distributor)),
        ] + MoneyViews.balanceRows(
            balanceFen: distributor.balanceFen, heldFen: distributor.heldFen, creditLimitFen: distributor.creditLimitFen,
            creditUsedFen: distributor.creditUsedFen, availableFen: distributor.availableFen
        ) + [
            ("low-balance alert", distributor.lowBalanceThresholdFen == 0 ? "off" : "below ¥" + Output.yuan(distributor.lowBalanceThresholdFen)),
            ("password", distributor.passwordChangeRequired ? "initial (must be changed at first login)" : "set by the distributor"),
            ("created", distributor.createdAt),
            ("updated", distributor.updatedAt),
        ])
    }
}
