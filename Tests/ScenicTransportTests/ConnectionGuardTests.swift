import Foundation
import NIOCore
import NIOEmbedded
import ScenicProto
import ScenicRPC
import ScenicTestSupport
import Testing

@testable import ScenicTransport

/// What keeps one local user from taking a socket's connections: a share per Unix user,
/// and timeouts for connections that send nothing, or nothing whole.
@Suite("Connection guards")
struct ConnectionGuardTests {
    @Test("one Unix user holds at most its share; other users, root and the daemon's user are served; a closed place is given back")
    func perUserShare() throws {
        let registry = ConnectionRegistry(capacity: 6, perUserCapacity: 2, unlimitedUsers: [0])
        let nobody = (0..<3).map { _ in EmbeddedChannel() }
        #expect(registry.add(nobody[0], uid: 65534) == .serve)
        #expect(registry.add(nobody[1], uid: 65534) == .serve)
        #expect(registry.add(nobody[2], uid: 65534) == .refuse(refusedBefore: 0))
        #expect(registry.add(EmbeddedChannel(), uid: 1000) == .serve)
        // A peer the kernel would not name is one user too.
        #expect(registry.add(EmbeddedChannel(), uid: nil) == .serve)
        #expect(registry.add(EmbeddedChannel(), uid: nil) == .serve)
        #expect(registry.add(EmbeddedChannel(), uid: nil) == .refuse(refusedBefore: 1))
        #expect(registry.add(EmbeddedChannel(), uid: 0) == .serve)
        // Full in all: even root waits for a place.
        #expect(registry.add(EmbeddedChannel(), uid: 0) == .refuse(refusedBefore: 2))
        _ = try nobody[0].finish()
        #expect(registry.add(nobody[2], uid: 65534) == .serve)
    }

    // Seconds, not milliseconds: the whole suite runs in parallel on two cores, and a test
    // may wait that long for its turn between two steps; the slow call outlasts the idle
    // timeout twice.
    static let limits = ConnectionLimits(firstFrameTimeout: .seconds(2), idleTimeout: .seconds(3))

    @Test("a connection that sends nothing, or a few bytes of a frame, is closed at the first-frame timeout")
    func firstFrame() async throws {
        let server = try await TestServer.start(limits: Self.limits)
        try await withServing(server) { _ in
            let silent = try RawSocket(path: server.path)
            let partial = try RawSocket(path: server.path)
            #expect(partial.send([0, 0]))
            #expect(await silent.waitForClose(timeout: .milliseconds(200)) == false)
            #expect(await silent.waitForClose(timeout: .seconds(5)))
            #expect(await partial.waitForClose(timeout: .seconds(5)))
        }
    }

    @Test("a connection idle past the idle timeout is closed; a call in flight keeps it open, however long")
    func idle() async throws {
        let server = try await TestServer.start(limits: Self.limits)
        try await withServing(server) { _ in
            let idle = try RawSocket(path: server.path)
            try idle.sendRequest(streamID: 1, service: TestServer.service, method: "Echo", message: TestServer.echo("hello"))
            #expect(try await idle.readResponse()?.response.status.code == 0)
            // Bytes of an unfinished frame are not activity.
            #expect(idle.send([0, 0, 0]))
            #expect(await idle.waitForClose(timeout: .milliseconds(400)) == false)
            #expect(await idle.waitForClose(timeout: .seconds(5)))

            let busy = try RawSocket(path: server.path)
            try busy.sendRequest(
                streamID: 1, service: TestServer.service, method: "Echo", message: TestServer.echo("sleep-6000-slow"))
            let answer = try #require(try await busy.readResponse(timeout: .seconds(10)))
            #expect(try Scenic_V1_ServerInfoResponse(serializedBytes: answer.response.payload).version == "slow")
            try busy.sendRequest(streamID: 3, service: TestServer.service, method: "Echo", message: TestServer.echo("again"))
            #expect(try await busy.readResponse()?.response.status.code == 0)
        }
    }

    @Test("an answer larger than the frame limit is RESOURCE_EXHAUSTED, never a larger frame")
    func answerTooLarge() async throws {
        let server = try await TestServer.start(limits: ConnectionLimits(maxFrameSize: 1024))
        try await withServing(server) { _ in
            let socket = try RawSocket(path: server.path)
            try socket.sendRequest(streamID: 1, service: TestServer.service, method: "Grow", message: TestServer.echo("2000"))
            let answer = try #require(try await socket.readResponse())
            #expect(RPCError(status: answer.response.status).reason == "RESPONSE_TOO_LARGE")
            try socket.sendRequest(streamID: 3, service: TestServer.service, method: "Grow", message: TestServer.echo("900"))
            #expect(try await socket.readResponse()?.response.status.code == 0)
        }
    }
}
