import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin refunds list|approve|reject`: the refunds that need the back office's
/// approval (审核).
struct RefundsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refunds",
        abstract: "Approve or reject the refunds of products whose refunds need approval.",
        discussion: """
            A refund of such a product is a request: its voucher does not admit while it waits, approval \
            credits the distributor the price less the fee fixed when it was asked for, and rejection makes \
            the voucher valid again. A request no one decides is approved by the daemon when its time \
            (scenicd --refund-approval-hours) runs out.
            """,
        subcommands: [List.self, Approve.self, Reject.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List refund requests, newest first.")
        @Option(help: "pending (default), approved, rejected or all.") var status: RefundApprovalListOptions.Status = .pending
        @Option(help: "Only this distributor's requests.") var distributor: Int64 = 0
        @OptionGroup var page: RefundApprovalListOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let request = page.request(status: status, distributorID: distributor)
            let approvals = try await connection.withClient(AdminRole.self) { try await $0.refundApprovals(request) }
            try Output.emit(approvals, json: connection.json) { RefundApprovalView.table(approvals, withDistributor: true) }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a refund request: the voucher is refunded and the distributor credited the price less the fee.")
        @Argument(help: "The request's id (see `refunds list`).") var id: Int64
        @Option(help: "Why, kept with the decision and in the audit log (optional).") var reason: String = ""
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let approval = try await connection.withClient(AdminRole.self) {
                try await $0.approveRefund(id: id, reason: reason, requestID: requestID.resolve())
            }
            try Output.emit(approval, json: connection.json) { RefundApprovalView.fields(approval) }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a refund request, with a reason: the voucher is valid again and nothing is credited.")
        @Argument(help: "The request's id (see `refunds list`).") var id: Int64
        @Option(help: "Why (required), kept with the decision and in the audit log.") var reason: String
        @OptionGroup var requestID: RequestIDOption
        @OptionGroup var connection: ConnectionOptions

        func validate() throws {
            // The daemon refuses it too; saying so here spares a request id and a round trip.
            guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError("--reason must say why the refund is rejected") }
        }

        func run() async throws {
            let approval = try await connection.withClient(AdminRole.self) {
                try await $0.rejectRefund(id: id, reason: reason, requestID: requestID.resolve())
            }
            try Output.emit(approval, json: connection.json) { RefundApprovalView.fields(approval) }
        }
    }
}
