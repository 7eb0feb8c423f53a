#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ScenicProto
import ScenicRPC
import ScenicTestSupport
import Testing

@testable import ScenicTransport

/// A socket that takes connections (the kernel's backlog does) and never answers.
private final class SilentListener {
    let path: String
    let fd: Int32

    init() throws {
        path = TestScratch.path("scenic-silent-", suffix: ".sock")
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

@Suite("Client deadlines")
struct ClientDeadlineTests {
    static func health() -> Ttrpc_Request {
        var request = Ttrpc_Request()
        request.service = "grpc.health.v1.Health"
        request.method = "Check"
        return request
    }

    /// How `call` ended and when, counted from `start`.
    static func timed(
        _ connection: ClientConnection, timeout: Duration, from start: ContinuousClock.Instant
    ) async -> (code: StatusCode?, after: Duration) {
        do {
            _ = try await connection.call(health(), timeout: timeout)
            return (nil, ContinuousClock.now - start)
        } catch {
            return ((error as? RPCError)?.code, ContinuousClock.now - start)
        }
    }

    @Test("a daemon that never answers: each call with a timeout fails DEADLINE_EXCEEDED after its own timeout")
    func silentDaemon() async throws {
        let listener = try SilentListener()
        let connection = try await ClientConnection.connect(path: listener.path)
        let start = ContinuousClock.now
        async let short = Self.timed(connection, timeout: .milliseconds(100), from: start)
        async let long = Self.timed(connection, timeout: .milliseconds(1_500), from: start)
        let (first, second) = await (short, long)
        #expect(first.code == .deadlineExceeded && second.code == .deadlineExceeded)
        // Each waits for its own timeout plus the client's 200 ms margin (the daemon enforces
        // the real deadline); the upper bounds are loose for a loaded machine.
        #expect(first.after >= .milliseconds(300) && first.after < second.after)
        #expect(second.after >= .milliseconds(1_700) && second.after < .seconds(20))
        await connection.close()
    }
}

