#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ScenicClient
import ScenicProcessStatistics
import ScenicProto
import ScenicRPC
import ScenicTestSupport
import Synchronization
import Testing

/// A client that calls Health over and over on its own connection, and counts what went wrong.
private final class Canary: Sendable {
    private let counts = Mutex((calls: 0, failures: [String]()))
    var calls: Int { counts.withLock { $0.calls } }
    var failures: [String] { counts.withLock { $0.failures } }

    func run(socket: String) async {
        guard let client = try? await ScenicClient.connect(socketPath: socket, defaultTimeout: .seconds(5)) else {
            counts.withLock { $0.failures.append("cannot connect") }
            return
        }
        while !Task.isCancelled {
            do {
                let status = try await client.health().status
                counts.withLock {
                    $0.calls += 1
                    if status != .serving { $0.failures.append("status \(status)") }
                }
            } catch {
                if !Task.isCancelled { counts.withLock { $0.failures.append("\(error)") } }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await client.close()
    }
}

/// The daemon's resident memory in KiB.
private func residentKiB(of pid: Int32) throws -> Int {
    try #require(ProcessStatistics(pid: pid).residentBytes) / 1024
}

/// A request frame as a client would send it, with a timeout if given.
private func healthFrame(streamID: UInt32, timeoutNano: Int64 = 0) throws -> [UInt8] {
    var request = Ttrpc_Request()
    request.service = "grpc.health.v1.Health"
    request.method = "Check"
    request.timeoutNano = timeoutNano
    return FrameHeader.frame(streamID: streamID, type: .request, payload: try request.serializedBytes())
}

/// Runs `body` for `count` items, `width` at a time.
private func inWaves(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    for start in stride(from: 0, to: count, by: width) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in start..<min(start + width, count) { group.addTask { try await body(index) } }
            try await group.waitForAll()
        }
    }
}

@Suite("Hostile input", .serialized)
struct HostileInputTests {
    static let maxFrame = 65_536

    @Test("broken frames, random bytes, 10,000 dropped connections, a client that never reads and more connections than a socket serves: everyone else is served, memory returns to its baseline")
    func hostileInput() async throws {
        let daemon = try await DaemonProcess(arguments: [
            "--scrypt-log-n", "12", "--max-frame-bytes", "\(Self.maxFrame)", "--stalled-client-seconds", "2",
        ])
        let pid = daemon.pid
        let socket = daemon.posSocket
        // Warm up what a normal day allocates anyway, then take the baseline.
        try await inWaves(400, width: 50) { _ in
            let client = try await ScenicClient.connect(socketPath: socket)
            _ = try await client.health()
            await client.close()
        }
        try await Task.sleep(for: .milliseconds(500))
        let baseline = try residentKiB(of: pid)

        let canary = Canary()
        let watching = Task { await canary.run(socket: socket) }

        // Truncated frames: a header promising more than ever comes, then the client leaves.
        try await inWaves(200, width: 50) { index in
            let raw = try RawSocket(path: socket)
            raw.send(FrameHeader(length: 100, streamID: 1, type: .request).bytes + [UInt8](repeating: 7, count: index % 100))
        }

        // A zero-length request is a request for no method; the connection goes on.
        let zero = try RawSocket(path: socket)
        zero.send(FrameHeader(length: 0, streamID: 1, type: .request).bytes)
        #expect(try await zero.readResponse()?.response.status.code == StatusCode.unimplemented.rawValue)
        zero.send(try healthFrame(streamID: 3))
        #expect(try await zero.readResponse()?.response.status.code == 0)

        // The cap plus one: refused on its own, the connection goes on.
        let oversized = try RawSocket(path: socket)
        oversized.send(FrameHeader(length: UInt32(Self.maxFrame + 1), streamID: 1, type: .request).bytes)
        #expect(await oversized.sendOffPool([UInt8](repeating: 0x41, count: Self.maxFrame + 1)))
        let refusal = try #require(try await oversized.readResponse())
        #expect(refusal.streamID == 1)
        #expect(refusal.response.status.code == StatusCode.resourceExhausted.rawValue)
        oversized.send(try healthFrame(streamID: 3))
        #expect(try await oversized.readResponse()?.response.status.code == 0)

        // Frames a client may not send close its connection.
        for type: UInt8 in [2, 0, 9] {
            let wrong = try RawSocket(path: socket)
            var header = FrameHeader(length: 0, streamID: 1, type: .request).bytes
            header[8] = type
            wrong.send(header)
            #expect(await wrong.waitForClose(), "frame type \(type) did not close the connection")
        }

        // Deadlines: zero means none (ttrpc), one nanosecond has passed on arrival.
        let deadlines = try RawSocket(path: socket)
        deadlines.send(try healthFrame(streamID: 1, timeoutNano: 0))
        #expect(try await deadlines.readResponse()?.response.status.code == 0)
        deadlines.send(try healthFrame(streamID: 3, timeoutNano: 1))
        #expect(try await deadlines.readResponse()?.response.status.code == StatusCode.deadlineExceeded.rawValue)

        // Random bytes: answered, refused or closed, never a crash.
        try await inWaves(300, width: 50) { index in
            var generator = SystemRandomNumberGenerator()
            let raw = try RawSocket(path: socket)
            raw.send((0..<Int.random(in: 1...4_096, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            _ = await raw.waitForClose(timeout: .milliseconds(index % 3 == 0 ? 100 : 1))
        }

        // 10,000 connections opened and dropped.
        try await inWaves(10_000, width: 100) { _ in _ = try RawSocket(path: socket) }

        // A client that sends and never reads: held back, then disconnected.
        let deaf = try RawSocket(path: socket)
        let flood = try (0..<100_000).flatMap { try healthFrame(streamID: UInt32(2 * $0 + 1)) }
        let started = ContinuousClock.now
        #expect(await deaf.sendOffPool(flood) == false, "the daemon kept reading from a client that never reads")
        #expect(ContinuousClock.now - started < .seconds(30))

        // More connections held open than a socket serves: the extra ones are closed at
        // once, and when they go a new one is served.
        do {
            let held = try (0..<300).map { _ in try RawSocket(path: socket) }
            let closed = Mutex(0)
            try await inWaves(held.count, width: 64) { index in
                if await held[index].waitForClose(timeout: .milliseconds(200)) { closed.withLock { $0 += 1 } }
            }
            let refused = closed.withLock { $0 }
            // 256: scenicd's --max-connections by default, as README.md documents it.
            #expect(refused >= held.count - 256 && refused < 100, "\(refused) of 300 closed")
        }
        var servedAfter = false
        for _ in 0..<50 where !servedAfter {
            let fresh = try RawSocket(path: socket)
            fresh.send(try healthFrame(streamID: 1))
            servedAfter = try await fresh.readResponse(timeout: .seconds(1))?.response.status.code == 0
        }
        #expect(servedAfter, "no connection was served after the held ones went")

        try await Task.sleep(for: .seconds(1))
        watching.cancel()
        await watching.value
        #expect(canary.failures.isEmpty, "the canary saw \(canary.failures.prefix(5))")
        #expect(canary.calls > 20)
        #expect(daemon.isRunning)

        // Freed memory may stay with the allocator for reuse; what must not happen is
        // growth with the amount of hostile traffic.
        let after = try residentKiB(of: pid)
        #expect(after <= baseline + 16 << 10, "resident memory \(baseline) KiB before, \(after) KiB after")
        print("hostile input: resident \(baseline) KiB before, \(after) KiB after; canary \(canary.calls) calls")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
