#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import ScenicClient

/// How a point-of-sale command says who calls: an API key, from `--api-key-file`, else
/// from `SCENIC_API_KEY`, else the session `login` saved. A key is for a machine that
/// sells or reads unattended; logging out and changing the password take a session.
public struct CredentialOptions: ParsableArguments {
    @Option(help: "A file holding an API key to call with instead of the session (default: $SCENIC_API_KEY, else the session file).")
    public var apiKeyFile: String?

    @OptionGroup public var session: SessionOptions

    /// The environment variable holding an API key itself.
    public static let apiKeyEnvironmentVariable = "SCENIC_API_KEY"

    public init() {}

    /// The metadata that carries the credential; an ``InputError`` saying what to do when
    /// there is none.
    public func metadata() throws -> [String: String] {
        if let key = try apiKey() { return Self.metadata(apiKey: key) }
        return try SessionFile.load(from: session.path).metadata
    }

    /// As ``metadata()``, but empty when there is neither a key nor a usable session: for
    /// `call`, whose method may need neither.
    public func metadataIfAny() throws -> [String: String] {
        if let key = try apiKey() { return Self.metadata(apiKey: key) }
        return (try? SessionFile.load(from: session.path))?.metadata ?? [:]
    }

    /// The key of `--api-key-file`, else of `SCENIC_API_KEY`, else nil. Never printed: a
    /// message about the key names where it came from.
    func apiKey() throws -> String? {
        if let apiKeyFile {
            guard let data = FileManager.default.contents(atPath: apiKeyFile) else {
                throw InputError("cannot read the API key file \(apiKeyFile)")
            }
            if let warning = Self.exposureWarning(apiKeyFile) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
            let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw InputError("the API key file \(apiKeyFile) is empty") }
            return key
        }
        let fromEnvironment = ProcessInfo.processInfo.environment[Self.apiKeyEnvironmentVariable]?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return fromEnvironment?.isEmpty == false ? fromEnvironment : nil
    }

    static func metadata(apiKey: String) -> [String: String] { [ScenicClient.apiKeyMetadataKey: apiKey] }

    /// A warning when users other than the file's owner may read or change the key file,
    /// as ssh gives for a private key; nil when only its owner may.
    static func exposureWarning(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o077 != 0 else { return nil }
        let mode = String(status.st_mode & 0o777, radix: 8)
        return "warning: the API key file \(path) is open to other users (mode 0\(mode)): anyone who reads it can call as you; chmod 600 \(path)"
    }
}
