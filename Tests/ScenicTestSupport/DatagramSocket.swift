#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A Unix datagram socket that plays the service manager's `$NOTIFY_SOCKET` in tests: it
/// receives what the daemon notifies.
public final class DatagramSocket: @unchecked Sendable {
    public let fd: Int32
    /// The address to put in `NOTIFY_SOCKET`: the path, or `@name` for an abstract socket.
    public let address: String

    /// Binds `address`: a path, or an abstract name written with a leading `@`.
    public init(address: String) throws {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let name = Array(address.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: abstract ? [0] + name.dropFirst() : name) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (abstract ? 0 : 1)
        let result = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// The next datagram as text, or nil when none comes before `timeout` (``BlockingWait``).
    public func receive(timeout: Duration = .seconds(20)) async -> String? {
        await BlockingWait.run { self.blockingReceive(timeout: timeout) }
    }

    /// Datagrams until one contains `line` as a line of its own, or nil after `timeout`:
    /// the ones before it (a status, a watchdog ping) are passed over.
    public func receive(untilLine line: String, timeout: Duration = .seconds(20)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - .now
            guard remaining > .zero, let message = await receive(timeout: remaining) else { return nil }
            if message.split(separator: "\n").contains(Substring(line)) { return message }
        }
    }

    private func blockingReceive(timeout: Duration) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, max(millis, 1)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }
}
