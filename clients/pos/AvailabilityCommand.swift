import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos availability`: a month of a product's dates as a calendar, with what this
/// point of sale may still buy on each and at which price.
struct Availability: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a month of a product's dates: what you may still buy on each, and your price.",
        discussion: "Dates that sell by time slot are listed under the calendar with their slots; sell one with `sell --slot HH:MM-HH:MM`.")

    @Argument(help: "The product's code.") var code: String
    @Option(help: "The month, YYYY-MM.") var month: CalendarMonth
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        var request = Scenic_V1_AvailabilityRequest()
        request.productCode = code
        request.fromDate = month.firstDate
        request.toDate = month.lastDate
        let answer = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) { try await $0.availability(request) }
        try Output.emit(answer, json: connection.json) { answer.productCode + "  " + CalendarGrid.render(month, days: answer.days) }
    }
}
