import CAESBlock
import Crypto
import CryptoExtras

/// AES of single 16-byte blocks under one key, the round function of ``KeyedPermutation``.
///
/// swift-crypto expands the key again for every block, which for one block costs more
/// than encrypting it, and a permutation encrypts four blocks a number. With a 16-byte
/// key on a CPU with the AES instructions the key is expanded once and each block is ten
/// AES-NI rounds (`CAESBlock`); otherwise swift-crypto encrypts. Both are AES of FIPS-197:
/// the same key gives the same blocks either way.
struct AESBlockCipher: Sendable {
    private enum Engine: Sendable {
        case expanded(ExpandedKey)
        case swiftCrypto(SymmetricKey)
    }

    /// The round keys, written once when made and only read after, behind a pointer of
    /// their own: each block hands C that pointer instead of a copy of 176 bytes.
    private final class ExpandedKey: @unchecked Sendable {
        let schedule = UnsafeMutablePointer<scenic_aes128_schedule>.allocate(capacity: 1)

        init(_ key: [UInt8]) {
            schedule.initialize(to: scenic_aes128_schedule())
            key.withUnsafeBufferPointer { scenic_aes128_expand($0.baseAddress, schedule) }
        }

        deinit { schedule.deallocate() }
    }

    private let engine: Engine

    /// Whether this CPU runs the expanded-key path.
    static let hasAESInstructions = scenic_aes128_available() != 0

    /// `key` is 16, 24 or 32 bytes. `expandOnce: false` takes swift-crypto's path whatever
    /// the CPU, which the tests compare the other one with.
    init(key: [UInt8], expandOnce: Bool = true) {
        precondition([16, 24, 32].contains(key.count), "an AES key is 16, 24 or 32 bytes")
        if expandOnce, key.count == 16, Self.hasAESInstructions {
            engine = .expanded(ExpandedKey(key))
        } else {
            engine = .swiftCrypto(SymmetricKey(data: key))
        }
    }

    /// Encrypts the 16 bytes of `block` in place.
    func encrypt(_ block: UnsafeMutableRawBufferPointer) {
        precondition(block.count == 16, "an AES block is 16 bytes")
        switch engine {
        case .expanded(let key):
            scenic_aes128_encrypt(key.schedule, block.bindMemory(to: UInt8.self).baseAddress)
        case .swiftCrypto(let key):
            var bytes = Array(block)
            // A 16-byte block and a valid key: AES cannot fail on them.
            try! AES.permute(&bytes, key: key)
            block.copyBytes(from: bytes)
        }
    }
}
