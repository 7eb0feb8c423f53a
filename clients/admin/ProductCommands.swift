import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// `scenic-admin product …`: the catalog.
struct ProductCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "product",
        abstract: "Manage the catalog of products.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Archive.self, RealName.self, RefundRules.self, Import.self]
    )

    struct RefundOptions: ParsableArguments {
        @Flag(help: "Whether tickets may be refunded (until when, and at what fee: `product refund-rules`).")
        var refund: RefundChoice?

        var rule: Scenic_V1_RefundRule {
            switch refund {
            case .refundable: .refundable
            case .nonRefundable: .nonRefundable
            case nil: .unspecified
            }
        }
    }

    enum RefundChoice: String, EnumerableFlag {
        case refundable, nonRefundable
    }

    /// `none`, `per-order` or `per-ticket`: whose identity a sale names.
    enum RealNameMode: String, ExpressibleByArgument, CaseIterable {
        // Not `none`, which an optional of this type would take for nil.
        case noVisitors = "none"
        case perOrder = "per-order"
        case perTicket = "per-ticket"

        var proto: Scenic_V1_RealNameMode {
            switch self {
            case .noVisitors: .none
            case .perOrder: .perOrder
            case .perTicket: .perTicket
            }
        }
    }

    /// `day`, `week` or `month`: the visit dates a per-ID limit counts together.
    enum IDLimitPeriod: String, ExpressibleByArgument, CaseIterable {
        case day, week, month

        var proto: Scenic_V1_IdLimitPeriod {
            switch self {
            case .day: .day
            case .week: .week
            case .month: .month
            }
        }
    }

    static func realNameRules(_ mode: RealNameMode, idLimit: Int32, period: IDLimitPeriod) -> Scenic_V1_RealNameRules {
        var rules = Scenic_V1_RealNameRules()
        rules.mode = mode.proto
        rules.idLimit = idLimit
        rules.idLimitPeriod = period.proto
        return rules
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a product to the catalog.")

        @Option(help: "Unique code, 1–32 of A–Z a–z 0–9 - _ .") var code: String
        @Option(help: "Name shown to distributors.") var name: String
        @Option(help: "Retail price in yuan, e.g. 120.00.", transform: YuanArgument.parse) var price: Int64
        @OptionGroup var refund: RefundOptions
        @Option(help: "Days a voucher is valid from its visit date (1 = that day only).") var validDays: Int32 = 1
        @Option(help: "Whose identity a sale names: none (default), per-order (one visitor for all its tickets) or per-ticket.")
        var realName: RealNameMode?
        @Option(help: "Tickets of the product one ID may hold per period, over all distributors (0–1000, 0 = no limit).")
        var idLimit: Int32?
        @Option(help: "The period --id-limit counts: day (the visit date, default), week (Monday to Sunday) or month.")
        var idLimitPeriod: IDLimitPeriod?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_CreateProductRequest()
            request.code = code
            request.name = name
            request.retailPriceFen = price
            request.refundRule = refund.rule
            request.validDays = validDays
            if realName != nil || idLimit != nil || idLimitPeriod != nil {
                request.realName = ProductCommand.realNameRules(realName ?? .noVisitors, idLimit: idLimit ?? 0, period: idLimitPeriod ?? .day)
            }
            let product = try await connection.withClient(AdminRole.self) { try await $0.createProduct(request) }
            try Output.emit(product, json: connection.json) { ProductView.fields(product) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List products a page at a time.")

        @Flag(help: "Only products on sale, or only archived ones.") var status: StatusChoice?
        @Option(help: "A part of the code or the name.") var search: String = ""
        @Option(help: "Rows per page (1–500).") var pageSize: Int32 = 50
        @Option(help: "Where to continue, from the previous page.") var pageToken: String = ""
        @OptionGroup var connection: ConnectionOptions

        enum StatusChoice: String, EnumerableFlag {
            case onSale, archived
        }

        func run() async throws {
            var request = Scenic_V1_ListProductsRequest()
            request.status = status == .onSale ? .onSale : status == .archived ? .archived : .unspecified
            request.query = search
            request.pageSize = pageSize
            request.pageToken = pageToken
            let page = try await connection.withClient(AdminRole.self) { try await $0.listProducts(request) }
            try Output.emit(page, json: connection.json) {
                Output.table(
                    ["CODE", "NAME", "RETAIL", "VALID DAYS", "STATUS", "REAL NAME", "REFUND RULES"],
                    page.products.map {
                        [$0.code, $0.name, Output.yuan($0.retailPriceFen), "\($0.validDays)", $0.status == .onSale ? "on sale" : "archived",
                         RealNameView.rules($0.realName), ProductView.refunds($0)]
                    }) + Output.nextPageHint(page.nextPageToken)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one product.")
        @Argument(help: "The product's code.") var code: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let product = try await connection.withClient(AdminRole.self) { try await $0.product(code: code) }
            try Output.emit(product, json: connection.json) { ProductView.fields(product) }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a product's name, retail price, refund rule or validity (tickets already sold keep theirs).")
        @Argument(help: "The product's code.") var code: String
        @Option var name: String?
        @Option(help: "Retail price in yuan.", transform: YuanArgument.parse) var price: Int64?
        @OptionGroup var refund: RefundOptions
        @Option var validDays: Int32?
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_UpdateProductRequest()
            request.code = code
            request.name = name ?? ""
            request.retailPriceFen = price ?? 0
            request.refundRule = refund.rule
            request.validDays = validDays ?? 0
            let product = try await connection.withClient(AdminRole.self) { try await $0.updateProduct(request) }
            try Output.emit(product, json: connection.json) { ProductView.fields(product) }
        }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop new sales of a product; vouchers sold stay valid.")
        @Argument(help: "The product's code.") var code: String
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let product = try await connection.withClient(AdminRole.self) { try await $0.archiveProduct(code: code) }
            try Output.emit(product, json: connection.json) { ProductView.fields(product) }
        }
    }

    struct RealName: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "real-name",
            abstract: "Set whether a product's sales name their visitors, and how many tickets one ID may hold.",
            discussion: "Replaces the product's rules; vouchers already sold keep the visitors they have.")
        @Argument(help: "The product's code.") var code: String
        @Option(help: "none, per-order (one visitor for all the order's tickets) or per-ticket (one each, all different).")
        var mode: RealNameMode
        @Option(help: "Tickets of the product one ID may hold per period, over all distributors (0–1000, 0 = no limit).")
        var idLimit: Int32 = 0
        @Option(help: "The period --id-limit counts: day (the visit date), week (Monday to Sunday) or month.")
        var per: IDLimitPeriod = .day
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_SetRealNameRequest()
            request.code = code
            request.rules = ProductCommand.realNameRules(mode, idLimit: idLimit, period: per)
            let product = try await connection.withClient(AdminRole.self) { try await $0.setRealName(request) }
            try Output.emit(product, json: connection.json) { ProductView.fields(product) }
        }
    }

    struct RefundRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refund-rules",
            abstract: "Set until when a product's tickets may be refunded, what a refund keeps, and whether it needs approval.",
            discussion: """
                Replaces the product's rules for its sales from now on: each voucher keeps the rules of its sale. \
                Without options, the default: until the visit date ends, no fee, no approval. A fee is a share of \
                the settlement price (10%, 12.5%) or yuan a ticket (5.00), never more than the price. A refund pays \
                the fee of the --fee-step with the most hours it is early enough for, else --fee. With \
                --needs-approval a refund is a request the back office approves or rejects (`refunds`), which the \
                daemon approves by itself when no one decides in time.
                """)
        @Argument(help: "The product's code.") var code: String
        @Option(
            help: ArgumentHelp(
                "visit-day (until the visit date ends, the default), none (while the voucher is valid and unused), or 48h (until that many hours before the visit starts).",
                valueName: "visit-day|none|HOURSh"),
            transform: RefundRulesArguments.deadline)
        var deadline: RefundRulesArguments.Deadline?
        @Option(
            help: ArgumentHelp("The fee of a refund no --fee-step applies to: 10% of the price, or 5.00 yuan a ticket (default none).", valueName: "FEE"),
            transform: RefundRulesArguments.fee)
        var fee: Scenic_V1_RefundFee?
        @Option(
            name: .customLong("fee-step"),
            help: ArgumentHelp("HOURSh=FEE, repeatable: the fee of a refund made at least that many hours before the visit (72h=0, 24h=10%).", valueName: "HOURSh=FEE"),
            transform: Given.parsing(RefundRulesArguments.step))
        var feeSteps: [Given<Scenic_V1_RefundFeeStep>] = []
        @Flag(help: "Refunds are requests the back office approves or rejects; the voucher does not admit meanwhile.")
        var needsApproval = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var request = Scenic_V1_SetRefundPolicyRequest()
            request.code = code
            request.policy = RefundRulesArguments.policy(
                deadline: deadline, fee: fee, steps: feeSteps.map(\.value), needsApproval: needsApproval)
            let given = RequestItems(
                field: "policy.steps", origins: feeSteps.map { "--fee-step " + $0.text }, parts: ["hours_before": "", "fee": ""])
            let product = try await connection.withClient(AdminRole.self, items: given) { try await $0.setRefundPolicy(request) }
            try Output.emit(product, json: connection.json) {
                guard product.refundRule == .nonRefundable else { return ProductView.fields(product) }
                // Kept for the day it becomes refundable; say so rather than seem to ignore them.
                return ProductView.fields(product)
                    + "\nnote: \(product.code) is sold non-refundable: these rules apply once it is made refundable ("
                    + RefundRulesView.rules(product.refundPolicy) + ")"
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add products from a CSV file, all or nothing.",
            discussion: """
                Columns, with a header row: code,name,price,refundable,valid_days,real_name,id_limit,id_limit_period; \
                the last five may be left out. price is in yuan; refundable is yes or no (default yes); \
                valid_days defaults to 1; real_name is none (default), per-order or per-ticket; id_limit \
                defaults to 0 (no limit) and id_limit_period to day (or week, month). Every row is checked \
                first and every bad row reported; if any row is bad, nothing is written.
                """)
        @Argument(help: "The CSV file.") var file: String
        @OptionGroup var connection: ConnectionOptions

        static let chunk = 1_000

        func run() async throws {
            let lines = try ImportFile.products(file)
            let rows = lines.map(\.row)
            let given = RequestItems(field: "products", origins: lines.map { "\(file) line \($0.line)" }, parts: ImportFile.columns)
            let summary = try await connection.withClient(AdminRole.self, items: given) { client in
                let progress = ProgressBar(label: "checking", total: rows.count)
                for start in stride(from: 0, to: rows.count, by: Self.chunk) {
                    let end = min(start + Self.chunk, rows.count)
                    do {
                        _ = try await client.importProducts(Array(rows[start..<end]), dryRun: true)
                    } catch let error as RPCError {
                        progress.finish()
                        throw given.renumbered(error, from: start)
                    }
                    progress.update(end)
                }
                progress.finish()
                return try await client.importProducts(rows, dryRun: false)
            }
            try Output.emit(summary, json: connection.json) { "imported \(summary.created) products from \(file)" }
        }
    }
}

