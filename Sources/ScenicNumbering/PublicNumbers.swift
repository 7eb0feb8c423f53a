/// The numbers order, ledger entry and page-token rows are shown under, instead of their
/// row ids: a keyed permutation of the id, so that a distributor who sells twice cannot
/// count how many orders every other distributor made in between.
///
/// A ``KeyedPermutation`` over 48 bits, the key the store's own. Ids from 1 to 2^48 − 1 map
/// one to one onto numbers in the same range (cycle walking keeps 0, proto3's "unset", out
/// of it).
public struct PublicNumbers: Sendable {
    /// The largest id, and number, there is: 2^48 − 1, some 281 trillion.
    public static let largest: Int64 = (1 << 48) - 1
    private let permutation: KeyedPermutation

    /// `key` is 16, 24 or 32 bytes.
    public init(key: [UInt8]) {
        permutation = KeyedPermutation(key: key, bits: 48, domain: 0)
    }

    /// The number row `id` is shown under.
    public func number(for id: Int64) -> Int64 {
        precondition((1...Self.largest).contains(id), "row id \(id) outside 1...2^48-1")
        var value = UInt64(id)
        repeat { value = permutation.forward(value) } while value == 0
        return Int64(value)
    }

    /// The row id shown as `number`, or nil for a number no id is shown under.
    public func id(for number: Int64) -> Int64? {
        guard (1...Self.largest).contains(number) else { return nil }
        var value = UInt64(number)
        repeat { value = permutation.backward(value) } while value == 0
        return Int64(value)
    }
}
