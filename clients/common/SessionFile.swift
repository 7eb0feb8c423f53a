#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicClient

/// The point of sale's session on disk: the token from `login`, kept in a file only its
/// owner can read, so that every later command can send it.
public struct SessionFile: Codable {
    public var token: String
    public var phone: String
    public var expiresAt: String

    public init(token: String, phone: String, expiresAt: String) {
        self.token = token
        self.phone = phone
        self.expiresAt = expiresAt
    }

    /// `$XDG_CONFIG_HOME/scenic/session.json`, default `~/.config/scenic/session.json`.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/scenic/session.json"
    }

    /// The session saved at `path`; an ``InputError`` naming the file and what to do when
    /// there is none or it cannot be read as one.
    public static func load(from path: String) throws -> SessionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("not logged in (no session file at \(path)): run scenic-pos login")
        }
        do {
            return try JSONDecoder().decode(SessionFile.self, from: data)
        } catch {
            throw InputError("the session file \(path) is damaged or not a session: log in again (scenic-pos login) or remove it")
        }
    }

    /// Writes the file with mode 0600, creating its folder (0700) if needed.
    public func save(to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileOutput.save(try JSONEncoder().encode(self), to: path, mode: 0o600)
    }

    public static func remove(at path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The session as a call carries it.
    public var metadata: [String: String] { [ScenicClient.sessionMetadataKey: token] }
}

/// `--session-file`: where `login` keeps the session that `passwd` and `logout` need and
/// that the other point-of-sale commands use when no API key is given (``CredentialOptions``).
public struct SessionOptions: ParsableArguments {
    @Option(help: "Where the session token is kept (default: $XDG_CONFIG_HOME/scenic/session.json or ~/.config/scenic/session.json).")
    public var sessionFile: String?

    public init() {}

    public var path: String { sessionFile ?? SessionFile.defaultPath }
}
