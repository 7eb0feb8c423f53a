#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// `scenic-admin report statement|sales`: reconciliation and sales figures.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Statements and sales reports.", subcommands: [Statement.self, Sales.self])

    struct Statement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A distributor's statement: opening balance, movements, closing balance, and the check that they agree.")
        @Argument(help: "The distributor's id.") var id: Int64
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let statement = try await connection.withClient(AdminRole.self) { try await $0.statement(distributorID: id, from: from, to: to) }
            try Output.emit(statement, json: connection.json) { StatementView.text(statement) }
        }
    }

    struct Sales: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tickets sold, refunded and redeemed, and settlement revenue, by day, product or distributor.")
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
        @Option(help: "day, product or distributor.") var by: Grouping = .day
        @Flag(help: "Print CSV for spreadsheets.") var csv = false
        @OptionGroup var connection: ConnectionOptions

        enum Grouping: String, ExpressibleByArgument, CaseIterable {
            case day, product, distributor
        }

        func run() async throws {
            let grouping: Scenic_V1_SalesGrouping = by == .day ? .day : by == .product ? .product : .distributor
            let report = try await connection.withClient(AdminRole.self) { try await $0.salesReport(from: from, to: to, groupBy: grouping) }
            if csv {
                print(CSVWriter.line([by.rawValue, "name", "tickets_sold", "tickets_refunded", "tickets_redeemed", "settlement_revenue_yuan"]), terminator: "")
                for row in report.rows + [report.total] {
                    print(CSVWriter.line([row.key, row.label, "\(row.ticketsSold)", "\(row.ticketsRefunded)", "\(row.ticketsRedeemed)",
                                          Output.yuan(row.settlementRevenueFen)]), terminator: "")
                }
                return
            }
            try Output.emit(report, json: connection.json) {
                // People read a trend faster from bars: one per day, next to the figures.
                let chart = by == .day && isatty(STDOUT_FILENO) == 1
                let most = max(report.rows.map(\.ticketsSold).max() ?? 1, 1)
                let rows = (report.rows + [report.total]).map { row in
                    var cells = [row.key, row.label, "\(row.ticketsSold)", "\(row.ticketsRefunded)", "\(row.ticketsRedeemed)",
                                 Output.yuan(row.settlementRevenueFen)]
                    if chart {
                        cells.append(row.key == "total" ? "" : String(repeating: "█", count: Int((row.ticketsSold * 30 + most - 1) / most)))
                    }
                    return cells
                }
                return Output.table(["KEY", "NAME", "SOLD", "REFUNDED", "REDEEMED", "REVENUE"] + (chart ? ["TICKETS SOLD"] : []), rows)
            }
        }
    }
}

extension DistributorCommand {
    struct SetAlert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-alert",
            abstract: "Warn the distributor by SMS once when its balance falls below YUAN (0 turns it off).")
        @Argument(help: "The distributor's id.") var id: Int64
        @Argument(help: "Threshold in yuan.", transform: YuanArgument.parse) var threshold: Int64
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let distributor = try await connection.withClient(AdminRole.self) {
                try await $0.setLowBalanceAlert(distributorID: id, thresholdFen: threshold)
            }
            try Output.emit(distributor, json: connection.json) { DistributorView.fields(distributor) }
        }
    }
}

extension VouchersCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write vouchers as CSV to standard output, a page at a time, however many there are.")
        @Option(help: "Only this distributor's vouchers.") var distributor: Int64 = 0
        @OptionGroup var filter: VoucherFilterOptions
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = filter.filter
            request.distributorID = distributor
            request.pageSize = 500
            let progress = ProgressBar(label: "exported", total: 0)
            try await connection.withClient(AdminRole.self) { client in
                var output = FileHandle.standardOutput
                // New columns go last, so that a script reading columns by position keeps working.
                print(CSVWriter.line([
                    "code", "order_id", "distributor_id", "distributor", "product_code", "product", "sold_at", "visit_date",
                    "valid_until", "settlement_yuan", "retail_yuan", "refundable", "status", "redeemed_at", "refunded_at", "slot",
                    "visitor_name", "visitor_id_number", "visitor_id_type",
                ]), terminator: "", to: &output)
                var written = 0
                repeat {
                    let page = try await client.vouchers(request)
                    for voucher in page.vouchers {
                        print(CSVWriter.line([
                            voucher.code, "\(voucher.orderID)", "\(voucher.distributorID)", voucher.distributorName, voucher.productCode,
                            voucher.productName, voucher.soldAt, voucher.visitDate, voucher.validUntil, Output.yuan(voucher.settlementPriceFen),
                            Output.yuan(voucher.retailPriceFen), voucher.refundRule == .nonRefundable ? "no" : "yes",
                            MoneyViews.status(voucher.status), voucher.redeemedAt, voucher.refundedAt, voucher.slot,
                        ] + Self.visitorColumns(voucher)), terminator: "", to: &output)
                    }
                    written += page.vouchers.count
                    progress.count(written)
                    request.pageToken = page.nextPageToken
                } while !request.pageToken.isEmpty
                progress.finish()
            }
        }

        /// A real-name voucher's visitor, masked as the daemon answers it, "(erased)" once
        /// erased; three empty cells for a voucher that names none.
        static func visitorColumns(_ voucher: Scenic_V1_Voucher) -> [String] {
            guard voucher.hasVisitor else { return ["", "", ""] }
            let visitor = voucher.visitor
            return visitor.erased
                ? ["(erased)", "(erased)", IDTypeArgument.word(visitor.idType)]
                : [visitor.name, visitor.idNumber, IDTypeArgument.word(visitor.idType)]
        }
    }
}

extension FileHandle: @retroactive TextOutputStream {
    /// A reader that went away (`| head`) ends the export quietly, with the status a
    /// process killed by SIGPIPE has: Foundation's non-throwing `write` would trap.
    public func write(_ string: String) {
        do {
            try write(contentsOf: Data(string.utf8))
        } catch {
            exit(128 + SIGPIPE)
        }
    }
}
