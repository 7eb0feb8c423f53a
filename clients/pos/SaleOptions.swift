#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// Which tickets: what `sell` and `hold` both ask for.
struct TicketOptions: ParsableArguments {
    @Option(help: "The product's code.") var product: String
    @Option(help: "Tickets, 1–100.") var quantity: Int32 = 1
    @Option(help: "The visit date, YYYY-MM-DD (today or later).") var visitDate: String
    @Option(help: "The time slot, HH:MM-HH:MM: required on a date that sells by slot (see `availability`).") var slot: String = ""
}

/// Who the tickets are for: the buyer and a real-name product's visitors, as `sell` and
/// `hold confirm` both take them.
struct BuyerOptions: ParsableArguments {
    /// How visitors are given and how a refused one is named, for the commands' help.
    static let discussion = """
        A real-name product (see `products`) names its visitors: one per ticket or one for the order, \
        with --visitor in ticket order or a --visitors-csv file with the header name,id_number[,id_type]. \
        TYPE is resident-id (the default), passport, hk-macao-permit, taiwan-permit or \
        foreign-permanent-resident. A visitor the daemon refuses is named as given: \
        "visitor 2 (--visitor …)" or "FILE line 3".
        """

    @Option(help: "The buyer's name (optional).") var buyerName: String = ""
    @Option(help: "The buyer's mobile number (optional).") var buyerPhone: String = ""
    @Option(
        name: .customLong("visitor"),
        help: ArgumentHelp("A visitor of a real-name product, repeatable, in ticket order.", valueName: "NAME,ID_NUMBER[,TYPE]"),
        transform: VisitorOption.init(parsing:))
    var visitorOptions: [VisitorOption] = []
    @Option(help: "A CSV file of the visitors: name,id_number[,id_type] under a header row (names may hold commas there).")
    var visitorsCsv: String?

    func validate() throws {
        guard visitorOptions.isEmpty || visitorsCsv == nil else { throw ValidationError("give --visitor … or --visitors-csv FILE, not both") }
    }

    /// The visitors given, each remembering where, so that a refusal can point there.
    func visitors() throws -> VisitorArguments {
        guard let visitorsCsv else { return VisitorArguments(options: visitorOptions) }
        guard let data = FileManager.default.contents(atPath: visitorsCsv) else { throw InputError("cannot read \(visitorsCsv)") }
        return try VisitorArguments(csv: String(decoding: data, as: UTF8.self), file: visitorsCsv)
    }
}

/// How the vouchers of a sale are shown: codes, QR codes in the terminal, PNG files; as
/// `sell` and `hold confirm` both print them.
struct VoucherOutputOptions: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: "Draw each voucher's QR code in the terminal (default: when standard output is a terminal and --json is off).")
    var qr: Bool?
    @OptionGroup var qrDirectory: QRDirectoryOption

    /// For the command's `validate()`, which knows whether `--json` is on.
    func validate(json: Bool) throws {
        guard !(json && qr == true) else {
            throw ValidationError("--qr draws on standard output, which --json keeps for JSON: use --qr-dir DIR")
        }
    }

    /// Prints the order, what it cost and its vouchers, then writes their QR codes to
    /// `--qr-dir`.
    func emit(_ sale: Scenic_V1_SellResponse, json: Bool) throws {
        let draw = qr ?? (!json && isatty(STDOUT_FILENO) == 1)
        let vouchers = try sale.voucherCodes.map { draw ? try VoucherQRCodes.drawn($0) : "voucher \($0)" }
        try Output.emit(sale, json: json) {
            // A credit line may take the balance below zero: "-¥120.00", not "¥-120.00".
            (["order \(sale.orderID): charged \(Output.money(sale.amountFen)), balance \(Output.money(sale.balanceAfterFen))"]
                + vouchers).joined(separator: "\n")
        }
        // The sale is printed before any file is written: a directory that cannot be
        // written must not hide the codes of tickets already paid for.
        if let qrDir = qrDirectory.qrDir {
            let paths = try VoucherQRCodes.writeFiles(sale.voucherCodes, to: qrDir).joined(separator: "\n") + "\n"
            // With --json, standard output is the answer's alone.
            if json {
                FileHandle.standardError.write(Data(paths.utf8))
            } else {
                print(paths, terminator: "")
            }
        }
    }
}
