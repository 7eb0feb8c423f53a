#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ScenicClient
import ScenicProto
import ScenicRPC
import ScenicTransport
import Testing

@Suite("a socket passed by socket activation")
struct InheritedSocketTests {
    /// A Unix socket of `type` bound at `path`, listening if `listening`: what a service
    /// manager would pass.
    static func makeSocket(at path: String, type: __socket_type = SOCK_STREAM, listening: Bool = true) -> CInt {
        let fd = socket(AF_UNIX, Int32(type.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(bound == 0 && (!listening || listen(fd, 16) == 0), "cannot make a socket at \(path)")
        return fd
    }

    @Test("a listening Unix stream socket is taken with its path and made close-on-exec")
    func taken() throws {
        let path = TestServer.makeDirectory() + "/passed.sock"
        let fd = Self.makeSocket(at: path)
        defer { close(fd) }
        let socket = try InheritedSocket(descriptor: fd)
        #expect(socket.path == path)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test("refused: a socket that does not listen, a datagram socket, a file, a closed descriptor", arguments: [
        "unlistened", "datagram", "file", "closed",
    ])
    func refused(kind: String) throws {
        let directory = TestServer.makeDirectory()
        let fd: CInt =
            switch kind {
            case "unlistened": Self.makeSocket(at: directory + "/s.sock", listening: false)
            case "datagram": Self.makeSocket(at: directory + "/s.sock", type: SOCK_DGRAM, listening: false)
            case "file": open(directory + "/file", O_CREAT | O_RDWR, 0o600)
            default: 1000
            }
        defer { if fd != 1000 { close(fd) } }
        #expect(throws: SocketActivationError.notAListeningUnixStreamSocket(fd)) { try InheritedSocket(descriptor: fd) }
    }

    @Test("served as a bound socket is: calls answered, callers admitted by uid; its mode and file left to its owner")
    func served() async throws {
        let directory = TestServer.makeDirectory()
        let path = directory + "/passed.sock"
        let fd = Self.makeSocket(at: path)
        chmod(path, 0o640)
        let myUID = getuid()
        // Admits only this process's uid: a call gets through only if SO_PEERCRED was read.
        let server = try await TestServer.start(
            admission: { peer in peer?.uid == myUID ? nil : RPCError(.permissionDenied, "refused", reason: "ADMIN_NOT_ALLOWED") },
            in: directory, adopting: try InheritedSocket(descriptor: fd))
        #expect(server.path == path)
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: path)
            let answer = try await client.call(
                service: TestServer.service, method: "Echo", request: TestServer.echo("adopted"), as: Scenic_V1_ServerInfoResponse.self)
            #expect(answer.version == "adopted")
            await client.close()
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o640, "the service manager's mode was changed")
    }
}
