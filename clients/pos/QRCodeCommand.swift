#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicCLI
import ScenicQRCode

/// `--qr-dir DIR`, for `sell` and `qr`.
struct QRDirectoryOption: ParsableArguments {
    @Option(help: "Write each voucher's QR code to DIR/CODE.png (DIR is created if missing) and print the paths.")
    var qrDir: String?
}

/// `scenic-pos qr`: the QR codes of vouchers already sold. A voucher's QR code holds
/// nothing but its code, so no call to the daemon is needed.
struct QRCodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Draw vouchers' QR codes in the terminal, or write them as PNG files with --qr-dir.",
        discussion: "The gate scans the code from a screen or a print; a QR code holds the voucher's code only.")

    @Argument(help: "Voucher codes, 16 digits (spaces and dashes are fine).", transform: VoucherCodeArgument.parse)
    var codes: [String]
    @OptionGroup var directory: QRDirectoryOption

    func run() throws {
        if let qrDir = directory.qrDir {
            for path in try VoucherQRCodes.writeFiles(codes, to: qrDir) { print(path) }
        } else {
            print(try codes.map(VoucherQRCodes.drawn).joined(separator: "\n"))
        }
    }
}

/// Voucher codes as QR codes: drawn under their code, or written as PNG files.
enum VoucherQRCodes {
    /// "voucher CODE" with the code's QR code drawn under it.
    static func drawn(_ code: String) throws -> String {
        "voucher \(code)\n" + (try VoucherQRCode(encoding: code).terminalText())
    }

    /// Writes `directory/CODE.png` for each code, creating the directory if missing, each
    /// file 0644 whatever the umask (a picture to hand on, nothing secret: the code is on
    /// the ticket); answers the paths.
    static func writeFiles(_ codes: [String], to directory: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError("cannot create \(directory): \(error.localizedDescription)")
        }
        return try codes.map { code in
            let path = (directory as NSString).appendingPathComponent(code + ".png")
            try FileOutput.save(Data(try VoucherQRCode(encoding: code).png()), to: path, mode: 0o644)
            return path
        }
    }
}
