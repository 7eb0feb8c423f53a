import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin audit list`: who changed what in the back office.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read the audit log.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List audit entries, newest first.")

        @Option(help: "e.g. uid:0 or distributor:12.") var actor: String = ""
        @Option(help: "e.g. scenic.v1.DistributorAdmin/Create.") var method: String = ""
        @Option(help: "e.g. distributor:12.") var target: String = ""
        @Option(help: "From this time (RFC 3339 or YYYY-MM-DD).") var since: String = ""
        @Option(help: "Before this time (RFC 3339 or YYYY-MM-DD).") var until: String = ""
        @Option(help: "Rows per page (1–500).") var pageSize: Int32 = 50
        @Option(help: "Where to continue, from the previous page.") var pageToken: String = ""
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_ListAuditRequest()
            request.actor = actor
            request.method = method
            request.target = target
            request.since = since
            request.until = until
            request.pageSize = pageSize
            request.pageToken = pageToken
            let page = try await connection.withClient(AdminRole.self) { try await $0.auditEntries(request) }
            try Output.emit(page, json: connection.json) {
                Output.table(
                    ["ID", "AT", "ACTOR", "METHOD", "TARGET", "SUMMARY"],
                    page.entries.map { ["\($0.id)", $0.at, $0.actor, $0.method, $0.target, $0.summary] })
                    + Output.nextPageHint(page.nextPageToken)
            }
        }
    }
}

/// `scenic-admin sms list`: the SMS outbox and how delivery went.
struct SMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms", abstract: "Read the SMS outbox.", subcommands: [List.self])

    enum Status: String, ExpressibleByArgument, CaseIterable {
        case pending, delivered, failed
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List text messages, newest first.")

        @Option(help: "pending, delivered or failed.") var status: Status?
        @Option(help: "Rows per page (1–500).") var pageSize: Int32 = 50
        @Option(help: "Where to continue, from the previous page.") var pageToken: String = ""
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_ListSmsRequest()
            request.status =
                switch status {
                case .pending: .pending
                case .delivered: .delivered
                case .failed: .failed
                case nil: .unspecified
                }
            request.pageSize = pageSize
            request.pageToken = pageToken
            let page = try await connection.withClient(AdminRole.self) { try await $0.smsMessages(request) }
            try Output.emit(page, json: connection.json) {
                Output.table(
                    ["ID", "CREATED", "PHONE", "STATUS", "TRIES", "LAST ERROR", "TEXT"],
                    page.messages.map {
                        let status = "\($0.status)".replacingOccurrences(of: "smsStatus", with: "").lowercased()
                        return ["\($0.id)", $0.createdAt, $0.phone, status, "\($0.tries)", $0.lastError, $0.body]
                    }) + Output.nextPageHint(page.nextPageToken)
            }
        }
    }
}
