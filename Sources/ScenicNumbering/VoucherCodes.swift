/// The codes vouchers are issued under: a keyed permutation of the voucher's row id onto
/// the 10^15 numbers a code's 15 digits hold, with its check digit.
///
/// The code leads straight back to the row (no index of random codes to keep, a page
/// written at a random place by every sale), and without the store's key a code says
/// nothing about any other: knowing one's own tickets does not lead to anyone else's.
/// A ``KeyedPermutation`` over 50 bits (2^50 ≥ 10^15), walked in cycles until it lands
/// below 10^15, under the key of ``PublicNumbers`` in a domain of its own.
public struct VoucherCodes: Sendable {
    /// How many codes there are: 10^15.
    public static let space: UInt64 = 1_000_000_000_000_000
    private let permutation: KeyedPermutation

    /// `key` is 16, 24 or 32 bytes.
    public init(key: [UInt8]) {
        permutation = KeyedPermutation(key: key, bits: 50, domain: 1)
    }

    /// The code of voucher `id` (1 to 10^15 − 1).
    public func code(for id: Int64) -> String {
        precondition(id > 0 && UInt64(id) < Self.space, "voucher id \(id) outside 1..<10^15")
        var value = UInt64(id)
        repeat { value = permutation.forward(value) } while value >= Self.space
        return VoucherCode.code(of: value)
    }

    /// The voucher id `code` (16 digits) is the code of, or nil when it is no id's.
    public func id(for code: String) -> Int64? {
        guard var value = VoucherCode.number(of: code) else { return nil }
        repeat { value = permutation.backward(value) } while value >= Self.space
        return value == 0 ? nil : Int64(value)
    }
}
