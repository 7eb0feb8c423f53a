#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Who is on the other end of a Unix socket, as the kernel reports it (SO_PEERCRED).
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }

    /// Root and the daemon's own user: no per-user share or window holds them back (their
    /// connections, password hashes and login failures), since they can stop the daemon
    /// anyway, and a gateway serving every point of sale or the benchmarks run as them.
    public static let unlimitedUsers: Set<UInt32> = [0, geteuid()]
}
