import Crypto
import Foundation

/// Random secrets and their digests. Every random byte comes from the system CSPRNG
/// (`SystemRandomNumberGenerator`: getrandom(2) on Linux).
enum Secrets {
    /// No look-alikes: no 0/O/o, 1/l/I/i.
    static let passwordAlphabet = Array("23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ")
    static let initialPasswordLength = 12

    /// A fresh initial password: 12 characters of a 55-letter alphabet, about 69 bits.
    static func initialPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<initialPasswordLength).map { _ in passwordAlphabet.randomElement(using: &generator)! })
    }

    /// A session token: 256 random bits, base64url without padding.
    static func sessionToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the store keeps of a token: its SHA-256. A token has enough entropy that a
    /// plain hash cannot be searched.
    static func tokenDigest(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
