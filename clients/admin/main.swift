import ArgumentParser
import ScenicCLI

/// `scenic-admin`: the back office's client, on the admin socket.
struct ScenicAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenic-admin",
        abstract: "Back-office client for scenicd (admin socket).",
        subcommands: [
            DistributorCommand.self, ProductCommand.self, CalendarCommand.self, VouchersCommand.self, RefundsCommand.self, GateCommand.self,
            ReportCommand.self, AuditCommand.self, EventsCommand.self, BackupCommand.self, MetricsCommand.self, SMSCommand.self,
            HealthCommand<AdminRole>.self, InfoCommand<AdminRole>.self, CallCommand<AdminRole>.self,
        ]
    )
}

await runClient(ScenicAdmin.self)
