#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a socket path cannot be served.
public enum SocketPathError: Error, Equatable, CustomStringConvertible {
    /// Something answers a connect there: a running daemon.
    case inUse(String)
    /// The path exists and is not a socket; it is not ours to remove.
    case notASocket(String)
    case tooLong(String)
    case system(String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .inUse(let path): "another daemon is listening on \(path)"
        case .notASocket(let path): "\(path) exists and is not a socket"
        case .tooLong(let path): "socket path \(path) is longer than the \(SocketPath.maxLength) bytes Unix sockets allow"
        case .system(let path, let operation, let code):
            "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Checks on a Unix-socket path before binding it, since a bind that unlinks the path
/// first would silently steal the socket from a daemon that is still alive.
enum SocketPath {
    static let maxLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Makes `path` free to bind: nothing there, or a stale socket left by a crash (then
    /// removed). Throws when a live daemon answers there or the path is something else.
    static func claim(_ path: String) throws(SocketPathError) {
        guard path.utf8.count <= maxLength else { throw .tooLong(path) }
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw .system(path, operation: "stat", errno: errno) }
            return
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
        switch probe(path) {
        case 0:
            throw .inUse(path)
        case ECONNREFUSED, ENOENT:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .system(path, operation: "remove stale socket", errno: errno)
            }
        case let code:
            throw .system(path, operation: "probe", errno: code)
        }
    }

    /// Connects to `path` and hangs up: 0 when something listens, else the errno.
    private static func probe(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0 ? 0 : errno
    }

    /// Removes the socket file only if it is still the one this process bound.
    static func remove(_ path: String, ifInode inode: ino_t) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_ino == inode else { return }
        unlink(path)
    }

    static func inode(of path: String) -> ino_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_ino : nil
    }
}
