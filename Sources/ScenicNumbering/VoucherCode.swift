/// The form of a voucher code: 16 digits, the last a Damm check digit, so that any single
/// mistyped digit or swapped neighbours are caught before a lookup.
public enum VoucherCode {
    public static let length = 16

    /// Damm's table: row the interim digit so far, column the next digit.
    private static let damm: [UInt8] = [
        0, 3, 1, 7, 5, 9, 8, 6, 4, 2, 7, 0, 9, 2, 1, 5, 4, 8, 6, 3, 4, 2, 0, 6, 8, 7, 1, 3, 5, 9,
        1, 7, 5, 0, 9, 8, 3, 4, 2, 6, 6, 1, 2, 3, 0, 4, 5, 9, 7, 8, 3, 6, 7, 4, 2, 0, 9, 5, 8, 1,
        5, 8, 6, 9, 7, 2, 0, 1, 3, 4, 8, 9, 4, 5, 3, 6, 2, 0, 1, 7, 9, 4, 3, 8, 6, 1, 7, 2, 0, 5,
        2, 5, 8, 1, 4, 3, 6, 7, 9, 0,
    ]

    private static func interim(_ digits: some Sequence<Int>) -> Int {
        digits.reduce(0) { Int(damm[$0 * 10 + $1]) }
    }

    /// The code of `number` (below 10^15): its 15 digits and their check digit, written
    /// straight into the string's storage (a code is made for every ticket sold).
    static func code(of number: UInt64) -> String {
        precondition(number < VoucherCodes.space, "a voucher number has 15 digits")
        let zero = UInt8(ascii: "0")
        return String(unsafeUninitializedCapacity: length) { code in
            var rest = number
            for index in (0..<length - 1).reversed() {
                code[index] = zero + UInt8(rest % 10)
                rest /= 10
            }
            code[length - 1] = zero + UInt8(interim(code[..<(length - 1)].lazy.map { Int($0 - zero) }))
            return length
        }
    }

    /// The number a code of 16 digits stands for (its check digit not checked).
    static func number(of code: String) -> UInt64? {
        guard code.utf8.count == length else { return nil }
        var number: UInt64 = 0
        for byte in code.utf8.prefix(length - 1) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            number = number * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return number
    }

    /// The code with spaces and dashes removed, or nil when it is not 16 digits or its
    /// check digit is wrong.
    public static func normalize(_ text: String) -> String? {
        let compact = text.filter { $0 != " " && $0 != "-" }
        guard compact.count == length else { return nil }
        let digits = compact.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == length, interim(digits) == 0 else { return nil }
        return compact
    }
}
