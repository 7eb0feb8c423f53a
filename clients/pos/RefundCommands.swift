import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos refund`: gives unused vouchers back for their price less their fee, or,
/// for a product whose refunds need approval, asks the back office to.
struct Refund: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refund your unused, refundable vouchers before their refund deadline; all or nothing.",
        discussion: """
            Each credits its price less the fee of its product's refund rules as they were at its sale. \
            When the rules need approval, the voucher is refund pending instead (it does not admit) until \
            the back office approves or rejects the request; `scenic-pos refunds` lists them.
            """)
    @Argument(help: "Voucher codes.") var codes: [String]
    @OptionGroup var requestID: RequestIDOption
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        // The daemon names a bad code by its index, and one it cannot refund by its digits.
        let given = RequestItems(
            field: "voucher_codes", items: codes.map { .init(origin: $0, key: VoucherCodeArgument.compact($0)) }, metadataKey: "code")
        let refund = try await connection.withClient(PointOfSaleRole.self, metadata: metadata, items: given) {
            try await $0.refund(codes: codes, requestID: requestID.resolve())
        }
        try Output.emit(refund, json: connection.json) { RefundView.text(refund) }
    }
}

/// `scenic-pos refunds`: your refund requests and what the back office decided.
struct Refunds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List your refund requests (refunds that need approval), newest first, with their decisions.")
    @Option(help: "pending, approved, rejected or all (default).") var status: RefundApprovalListOptions.Status = .all
    @OptionGroup var page: RefundApprovalListOptions
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let approvals = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) {
            try await $0.myRefundApprovals(page.request(status: status))
        }
        try Output.emit(approvals, json: connection.json) { RefundApprovalView.table(approvals, withDistributor: false) }
    }
}

/// A refund as the point of sale reads it: a line a voucher, then what it credited.
enum RefundView {
    static func text(_ refund: Scenic_V1_RefundResponse) -> String {
        let lines = refund.vouchers.map { voucher in
            guard voucher.status == .refundPending else {
                return "voucher \(voucher.code): refunded" + (voucher.refundFeeFen > 0 ? ", fee \(Output.money(voucher.refundFeeFen))" : "")
            }
            guard let approval = refund.approvals.first(where: { $0.voucherCode == voucher.code }) else {
                return "voucher \(voucher.code): refund requested, awaiting approval"
            }
            return "voucher \(voucher.code): refund requested, awaiting approval (request \(approval.id)), would credit \(Output.money(approval.refundFen))"
        }
        let fees = refund.feeFen > 0 ? ", fees \(Output.money(refund.feeFen))" : ""
        let credited =
            refund.vouchers.contains { $0.status != .refundPending }
            ? "credited \(Output.money(refund.refundedFen))\(fees)" : "nothing credited until approved"
        return (lines + ["\(credited); balance \(Output.money(refund.balanceAfterFen))"]).joined(separator: "\n")
    }
}
