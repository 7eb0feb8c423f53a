#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// The service manager's notification socket, `$NOTIFY_SOCKET`, to which sd_notify(3)'s
/// messages (`READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1`) go as Unix datagrams:
/// the protocol is small enough to speak without libsystemd.
public struct NotifySocket: Equatable, Sendable {
    public static let variables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]

    /// Where the datagrams go: a path, or an abstract name written with a leading `@`.
    public let address: String
    /// How often the manager expects `WATCHDOG=1`: half its `WATCHDOG_USEC`, as
    /// sd_watchdog_enabled(3) advises; nil when no watchdog watches this process.
    public let watchdogInterval: Duration?

    /// Reads the variables as process `processID` sees them; nil without a usable
    /// `NOTIFY_SOCKET`, that is when no service manager waits to hear from us.
    public init?(environment: [String: String], processID: pid_t) {
        guard let address = environment["NOTIFY_SOCKET"], address.hasPrefix("/") || address.hasPrefix("@"),
            address.utf8.count > 1, address.utf8.count <= SocketPath.maxLength
        else { return nil }
        self.address = address
        // A WATCHDOG_PID that is not ours means the watchdog is for the process that started us.
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
            environment["WATCHDOG_PID"].map({ pid_t($0) == processID }) ?? true
        {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Reads this process's variables and removes them from its environment, so that a
    /// child process (an SMS command) cannot speak for the daemon.
    public static func takeFromEnvironment() -> NotifySocket? {
        defer { for name in variables { unsetenv(name) } }
        return NotifySocket(environment: ProcessInfo.processInfo.environment, processID: getpid())
    }

    /// Sends one message: newline-separated `NAME=value` assignments.
    public func send(_ message: String) throws(NotifyFailure) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NotifyFailure(address: address, errno: errno) }
        defer { close(fd) }
        var destination = sockaddr_un()
        destination.sun_family = sa_family_t(AF_UNIX)
        let name = Array(address.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        withUnsafeMutableBytes(of: &destination.sun_path) { raw in
            // An abstract name is a NUL followed by the name, with no terminating NUL.
            raw.copyBytes(from: abstract ? [0] + name.dropFirst() : name)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (abstract ? 0 : 1)
        let sent = Array(message.utf8).withUnsafeBytes { bytes in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, socklen_t(length))
                }
            }
        }
        guard sent >= 0 else { throw NotifyFailure(address: address, errno: errno) }
    }
}

/// A notification the service manager's socket did not take.
public struct NotifyFailure: Error, CustomStringConvertible {
    public let address: String
    public let errno: Int32

    public var description: String { "notify \(address): \(String(cString: strerror(errno)))" }
}
