import ArgumentParser
import ScenicCLI

/// `scenic-pos events`: what happened to this distributor's tickets, holds, products and
/// balance, and to the products every distributor sells.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Events about your vouchers, holds, products and balance: one page, or followed as they come.",
        discussion: EventsOptions.discussion(cursorDefault: "events.cursor beside the session file"))

    @OptionGroup var feed: EventsOptions
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await feed.run(
            PointOfSaleRole.self, connection: connection, metadata: credentials.metadata(),
            defaultCursorFile: EventCursorFile.pointOfSalePath(besideSession: credentials.session.path))
    }
}
