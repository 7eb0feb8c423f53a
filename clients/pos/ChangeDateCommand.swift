import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos change-date`: moves vouchers to another visit date, keeping their codes.
struct ChangeDate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-date",
        abstract: "Move your unused vouchers to another visit date, keeping their codes; all or nothing.",
        discussion: """
            Taken until the vouchers' refund deadline, like a refund. The seats of the new date are taken as a \
            sale takes them and those of the old date given back; the difference of the two dates' prices is \
            charged (the new date costs more) or credited (it costs less) in one ledger entry.
            """)
    @Argument(help: "Voucher codes.") var codes: [String]
    @Option(help: "The new visit date, YYYY-MM-DD.") var to: String
    @Option(help: "The time slot on the new date, HH:MM-HH:MM: required on a date that sells by slot (see `availability`).")
    var slot: String = ""
    @OptionGroup var requestID: RequestIDOption
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        var request = Scenic_V1_ChangeDateRequest()
        request.voucherCodes = codes
        request.toDate = to
        request.slot = slot
        request.requestID = requestID.resolve()
        // As for a refund: a bad code is named by its index, one that cannot move by its digits.
        let given = RequestItems(
            field: "voucher_codes", items: codes.map { .init(origin: $0, key: VoucherCodeArgument.compact($0)) }, metadataKey: "code")
        let change = try await connection.withClient(PointOfSaleRole.self, metadata: metadata, items: given) {
            try await $0.changeDate(request)
        }
        try Output.emit(change, json: connection.json) {
            let difference =
                switch change.differenceFen {
                case 0: "no price difference"
                case 1...: "charged \(Output.money(change.differenceFen)) (the new date's prices less those paid)"
                default: "credited \(Output.money(change.differenceFen).dropFirst()) (the prices paid less the new date's)"
                }
            return (change.vouchers.map { "voucher \($0.code): \($0.productCode), visit \(MoneyViews.visit($0))" }
                + ["\(difference); balance \(Output.money(change.balanceAfterFen))"]).joined(separator: "\n")
        }
    }
}
