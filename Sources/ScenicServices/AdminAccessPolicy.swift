#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ScenicRPC

/// Who may use the admin socket: root, the daemon's own user, and members of the
/// configured admin group. The socket's 0600 mode already keeps others out; this check
/// holds even if the mode is loosened or the socket is passed on.
public struct AdminAccessPolicy: Sendable {
    public var daemonUID: UInt32
    public var adminGroupID: UInt32?
    /// Whether a user belongs to a group beyond its primary one (the kernel's peer
    /// credentials give only the primary group). Injected by tests.
    public var isSupplementaryMember: @Sendable (_ uid: UInt32, _ gid: UInt32) -> Bool

    public init(
        daemonUID: UInt32 = getuid(),
        adminGroupID: UInt32? = nil,
        isSupplementaryMember: @escaping @Sendable (UInt32, UInt32) -> Bool = AdminAccessPolicy.systemGroupMembership
    ) {
        self.daemonUID = daemonUID
        self.adminGroupID = adminGroupID
        self.isSupplementaryMember = isSupplementaryMember
    }

    /// nil when `peer` may call admin methods, else the PERMISSION_DENIED to answer.
    public func refusal(for peer: PeerCredentials?) -> RPCError? {
        guard let peer else {
            return RPCError(.permissionDenied, "the caller's identity cannot be read", reason: "PEER_UNKNOWN")
        }
        if peer.uid == 0 || peer.uid == daemonUID { return nil }
        if let group = adminGroupID, peer.gid == group || isSupplementaryMember(peer.uid, group) { return nil }
        return RPCError(
            .permissionDenied, "uid \(peer.uid) may not use the admin socket", reason: "ADMIN_NOT_ALLOWED",
            metadata: ["uid": "\(peer.uid)"])
    }

    /// Looks the user up in the group database (`/etc/group` or NSS).
    @Sendable public static func systemGroupMembership(uid: UInt32, gid: UInt32) -> Bool {
        var passwd = passwd()
        var group = group()
        var result: UnsafeMutablePointer<Glibc.passwd>?
        var groupResult: UnsafeMutablePointer<Glibc.group>?
        var nameBuffer = [CChar](repeating: 0, count: 16_384)
        var groupBuffer = [CChar](repeating: 0, count: 65_536)
        guard getpwuid_r(uid, &passwd, &nameBuffer, nameBuffer.count, &result) == 0, result != nil,
            getgrgid_r(gid, &group, &groupBuffer, groupBuffer.count, &groupResult) == 0, groupResult != nil,
            var member = group.gr_mem
        else { return false }
        let name = String(cString: passwd.pw_name)
        while let entry = member.pointee {
            if String(cString: entry) == name { return true }
            member += 1
        }
        return false
    }

    /// The id of the group called `name`, or nil when there is none.
    public static func groupID(named name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 65_536)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
