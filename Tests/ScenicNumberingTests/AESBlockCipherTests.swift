import Testing

@testable import ScenicNumbering

@Suite("AES blocks")
struct AESBlockCipherTests {
    private static func encrypt(_ cipher: AESBlockCipher, _ plain: [UInt8]) -> [UInt8] {
        var block = plain
        block.withUnsafeMutableBytes { cipher.encrypt($0) }
        return block
    }

    private static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    @Test("FIPS-197's AES-128 example, on the expanded key and on swift-crypto's")
    func fips197() {
        let key = Self.bytes("000102030405060708090a0b0c0d0e0f")
        let plain = Self.bytes("00112233445566778899aabbccddeeff")
        let expected = Self.bytes("69c4e0d86a7b0430d8cdb78070b4c55a")
        #expect(Self.encrypt(AESBlockCipher(key: key), plain) == expected)
        #expect(Self.encrypt(AESBlockCipher(key: key, expandOnce: false), plain) == expected)
    }

    @Test("the key expanded once encrypts as swift-crypto does, over random keys and blocks", .enabled(if: AESBlockCipher.hasAESInstructions))
    func agreesWithSwiftCrypto() {
        for _ in 0..<500 {
            let key = (0..<16).map { _ in UInt8.random(in: 0...255) }
            let (once, crypto) = (AESBlockCipher(key: key), AESBlockCipher(key: key, expandOnce: false))
            for _ in 0..<8 {
                let plain = (0..<16).map { _ in UInt8.random(in: 0...255) }
                #expect(Self.encrypt(once, plain) == Self.encrypt(crypto, plain))
            }
        }
    }

    @Test("keys of 24 and 32 bytes take swift-crypto's path: FIPS-197's examples")
    func longerKeys() {
        let plain = Self.bytes("00112233445566778899aabbccddeeff")
        let key192 = Self.bytes("000102030405060708090a0b0c0d0e0f1011121314151617")
        let key256 = Self.bytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        #expect(Self.encrypt(AESBlockCipher(key: key192), plain) == Self.bytes("dda97ca4864cdfe06eaf70a0ec0d7191"))
        #expect(Self.encrypt(AESBlockCipher(key: key256), plain) == Self.bytes("8ea2b7ca516745bfeafc49904b496089"))
    }
}
