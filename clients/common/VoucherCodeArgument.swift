import ArgumentParser

/// A voucher code typed for a command that works without the daemon (a QR code of it):
/// spaces and dashes go, as the daemon drops them, and what is left must be 16 digits.
/// The check digit is the daemon's to judge; a code it refuses is refused at the gate.
public enum VoucherCodeArgument {
    public static func parse(_ text: String) throws -> String {
        let code = compact(text)
        guard code.count == 16, code.allSatisfy(\.isASCIIDigit) else {
            throw ValidationError("\(text) is not a voucher code: 16 digits")
        }
        return code
    }

    /// The code without the spaces and dashes that group its digits, as the daemon reads
    /// it and names it in an error's metadata.
    public static func compact(_ text: String) -> String {
        text.filter { $0 != " " && $0 != "-" }
    }
}
