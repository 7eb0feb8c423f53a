#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ScenicProto
import ScenicRPC
import SwiftProtobuf

/// A bare Unix-socket client for tests that must send frames no real client would.
///
/// Its reads block, so they run on threads of their own (``BlockingWait``): blocking one of
/// the few threads of Swift's cooperative pool would starve the server under test.
public final class RawSocket: @unchecked Sendable {
    public let fd: Int32
    private var decoder = FrameDecoder(maxPayloadSize: 64 << 20)

    public init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`, blocking while the peer reads nothing; false when the peer
    /// closed the connection first.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// ``send(_:)`` on a thread of its own (``BlockingWait``), for sends that may block for long.
    public func sendOffPool(_ bytes: [UInt8]) async -> Bool {
        await BlockingWait.run { self.send(bytes) }
    }

    /// Sends a request frame for `service/method` carrying `message`.
    public func sendRequest(streamID: UInt32, service: String, method: String, message: some SwiftProtobuf.Message) throws {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = try message.serializedData()
        send(FrameHeader.frame(streamID: streamID, type: .request, payload: try request.serializedBytes()))
    }

    /// The next response frame, or nil when the daemon closed the connection or
    /// `timeout` passed first.
    public func readResponse(timeout: Duration = .seconds(20)) async throws -> (streamID: UInt32, response: Ttrpc_Response)? {
        try await BlockingWait.run { try self.blockingReadResponse(timeout: timeout) }
    }

    /// True when the daemon closes the connection before `timeout`.
    public func waitForClose(timeout: Duration = .seconds(20)) async -> Bool {
        await BlockingWait.run { self.blockingWaitForClose(timeout: timeout) }
    }

    private func blockingReadResponse(timeout: Duration) throws -> (streamID: UInt32, response: Ttrpc_Response)? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let decoded = try decoder.next(), case .frame(let header, let payload) = decoded {
                return (header.streamID, try Ttrpc_Response(serializedBytes: [UInt8](payload)))
            }
            guard let chunk = read(until: deadline), !chunk.isEmpty else { return nil }
            decoder.append(chunk)
        }
    }

    private func blockingWaitForClose(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while let chunk = read(until: deadline) {
            if chunk.isEmpty { return true }
        }
        return false
    }

    /// Bytes read, [] at end of stream, nil on timeout.
    private func read(until deadline: ContinuousClock.Instant) -> [UInt8]? {
        let remaining = deadline - .now
        guard remaining > .zero else { return nil }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, max(millis, 1)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count <= 0 ? [] : Array(buffer[..<count])
    }
}
