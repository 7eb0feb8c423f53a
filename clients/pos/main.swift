import ArgumentParser
import ScenicCLI

/// `scenic-pos`: a distributor's point-of-sale client, on the pos socket.
struct ScenicPOS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenic-pos",
        abstract: "Point-of-sale client for scenicd (pos socket).",
        subcommands: [
            Login.self, Passwd.self, WhoAmI.self, Logout.self, Products.self, Availability.self,
            Sell.self, HoldCommand.self, QRCodeCommand.self, Balance.self, Ledger.self, Vouchers.self, Refund.self, Refunds.self,
            ChangeDate.self, Statement.self, Events.self,
            HealthCommand<PointOfSaleRole>.self, InfoCommand<PointOfSaleRole>.self, CallCommand<PointOfSaleRole>.self,
        ]
    )
}

await runClient(ScenicPOS.self)