/// Reading the import files, each row kept with its line in the file.
enum ImportFile {
    /// The product import's columns by the request fields the daemon checks, for a
    /// refusal to name the column (`products.csv line 4, price`).
    static let columns = [
        "code": "code", "name": "name", "retail_price_fen": "price", "valid_days": "valid_days", "real_name.id_limit": "id_limit",
    ]

    static func read(_ path: String) throws -> [(line: Int, fields: [String])] {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path)") }
        let records = try CSVReader.records(String(decoding: data, as: UTF8.self))
        guard records.count > 1 else { throw InputError("\(path) has no rows below its header") }
        return Array(records.dropFirst())
    }

    static func products(_ path: String) throws -> [(line: Int, row: Scenic_V1_CreateProductRequest)] {
        var problems: [String] = []
        let rows = try read(path).map { line, fields -> (line: Int, row: Scenic_V1_CreateProductRequest) in
            var row = Scenic_V1_CreateProductRequest()
            guard (3...8).contains(fields.count) else {
                problems.append("line \(line): expected 3 to 8 columns, found \(fields.count)")
                return (line, row)
            }
            row.code = fields[0]
            row.name = fields[1]
            if let fen = Yuan.fen(fields[2]) { row.retailPriceFen = fen } else { problems.append("line \(line): price \(fields[2]) is not yuan") }
            switch fields.count > 3 ? fields[3].lowercased() : "" {
            case "", "yes", "y", "true": row.refundRule = .refundable
            case "no", "n", "false": row.refundRule = .nonRefundable
            default: problems.append("line \(line): refundable must be yes or no")
            }
            if fields.count > 4, !fields[4].isEmpty {
                if let days = Int32(fields[4]) { row.validDays = days } else { problems.append("line \(line): valid_days is not a number") }
            }
            // real_name, id_limit, id_limit_period: left out or empty, the product names no visitors.
            let realName = (5..<8).map { fields.indices.contains($0) ? fields[$0].lowercased() : "" }
            if realName != ["", "", ""] {
                let mode = realName[0].isEmpty ? .noVisitors : ProductCommand.RealNameMode(rawValue: realName[0])
                let limit = realName[1].isEmpty ? 0 : Int32(realName[1])
                let period = realName[2].isEmpty ? .day : ProductCommand.IDLimitPeriod(rawValue: realName[2])
                if mode == nil { problems.append("line \(line): real_name must be none, per-order or per-ticket") }
                if limit == nil { problems.append("line \(line): id_limit is not a number") }
                if period == nil { problems.append("line \(line): id_limit_period must be day, week or month") }
                if let mode, let limit, let period { row.realName = ProductCommand.realNameRules(mode, idLimit: limit, period: period) }
            }
            return (line, row)
        }
        guard problems.isEmpty else { throw InputError(problems.joined(separator: "\n")) }
        return rows
    }

    static func bindings(_ path: String) throws -> PricedBatch {
        var problems: [String] = []
        let items = try read(path).compactMap { line, fields -> (String, String, Int64)? in
            guard fields.count == 2, let fen = Yuan.fen(fields[1]) else {
                problems.append("line \(line): expected code,settlement_price (yuan)")
                return nil
            }
            return ("\(path) line \(line)", fields[0], fen)
        }
        guard problems.isEmpty else { throw InputError(problems.joined(separator: "\n")) }
        return items
    }
}

enum ProductView {
    /// "not refundable", or the rules its refunds follow in words.
    static func refunds(_ product: Scenic_V1_Product) -> String {
        product.refundRule == .nonRefundable ? "not refundable" : RefundRulesView.rules(product.refundPolicy)
    }

    static func fields(_ product: Scenic_V1_Product) -> String {
        Output.fields([
            ("code", product.code),
            ("name", product.name),
            ("retail price", "¥" + Output.yuan(product.retailPriceFen)),
            ("refund rules", refunds(product)),
            ("valid days", "\(product.validDays)"),
            ("real names", RealNameView.rules(product.realName)),
            ("status", product.status == .onSale ? "on sale" : "archived"),
            ("created", product.createdAt),
            ("updated", product.updatedAt),
        ])
    }
}
