import ArgumentParser
import ScenicCLI

/// `scenic-admin events`: every distributor's events.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Every distributor's events: one page, or followed as they come.",
        discussion: EventsOptions.discussion(
            cursorDefault: "$XDG_STATE_HOME/scenic/admin-events.cursor, else ~/.local/state/scenic/admin-events.cursor"))

    @OptionGroup var feed: EventsOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await feed.run(AdminRole.self, connection: connection, metadata: [:], defaultCursorFile: EventCursorFile.adminPath)
    }
}
