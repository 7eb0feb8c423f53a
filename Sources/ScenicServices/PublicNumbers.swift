import Crypto
import CryptoExtras

/// The numbers order, ledger entry and page-token rows are shown under, instead of their
/// row ids: a keyed permutation of the id, so that a distributor who sells twice cannot
/// count how many orders every other distributor made in between.
///
/// A four-round Feistel network over 48 bits with AES as its round function (Luby and
/// Rackoff: four rounds of a pseudorandom function give a strong pseudorandom
/// permutation), the key the store's own. Ids from 1 to 2^48 − 1 map one to one onto
/// numbers in the same range (cycle walking keeps 0, proto3's "unset", out of it).
public struct PublicNumbers: Sendable {
    /// The largest id, and number, there is: 2^48 − 1, some 281 trillion.
    public static let largest: Int64 = (1 << 48) - 1
    private static let rounds = 4
    private let key: SymmetricKey

    /// `key` is 16, 24 or 32 bytes.
    public init(key: [UInt8]) {
        precondition([16, 24, 32].contains(key.count), "an AES key is 16, 24 or 32 bytes")
        self.key = SymmetricKey(data: key)
    }

    /// The number row `id` is shown under.
    public func number(for id: Int64) -> Int64 {
        precondition((1...Self.largest).contains(id), "row id \(id) outside 1...2^48-1")
        var value = UInt64(id)
        repeat { value = permute(value, inverse: false) } while value == 0
        return Int64(value)
    }

    /// The row id shown as `number`, or nil for a number no id is shown under.
    public func id(for number: Int64) -> Int64? {
        guard (1...Self.largest).contains(number) else { return nil }
        var value = UInt64(number)
        repeat { value = permute(value, inverse: true) } while value == 0
        return Int64(value)
    }

    private func permute(_ value: UInt64, inverse: Bool) -> UInt64 {
        var left = value >> 24
        var right = value & 0xFF_FFFF
        if !inverse {
            for round in 0..<Self.rounds {
                (left, right) = (right, left ^ function(round, right))
            }
        } else {
            for round in (0..<Self.rounds).reversed() {
                (left, right) = (right ^ function(round, left), left)
            }
        }
        return left << 24 | right
    }

    /// 24 pseudorandom bits of round `round` and half `half`: one AES block.
    private func function(_ round: Int, _ half: UInt64) -> UInt64 {
        var block: [UInt8] = [UInt8(round), UInt8(half >> 16 & 0xFF), UInt8(half >> 8 & 0xFF), UInt8(half & 0xFF)]
        block += [UInt8](repeating: 0, count: 12)
        // A 16-byte block and a valid key: AES cannot fail on them.
        try! AES.permute(&block, key: key)
        return UInt64(block[0]) << 16 | UInt64(block[1]) << 8 | UInt64(block[2])
    }
}
