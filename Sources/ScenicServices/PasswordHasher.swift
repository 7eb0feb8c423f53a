import Crypto
import CryptoExtras
import Foundation
import ScenicRPC

/// scrypt password hashing, stored as `scrypt$LOG_N$R$P$SALT$HASH` (base64), so the cost
/// can rise later without invalidating stored hashes.
///
/// Each hash takes 128 MiB and a good fraction of a second at the default cost, so they
/// run on a ``PasswordHashingPool``: never on the event loops, never on Swift's
/// cooperative pool, and sales carry on beside a login. The peer a hash is for (the Unix
/// user behind a login) decides its share of the pool; nil is the back office's work.
public struct PasswordHasher: Sendable {
    /// OWASP's minimum for scrypt: N = 2^17, r = 8, p = 1.
    public static let defaultLogN = 17

    public let logN: Int
    public let blockSize = 8
    public let parallelism = 1
    /// The longest password hashed, in bytes: scrypt's cost grows with the password's
    /// length, and no one types more.
    public static let maxPasswordBytes = 1024
    private let pool: PasswordHashingPool

    public init(logN: Int = PasswordHasher.defaultLogN, pool: PasswordHashingPool = PasswordHashingPool()) {
        precondition((10...20).contains(logN), "scrypt log2(N) out of range")
        self.logN = logN
        self.pool = pool
    }

    public func hash(_ password: String, for peer: UInt32? = nil, deadline: MonotonicInstant? = nil) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = try await derive(password, salt: salt, logN: logN, r: blockSize, p: parallelism, for: peer, deadline: deadline)
        return ["scrypt", "\(logN)", "\(blockSize)", "\(parallelism)", Data(salt).base64EncodedString(),
            Data(derived).base64EncodedString()].joined(separator: "$")
    }

    /// A well-formed hash at this cost that no password matches: verifying against it
    /// costs what a real verification costs, without hashing anything at start-up.
    public func decoyHash() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = { (count: Int) in Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }) }
        return ["scrypt", "\(logN)", "\(blockSize)", "\(parallelism)", random(16).base64EncodedString(),
            random(32).base64EncodedString()].joined(separator: "$")
    }

    /// Whether `password` matches `stored`; false for a malformed hash.
    public func verify(
        _ password: String, against stored: String, for peer: UInt32? = nil, deadline: MonotonicInstant? = nil
    ) async throws -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), (10...20).contains(logN),
            let r = Int(parts[2]), let p = Int(parts[3]), let salt = Data(base64Encoded: parts[4]),
            let expected = Data(base64Encoded: parts[5])
        else { return false }
        let derived = try await derive(password, salt: Array(salt), logN: logN, r: r, p: p, for: peer, deadline: deadline)
        // Constant-time comparison: the time says nothing about how much matched.
        guard derived.count == expected.count else { return false }
        return zip(derived, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func derive(
        _ password: String, salt: [UInt8], logN: Int, r: Int, p: Int, for peer: UInt32?, deadline: MonotonicInstant?
    ) async throws -> [UInt8] {
        try await pool.run(for: peer, deadline: deadline) {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logN, blockSize: r, parallelism: p)
            return key.withUnsafeBytes { Array($0) }
        }
    }
}
