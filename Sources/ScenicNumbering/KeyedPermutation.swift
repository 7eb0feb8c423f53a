/// A keyed pseudorandom permutation of the numbers of `bits` bits: without the key, the
/// image of one number says nothing about any other's.
///
/// A four-round balanced Feistel network with AES as its round function (Luby and
/// Rackoff: four rounds of a pseudorandom function give a strong pseudorandom
/// permutation). Each use of one key takes its own `domain`, a byte of every AES block,
/// so that the permutations of one key are unrelated to each other.
struct KeyedPermutation: Sendable {
    private static let rounds = 4
    private let cipher: AESBlockCipher
    private let halfBits: Int
    private let domain: UInt8

    /// `key` is 16, 24 or 32 bytes; `bits` is even, from 2 to 62.
    init(key: [UInt8], bits: Int, domain: UInt8) {
        precondition(bits % 2 == 0 && (2...62).contains(bits), "a balanced network over 2 to 62 bits")
        cipher = AESBlockCipher(key: key)
        self.halfBits = bits / 2
        self.domain = domain
    }

    /// The largest number permuted: 2^bits − 1.
    var largest: UInt64 { (1 << UInt64(2 * halfBits)) - 1 }

    /// The image of `value` (at most ``largest``).
    func forward(_ value: UInt64) -> UInt64 {
        var (left, right) = split(value)
        for round in 0..<Self.rounds {
            (left, right) = (right, left ^ function(round, right))
        }
        return left << UInt64(halfBits) | right
    }

    /// The number whose image is `value`.
    func backward(_ value: UInt64) -> UInt64 {
        var (left, right) = split(value)
        for round in (0..<Self.rounds).reversed() {
            (left, right) = (right ^ function(round, left), left)
        }
        return left << UInt64(halfBits) | right
    }

    private var halfMask: UInt64 { (1 << UInt64(halfBits)) - 1 }

    private func split(_ value: UInt64) -> (UInt64, UInt64) {
        precondition(value <= largest, "\(value) has more than \(2 * halfBits) bits")
        return (value >> UInt64(halfBits), value & halfMask)
    }

    /// `halfBits` pseudorandom bits of round `round` and half `half`: one AES block
    /// holding the round, the half (big-endian, in as few bytes as it needs) and the domain.
    private func function(_ round: Int, _ half: UInt64) -> UInt64 {
        let bytes = (halfBits + 7) / 8
        var block: (UInt64, UInt64) = (0, 0)
        let output = withUnsafeMutableBytes(of: &block) { block in
            block[0] = UInt8(round)
            for index in 0..<bytes {
                block[1 + index] = UInt8(truncatingIfNeeded: half >> UInt64(8 * (bytes - 1 - index)))
            }
            block[15] = domain
            cipher.encrypt(block)
            return block.prefix(bytes).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        return output >> UInt64(8 * bytes - halfBits)
    }
}
