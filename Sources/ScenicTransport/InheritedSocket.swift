#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A listening socket this process was given already bound, by socket activation,
/// rather than one it binds itself.
public struct InheritedSocket: Sendable, Equatable {
    public let descriptor: CInt
    /// The address it is bound to, as the kernel reports it: a path, or `@name` for an
    /// abstract socket.
    public let path: String

    /// Checks that `descriptor` is a listening Unix stream socket, since callers are
    /// admitted by SO_PEERCRED, which only Unix sockets carry, and marks it close-on-exec:
    /// a service manager passes it inheritable, and no child process (an SMS command)
    /// should hold the daemon's socket open.
    public init(descriptor: CInt) throws(SocketActivationError) {
        guard Self.option(SO_DOMAIN, of: descriptor) == AF_UNIX,
            Self.option(SO_TYPE, of: descriptor) == CInt(SOCK_STREAM.rawValue),
            Self.option(SO_ACCEPTCONN, of: descriptor) == 1,
            let path = Self.boundPath(of: descriptor)
        else { throw .notAListeningUnixStreamSocket(descriptor) }
        let flags = fcntl(descriptor, F_GETFD)
        guard flags >= 0, fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) == 0 else {
            throw .notAListeningUnixStreamSocket(descriptor)
        }
        self.descriptor = descriptor
        self.path = path
    }

    private static func option(_ name: CInt, of descriptor: CInt) -> CInt? {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        return getsockopt(descriptor, SOL_SOCKET, name, &value, &length) == 0 ? value : nil
    }

    private static func boundPath(of descriptor: CInt) -> String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        guard result == 0, address.sun_family == sa_family_t(AF_UNIX), Int(length) > pathOffset else { return nil }
        let bytes = withUnsafeBytes(of: address.sun_path) { Array($0.prefix(Int(length) - pathOffset)) }
        // An abstract address starts with a NUL and runs to `length`; a path ends at its NUL.
        if bytes.first == 0 { return "@" + String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
