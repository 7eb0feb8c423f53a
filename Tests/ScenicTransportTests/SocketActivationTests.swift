import Foundation
import ScenicTransport
import Testing

@Suite("socket activation: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES")
struct SocketActivationTests {
    static let pid: pid_t = 4242

    static func parse(_ environment: [String: String]) throws(SocketActivationError) -> SocketActivation {
        try SocketActivation(environment: environment, processID: pid)
    }

    @Test("no variables, no descriptors, or variables for another process: nothing passed")
    func nothingPassed() throws {
        #expect(try Self.parse([:]) == SocketActivation())
        #expect(try Self.parse(["LISTEN_PID": "4242", "LISTEN_FDS": "0"]) == SocketActivation())
        #expect(try Self.parse(["LISTEN_PID": "4243", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "admin:pos"]) == SocketActivation())
        #expect(try Self.parse(["LISTEN_FDS": "2"]) == SocketActivation())
    }

    @Test("named descriptors from 3 on, in any order", arguments: [
        ("admin:pos", SocketActivation(admin: 3, pointOfSale: 4)),
        ("pos:admin", SocketActivation(admin: 4, pointOfSale: 3)),
    ])
    func named(names: String, expected: SocketActivation) throws {
        #expect(try Self.parse(["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": names]) == expected)
    }

    @Test("one named socket passed: the other is left to bind")
    func oneNamed() throws {
        #expect(try Self.parse(["LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "pos"]) == SocketActivation(pointOfSale: 3))
    }

    @Test("two descriptors without names are admin then pos")
    func unnamedPair() throws {
        #expect(try Self.parse(["LISTEN_PID": "4242", "LISTEN_FDS": "2"]) == SocketActivation(admin: 3, pointOfSale: 4))
        #expect(try Self.parse(["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": ""]) == SocketActivation(admin: 3, pointOfSale: 4))
    }

    @Test("refused: what cannot be told apart, names not ours, numbers that are not numbers", arguments: [
        (["LISTEN_PID": "4242", "LISTEN_FDS": "1"], SocketActivationError.unnamed(descriptors: 1)),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "3"], .unnamed(descriptors: 3)),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "admin"], .namesDoNotMatch(names: 1, descriptors: 2)),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "admin:pos:metrics"], .namesDoNotMatch(names: 3, descriptors: 2)),
        // What systemd passes when a socket unit sets no FileDescriptorName=.
        (["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "scenicd.socket:scenicd.socket"], .unknownName("scenicd.socket")),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "pos:pos"], .duplicateName("pos")),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "two"], .invalidVariable("LISTEN_FDS", value: "two")),
        (["LISTEN_PID": "4242", "LISTEN_FDS": "-1"], .invalidVariable("LISTEN_FDS", value: "-1")),
        (["LISTEN_PID": "me", "LISTEN_FDS": "2"], .invalidVariable("LISTEN_PID", value: "me")),
    ])
    func refused(environment: [String: String], error: SocketActivationError) {
        #expect(throws: error) { try Self.parse(environment) }
    }
}
