#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// The daemon's data directory, closed to other local users: the directory 0700 (0711
/// when a socket others must reach lives in it: they may pass through, not list or
/// read), every file in it 0600. The database, its WAL and SHM, the SMS log and backups
/// hold password hashes, vouchers and, until delivered, initial passwords.
public enum DataDirectory {
    /// Why the daemon will not use a directory.
    public enum Refusal: Error, CustomStringConvertible {
        case shared(path: String)
        case notOwned(path: String, owner: uid_t)
        case system(path: String, operation: String, errno: Int32)

        public var description: String {
            switch self {
            case .shared(let path):
                "\(path) is writable by others or sticky (a shared directory such as /tmp): give the daemon a directory of its own"
            case .notOwned(let path, let owner):
                "\(path) belongs to uid \(owner), not to the daemon's user \(geteuid())"
            case .system(let path, let operation, let code):
                "\(operation) \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// A mode that was not the one required and has been set, for the log.
    public struct ModeChange: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var from: mode_t
        public var to: mode_t

        /// Whether the old mode allowed something the new one does not.
        public var narrows: Bool { from & ~to != 0 }

        public var description: String {
            "\(path): \(String(from, radix: 8)) → \(String(to, radix: 8))"
        }
    }

    /// Creates `path` if missing and closes it and every file in it to other users.
    /// `traversable` leaves others the search bit on the directory, for a socket in it.
    /// Every file the process creates afterwards is 0600: the umask becomes 077.
    @discardableResult
    public static func secure(_ path: String, traversable: Bool) throws -> [ModeChange] {
        umask(0o077)
        let directoryMode: mode_t = traversable ? 0o711 : 0o700
        var made = mkdir(path, directoryMode) == 0
        if !made, errno != EEXIST {
            // A missing parent: create the chain, each link closed too by the umask.
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                made = true
            } catch {
                throw Refusal.system(path: path, operation: "mkdir", errno: errno)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw Refusal.system(path: path, operation: "stat", errno: errno) }
        guard info.st_mode & 0o1002 == 0 else { throw Refusal.shared(path: path) }
        guard info.st_uid == geteuid() else { throw Refusal.notOwned(path: path, owner: info.st_uid) }
        var changes: [ModeChange] = []
        let current = info.st_mode & 0o7777
        if current != directoryMode {
            guard chmod(path, directoryMode) == 0 else { throw Refusal.system(path: path, operation: "chmod", errno: errno) }
            // A directory made just now is 0700 by the umask: giving it the search bit for
            // the socket is how it is made, not a change to report.
            if !made { changes.append(ModeChange(path: path, from: current, to: directoryMode)) }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names.sorted() {
            let file = path + "/" + name
            var entry = stat()
            // lstat: a link is not followed out of the directory.
            guard lstat(file, &entry) == 0, entry.st_mode & 0o170000 == 0o100000 else { continue }
            try tighten(file, entry.st_mode, to: entry.st_mode & 0o600, into: &changes)
        }
        return changes
    }

    /// Clears every permission bit of the file `path` that `allowed` does not have.
    private static func tighten(_ path: String, _ mode: mode_t, to allowed: mode_t, into changes: inout [ModeChange]) throws {
        let current = mode & 0o7777
        guard current & ~allowed != 0 else { return }
        let target = current & allowed
        guard chmod(path, target) == 0 else { throw Refusal.system(path: path, operation: "chmod", errno: errno) }
        changes.append(ModeChange(path: path, from: current, to: target))
    }
}
