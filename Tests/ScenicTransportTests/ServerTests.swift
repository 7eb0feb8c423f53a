#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ScenicClient
import ScenicProto
import ScenicRPC
import ScenicTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import ScenicTransport

/// Serves `server` while `body` runs, then shuts it down gracefully.
func withServing<T: Sendable>(_ server: TestServer, _ body: (ServiceGroup) async throws -> T) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: [.init(service: server.server)], logger: Logger(label: "test")))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result = try await body(group)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// Serves a fresh ``TestServer`` and hands `body` a raw socket connected to it.
func withRawSocket(limits: ConnectionLimits = .init(), _ body: (TestServer, RawSocket) async throws -> Void) async throws {
    let server = try await TestServer.start(limits: limits)
    try await withServing(server) { _ in try await body(server, try RawSocket(path: server.path)) }
}

/// The order in which concurrent calls completed.
final class CompletionOrder: Sendable {
    private let indices = Mutex<[Int]>([])
    func record(_ index: Int) { indices.withLock { $0.append(index) } }
    var order: [Int] { indices.withLock { $0 } }
}

@Suite("Unix-socket server")
struct ServerTests {
    @Test("100 concurrent calls on one connection are each answered correctly, out of order")
    func concurrentCallsOutOfOrder() async throws {
        let server = try await TestServer.start()
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path)
            let finished = CompletionOrder()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        // Later calls sleep less, so they overtake earlier ones.
                        let request = TestServer.echo("sleep-\((100 - index) * 3)-\(index)")
                        let response = try await client.call(
                            service: TestServer.service, method: "Echo", request: request,
                            as: Scenic_V1_ServerInfoResponse.self)
                        #expect(response.version == "\(index)")
                        finished.record(index)
                    }
                }
                try await group.waitForAll()
            }
            let order = finished.order
            #expect(order.count == 100)
            #expect(order != order.sorted(), "answers came back in the order asked")
            await client.close()
        }
    }

    @Test("answers given on the event loop pass a slow call, each on its own stream, and a waiting one still runs")
    func answersNowOvertakeSlowCalls() async throws {
        try await withRawSocket { _, socket in
            try socket.sendRequest(streamID: 1, service: TestServer.service, method: "Echo", message: TestServer.echo("sleep-500-slow"))
            for index in 1...64 {
                try socket.sendRequest(
                    streamID: UInt32(1 + 2 * index), service: TestServer.service, method: "Now", message: TestServer.echo("\(index)"))
            }
            try socket.sendRequest(streamID: 131, service: TestServer.service, method: "Now", message: TestServer.echo("wait"))
            var answers: [UInt32: String] = [:]
            var order: [UInt32] = []
            while answers.count < 66, let answer = try await socket.readResponse() {
                answers[answer.streamID] = try Scenic_V1_ServerInfoResponse(serializedBytes: answer.response.payload).version
                order.append(answer.streamID)
            }
            #expect(answers.count == 66)
            for index in 1...64 { #expect(answers[UInt32(1 + 2 * index)] == "\(index)") }
            #expect(answers[131] == "waited")
            #expect(answers[1] == "slow")
            #expect(order.last == 1, "the slow call was not overtaken")
        }
    }

    @Test("an oversized frame is answered RESOURCE_EXHAUSTED and the connection goes on")
    func oversizedFrame() async throws {
        try await withRawSocket(limits: .init(maxFrameSize: 1024)) { _, socket in
            socket.send(FrameHeader.frame(streamID: 1, type: .request, payload: [UInt8](repeating: 7, count: 5000)))
            try socket.sendRequest(streamID: 3, service: TestServer.service, method: "Echo", message: TestServer.echo("after"))
            let first = try #require(try await socket.readResponse())
            #expect(first.streamID == 1)
            #expect(RPCError(status: first.response.status).code == .resourceExhausted)
            let second = try #require(try await socket.readResponse())
            #expect(second.streamID == 3)
            #expect(second.response.status.code == 0)
            #expect(try Scenic_V1_ServerInfoResponse(serializedBytes: second.response.payload).version == "after")
        }
    }

    @Test(
        "a header wrong in itself closes the connection",
        arguments: [
            ("even stream id", [UInt8]([0, 0, 0, 0, 0, 0, 0, 2, 1, 0])),
            ("unknown type", [0, 0, 0, 0, 0, 0, 0, 1, 9, 0]),
            ("reserved flag bits", [0, 0, 0, 0, 0, 0, 0, 1, 1, 0x40]),
            ("a response frame from a client", [0, 0, 0, 0, 0, 0, 0, 1, 2, 0]),
        ])
    func badHeader(name: String, header: [UInt8]) async throws {
        try await withRawSocket { _, socket in
            socket.send(header)
            #expect(await socket.waitForClose(), "\(name) left the connection open")
        }
    }

    @Test("a connection that goes away cancels the calls it left running")
    func disconnectCancels() async throws {
        let server = try await TestServer.start()
        try await withServing(server) { _ in
            do {
                let socket = try RawSocket(path: server.path)
                for index in 0..<3 {
                    try socket.sendRequest(
                        streamID: UInt32(2 * index + 1), service: TestServer.service, method: "Echo", message: TestServer.echo("sleep-60000-x"))
                }
                for _ in 0..<100 where server.concurrency.running < 3 { try await Task.sleep(for: .milliseconds(20)) }
                #expect(server.concurrency.running == 3)
            }  // the socket closes here
            for _ in 0..<500 where server.concurrency.running > 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.concurrency.running == 0)
        }
    }

    @Test("cancelling the calling task ends a client call at once, even without a deadline")
    func clientCancellation() async throws {
        let server = try await TestServer.start()
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path, defaultTimeout: nil)
            let call = Task {
                try await client.call(
                    service: TestServer.service, method: "Echo", request: TestServer.echo("sleep-60000-x"), as: Scenic_V1_ServerInfoResponse.self)
            }
            try await Task.sleep(for: .milliseconds(100))
            call.cancel()
            do {
                _ = try await call.value
                Issue.record("a cancelled call returned")
            } catch let error as RPCError {
                #expect(error.code == .cancelled)
            }
            await client.close()
        }
    }

    @Test("past its connection bound a socket closes new connections at once; those open are served, and a freed place is taken")
    func connectionBound() async throws {
        let server = try await TestServer.start(maxConnections: 2)
        try await withServing(server) { _ in
            /// True when `socket` gets its echo back, false when it is closed instead.
            func served(_ socket: RawSocket, _ text: String, streamID: UInt32 = 1) async throws -> Bool {
                try socket.sendRequest(streamID: streamID, service: TestServer.service, method: "Echo", message: TestServer.echo(text))
                guard let answer = try await socket.readResponse() else { return false }
                return try Scenic_V1_ServerInfoResponse(serializedBytes: answer.response.payload).version == text
            }
            var first: RawSocket? = try RawSocket(path: server.path)
            let second = try RawSocket(path: server.path)
            #expect(try await served(first!, "one"))
            #expect(try await served(second, "two"))
            #expect(await (try RawSocket(path: server.path)).waitForClose(timeout: .seconds(5)))
            #expect(try await served(second, "still two", streamID: 3))

            first = nil
            // The server learns of the close on its own loop: a few tries may come first.
            var freedPlaceTaken = false
            for _ in 0..<50 where !freedPlaceTaken {
                freedPlaceTaken = try await served(try RawSocket(path: server.path), "three")
                if !freedPlaceTaken { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(freedPlaceTaken)
        }
    }

    @Test("a client that shuts down its sending side still gets its answers")
    func halfClose() async throws {
        try await withRawSocket { _, socket in
            try socket.sendRequest(streamID: 1, service: TestServer.service, method: "Echo", message: TestServer.echo("sleep-100-bye"))
            shutdown(socket.fd, Int32(SHUT_WR))
            let answer = try #require(try await socket.readResponse())
            #expect(try Scenic_V1_ServerInfoResponse(serializedBytes: answer.response.payload).version == "bye")
            #expect(await socket.waitForClose())
        }
    }

    @Test("a stream id that does not increase closes the connection")
    func nonIncreasingStreamID() async throws {
        try await withRawSocket { _, socket in
            try socket.sendRequest(streamID: 5, service: TestServer.service, method: "Echo", message: TestServer.echo("a"))
            #expect(try await socket.readResponse()?.streamID == 5)
            try socket.sendRequest(streamID: 3, service: TestServer.service, method: "Echo", message: TestServer.echo("b"))
            #expect(await socket.waitForClose())
        }
    }

    @Test("unknown methods and garbage payloads get statuses over the socket")
    func unknownMethodAndGarbage() async throws {
        let server = try await TestServer.start()
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path)
            await #expect(throws: RPCError.self) {
                _ = try await client.call(service: "nope.v1.Nope", method: "Nope", payload: [])
            }
            do {
                _ = try await client.call(service: TestServer.service, method: "Echo", payload: [0xFF, 0xFF])
                Issue.record("garbage payload accepted")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
            }
            do {
                _ = try await client.call(service: "nope.v1.Nope", method: "Nope", payload: [])
            } catch let error as RPCError {
                #expect(error.code == .unimplemented)
            }
            await client.close()
        }
    }

    @Test("timeout_nano is honoured: DEADLINE_EXCEEDED, and the connection stays usable")
    func deadline() async throws {
        let server = try await TestServer.start()
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path)
            let started = ContinuousClock.now
            do {
                _ = try await client.call(
                    service: TestServer.service, method: "Echo", request: TestServer.echo("sleep-60000-x"),
                    as: Scenic_V1_ServerInfoResponse.self, timeout: .milliseconds(100))
                Issue.record("the call outlived its deadline")
            } catch let error as RPCError {
                #expect(error.code == .deadlineExceeded)
            }
            // Far below the handler's 60 s: the deadline, not the handler, ended the call.
            #expect(ContinuousClock.now - started < .seconds(30))
            let after = try await client.call(
                service: TestServer.service, method: "Echo", request: TestServer.echo("ok"), as: Scenic_V1_ServerInfoResponse.self)
            #expect(after.version == "ok")
            await client.close()
        }
    }

    @Test("past the in-flight bound the server stops reading, then serves the rest")
    func backPressure() async throws {
        try await withRawSocket(limits: .init(maxCallsInFlight: 4)) { server, socket in
            for index in 0..<20 {
                try socket.sendRequest(
                    streamID: UInt32(2 * index + 1), service: TestServer.service, method: "Echo",
                    message: TestServer.echo("sleep-20-\(index)"))
            }
            var answered = Set<UInt32>()
            while answered.count < 20, let (streamID, response) = try await socket.readResponse() {
                #expect(response.status.code == 0)
                answered.insert(streamID)
            }
            #expect(answered.count == 20)
            #expect(server.concurrency.peak == 4)
        }
    }

    @Test("a client that sends and never reads: back-pressure, then it is disconnected; others are served meanwhile")
    func nonReadingClientIsClosed() async throws {
        let server = try await TestServer.start(limits: .init(maxCallsInFlight: 4, stalledClientTimeout: .seconds(1)))
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path)
            let socket = try RawSocket(path: server.path)
            // Answers of 32 KiB fill the socket's buffers after a few calls.
            let large = String(repeating: "x", count: 32 << 10)
            var request = Ttrpc_Request()
            request.service = TestServer.service
            request.method = "Echo"
            request.payload = try TestServer.echo(large).serializedData()
            let payload: [UInt8] = try request.serializedBytes()
            let frames = (0..<400).flatMap { FrameHeader.frame(streamID: UInt32(2 * $0 + 1), type: .request, payload: payload) }
            let started = ContinuousClock.now
            async let sentAll = socket.sendOffPool(frames)
            try await Task.sleep(for: .milliseconds(300))
            let other = try await client.call(
                service: TestServer.service, method: "Echo", request: TestServer.echo("still here"), as: Scenic_V1_ServerInfoResponse.self)
            #expect(other.version == "still here")
            #expect(await sentAll == false, "the server kept reading from a client that never reads")
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(server.concurrency.peak <= 4)
            await client.close()
        }
    }

    @Test("the peer's credentials reach admission: a uid not allowed is refused")
    func admissionSeesPeer() async throws {
        let myUID = getuid()
        let server = try await TestServer.start(admission: { peer in
            peer?.uid == myUID + 1 ? nil : RPCError(.permissionDenied, "uid \(peer?.uid ?? 0) refused", reason: "ADMIN_NOT_ALLOWED")
        })
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path)
            do {
                _ = try await client.call(
                    service: TestServer.service, method: "Echo", request: TestServer.echo("x"), as: Scenic_V1_ServerInfoResponse.self)
                Issue.record("a refused uid got through")
            } catch let error as RPCError {
                #expect(error.code == .permissionDenied)
                #expect(error.message == "uid \(myUID) refused")
            }
            await client.close()
        }
    }

    @Test("a stale socket file left by a crash is replaced")
    func staleSocket() async throws {
        let directory = TestServer.makeDirectory()
        let path = directory + "/test.sock"
        // Bind and close without unlinking: what a killed daemon leaves behind.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(fd)
        #expect(FileManager.default.fileExists(atPath: path))

        let server = try await TestServer.start(in: directory)
        try await withServing(server) { _ in
            let client = try await ScenicClient.connect(socketPath: server.path)
            let response = try await client.call(
                service: TestServer.service, method: "Echo", request: TestServer.echo("alive"), as: Scenic_V1_ServerInfoResponse.self)
            #expect(response.version == "alive")
            await client.close()
        }
    }

    @Test("a live server's socket is never taken over")
    func liveSocketRefused() async throws {
        let server = try await TestServer.start()
        try await withServing(server) { _ in
            await #expect(throws: SocketPathError.inUse(server.path)) {
                _ = try await TestServer.start(in: server.directory)
            }
            // The first server still answers.
            let client = try await ScenicClient.connect(socketPath: server.path)
            _ = try await client.call(
                service: TestServer.service, method: "Echo", request: TestServer.echo("still"), as: Scenic_V1_ServerInfoResponse.self)
            await client.close()
        }
    }

    @Test("graceful shutdown answers the calls in flight, then removes the socket")
    func gracefulShutdownWithCallsInFlight() async throws {
        let server = try await TestServer.start()
        let client = try await withServing(server) { group in
            let client = try await ScenicClient.connect(socketPath: server.path)
            try await withThrowingTaskGroup(of: String.self) { calls in
                for index in 0..<10 {
                    calls.addTask {
                        try await client.call(
                            service: TestServer.service, method: "Echo", request: TestServer.echo("sleep-300-\(index)"),
                            as: Scenic_V1_ServerInfoResponse.self
                        ).version
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                await group.triggerGracefulShutdown()
                var answers = Set<String>()
                for try await answer in calls { answers.insert(answer) }
                #expect(answers == Set((0..<10).map { "\($0)" }))
            }
            return client
        }
        #expect(!FileManager.default.fileExists(atPath: server.path))
        await #expect(throws: RPCError.self) {
            _ = try await client.call(service: TestServer.service, method: "Echo", payload: [])
        }
        await #expect(throws: RPCError.self) { _ = try await ScenicClient.connect(socketPath: server.path) }
    }
}
