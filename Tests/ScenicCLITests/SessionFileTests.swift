import Foundation
import ScenicTestSupport
import Testing

@testable import ScenicCLI

@Suite("The point of sale's session file")
struct SessionFileTests {
    static func temporaryPath() -> String {
        TestScratch.path("session-", suffix: ".json")
    }

    @Test("what save writes, load reads back")
    func roundTrip() throws {
        let path = Self.temporaryPath()
        defer { SessionFile.remove(at: path) }
        let session = SessionFile(token: "t0k", phone: "13800138000", expiresAt: "2030-01-01T00:00:00+08:00")
        try session.save(to: path)
        let loaded = try SessionFile.load(from: path)
        #expect([loaded.token, loaded.phone, loaded.expiresAt] == [session.token, session.phone, session.expiresAt])
    }

    @Test("a damaged file is named, with what to do about it", arguments: [
        "not json", "{\"token\": \"t0k\"}", "{\"token\": 1, \"phone\": \"1\", \"expiresAt\": \"\"}", "",
    ])
    func damaged(content: String) throws {
        let path = Self.temporaryPath()
        defer { SessionFile.remove(at: path) }
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: InputError.self) { try SessionFile.load(from: path) }
        #expect(error?.description == "the session file \(path) is damaged or not a session: log in again (scenic-pos login) or remove it")
    }
}
