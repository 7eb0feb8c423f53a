import Crypto
import Foundation
import ScenicStore

/// The daemon's key to visitors' personal data. One 256-bit secret, kept in a file outside
/// the database, gives two keys (HKDF): one seals a visitor's name and ID number
/// (AES-256-GCM, a fresh nonce each time), the other hashes the ID number (HMAC-SHA256)
/// into what per-ID limits and the gate look a visitor up by. Neither the database, its
/// WAL nor a backup holds a number in the clear, and a hash cannot be searched without
/// the key the way a plain hash of a birth-date-structured number could.
public struct PersonalDataVault: Sendable {
    /// Why a key file cannot be used.
    public enum KeyFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
        case missing(path: String)
        case malformed(path: String)
        case readableByOthers(path: String, mode: UInt16)
        case unwritable(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .missing(let path): "the personal data key file \(path) does not exist"
            case .malformed(let path): "the personal data key file \(path) does not hold 32 bytes in base64"
            case .readableByOthers(let path, let mode):
                "the personal data key file \(path) may be read by other users (mode \(String(mode, radix: 8))): chmod 600 it"
            case .unwritable(let path, let errno): "the personal data key file \(path) cannot be written: \(String(cString: strerror(errno)))"
            }
        }
    }

    /// The unsealed content of a visitor.
    struct Sealed: Codable, Equatable {
        var name: String
        var kind: String
        var number: String
    }

    private let sealingKey: SymmetricKey
    private let indexKey: SymmetricKey

    /// Derives the keys from a 32-byte secret.
    public init(secret: Data) {
        let master = SymmetricKey(data: secret)
        sealingKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("scenic personal data sealing v1".utf8), outputByteCount: 32)
        indexKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("scenic personal data index v1".utf8), outputByteCount: 32)
    }

    /// A vault under a fresh random secret, for a store that is thrown away afterwards (tests).
    public static func ephemeral() -> PersonalDataVault {
        PersonalDataVault(secret: Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
    }

    /// Reads the key file at `path`: 32 bytes in base64 on one line. With `create`, a
    /// missing file is made with a fresh secret, readable by its owner only; a file
    /// others may read is refused rather than trusted.
    public static func load(path: String, create: Bool) throws -> PersonalDataVault {
        if create, !FileManager.default.fileExists(atPath: path) {
            let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw KeyFileProblem.unwritable(path: path, errno: errno) }
            defer { close(fd) }
            let text = Array((secret.base64EncodedString() + "\n").utf8)
            guard write(fd, text, text.count) == text.count, fsync(fd) == 0 else {
                throw KeyFileProblem.unwritable(path: path, errno: errno)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileProblem.missing(path: path) }
        guard info.st_mode & 0o077 == 0 else { throw KeyFileProblem.readableByOthers(path: path, mode: UInt16(info.st_mode & 0o777)) }
        guard let text = FileManager.default.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }),
            let secret = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), secret.count == 32
        else { throw KeyFileProblem.malformed(path: path) }
        return PersonalDataVault(secret: secret)
    }

    /// What the store keeps to recognize this key: an HMAC of a fixed text.
    public var keyCheck: Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("scenic personal data key check".utf8), using: indexKey))
    }

    /// The keyed hash of a document's number, whatever kind it was given as: a passport's
    /// form takes every permit's numbers too, and a limit must not double by naming the
    /// same document as another kind.
    func idHash(_ document: IdentityDocument) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(document.number.utf8), using: indexKey))
    }

    /// A digest of request content that may hold personal data (the fingerprint of a
    /// request id), keyed so that it cannot be searched for an ID number.
    func keyedDigest(_ bytes: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: bytes, using: indexKey))
    }

    /// A visitor as the store keeps it.
    func seal(name: String, document: IdentityDocument) throws -> SealedVisitor {
        let content = try JSONEncoder().encode(Sealed(name: name, kind: document.kind.rawValue, number: document.number))
        guard let combined = try AES.GCM.seal(content, using: sealingKey).combined else {
            preconditionFailure("AES.GCM with its default 12-byte nonce always has a combined form")
        }
        return SealedVisitor(
            idType: document.kind.rawValue, maskedName: Self.maskedName(name), maskedIDNumber: document.masked,
            idHash: idHash(document), sealed: combined)
    }

    /// The name and document sealed in `data`; nil when it was sealed under another key or altered.
    func unseal(_ data: Data) -> Sealed? {
        guard let box = try? AES.GCM.SealedBox(combined: data), let content = try? AES.GCM.open(box, using: sealingKey) else {
            return nil
        }
        return try? JSONDecoder().decode(Sealed.self, from: content)
    }

    /// A name as lists show it: its first character, every other one but spaces as `*`.
    static func maskedName(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(name.dropFirst().map { $0 == " " ? " " : "*" })
    }
}
