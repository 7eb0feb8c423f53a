import Foundation
import ScenicClient
import ScenicTestSupport
import Testing

@testable import ScenicCLI

/// Serialized: the tests set `SCENIC_API_KEY` in this process's environment.
@Suite("The point of sale's credential: --api-key-file, then SCENIC_API_KEY, then the session file", .serialized)
struct CredentialOptionsTests {
    let folder: String
    let sessionPath: String
    let keyPath: String

    init() throws {
        folder = TestScratch.path("credentials-")
        sessionPath = folder + "/session.json"
        keyPath = folder + "/api.key"
        try SessionFile(token: "session-token", phone: "13800138000", expiresAt: "2030-01-01T00:00:00+08:00").save(to: sessionPath)
        try FileOutput.save(Data("sk_abcdefgh_fromfile\n".utf8), to: keyPath, mode: 0o600)
        unsetenv(CredentialOptions.apiKeyEnvironmentVariable)
    }

    func options(_ arguments: [String]) throws -> CredentialOptions {
        try CredentialOptions.parse(arguments + ["--session-file", sessionPath])
    }

    @Test("the option's file wins over the environment; the key is trimmed")
    func optionFirst() throws {
        setenv(CredentialOptions.apiKeyEnvironmentVariable, "sk_abcdefgh_fromenv", 1)
        defer { unsetenv(CredentialOptions.apiKeyEnvironmentVariable) }
        #expect(try options(["--api-key-file", keyPath]).metadata() == [ScenicClient.apiKeyMetadataKey: "sk_abcdefgh_fromfile"])
    }

    @Test("the environment wins over the session file")
    func environmentSecond() throws {
        setenv(CredentialOptions.apiKeyEnvironmentVariable, "sk_abcdefgh_fromenv", 1)
        defer { unsetenv(CredentialOptions.apiKeyEnvironmentVariable) }
        #expect(try options([]).metadata() == [ScenicClient.apiKeyMetadataKey: "sk_abcdefgh_fromenv"])
    }

    @Test("without a key, the session; `call` without either sends nothing")
    func sessionLast() throws {
        #expect(try options([]).metadata() == [ScenicClient.sessionMetadataKey: "session-token"])
        let none = try CredentialOptions.parse(["--session-file", folder + "/missing.json"])
        #expect(try none.metadataIfAny().isEmpty)
        #expect(throws: InputError.self) { try none.metadata() }
    }

    @Test("an unreadable or empty key file is an error naming the file, never the key")
    func badFile() throws {
        let unreadable = #expect(throws: InputError.self) { try options(["--api-key-file", folder + "/nope"]).metadata() }
        #expect(unreadable?.description == "cannot read the API key file \(folder)/nope")
        try FileOutput.save(Data(" \n".utf8), to: keyPath, mode: 0o600)
        let empty = #expect(throws: InputError.self) { try options(["--api-key-file", keyPath]).metadata() }
        #expect(empty?.description == "the API key file \(keyPath) is empty")
    }

    @Test("a key file others may read is warned of, as ssh does; one only its owner may read is not")
    func exposure() throws {
        #expect(CredentialOptions.exposureWarning(keyPath) == nil)
        chmod(keyPath, 0o640)
        let warning = try #require(CredentialOptions.exposureWarning(keyPath))
        #expect(warning.contains("mode 0640"))
        #expect(warning.hasSuffix("chmod 600 \(keyPath)"))
        #expect(!warning.contains("fromfile"))
    }
}
