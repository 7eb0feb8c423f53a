/// Voucher codes: 15 digits from the CSPRNG (about 50 bits) and a Damm check digit, so
/// that any single mistyped digit or swapped neighbours are caught before a lookup.
public enum VoucherCode {
    public static let length = 16

    private static let damm: [[Int]] = [
        [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
        [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
        [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
        [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
    ]

    private static func interim(_ digits: some Sequence<Int>) -> Int {
        digits.reduce(0) { damm[$0][$1] }
    }

    public static func generate() -> String {
        // One draw for all 15 digits (10^15 < 2^50): the system generator makes a
        // getrandom(2) call per draw, and a sale of 100 tickets makes 100 codes.
        var number = UInt64.random(in: 0..<1_000_000_000_000_000)
        var digits = [Int](repeating: 0, count: length - 1)
        for index in digits.indices.reversed() {
            digits[index] = Int(number % 10)
            number /= 10
        }
        return (digits + [interim(digits)]).map(String.init).joined()
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
