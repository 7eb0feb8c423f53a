import Foundation

/// Where tests put their stores, sockets, logs and files: one folder per test process,
/// `/tmp/scenic-tests-PID`.
///
/// A test's files stay when it ends, for whoever reads a failure's log, and go with the
/// whole folder at the next run: the first use in a process removes the folders of this
/// user's test processes that are no longer running. So a machine keeps at most the last
/// run's files, however many runs it makes. The folder is under `/tmp` and not `$TMPDIR`
/// because a Unix socket's path must fit in 108 bytes.
public enum TestScratch {
    /// A new path in this process's folder: `prefix`, eight characters of its own, `suffix`.
    public static func path(_ prefix: String, suffix: String = "") -> String {
        "\(root)/\(prefix)\(UUID().uuidString.prefix(8))\(suffix)"
    }

    /// A new path in this process's folder, as a file URL.
    public static func url(_ prefix: String, suffix: String = "") -> URL {
        URL(fileURLWithPath: path(prefix, suffix: suffix))
    }

    /// A new folder in this process's folder, made: its path. A folder that cannot be made
    /// there is a machine no test can run on, as for the process's own folder.
    public static func folder(_ prefix: String) -> String {
        let folder = path(prefix)
        precondition(mkdir(folder, 0o755) == 0, "cannot make \(folder): \(String(cString: strerror(errno)))")
        return folder
    }

    private static let parent = "/tmp"
    private static let rootPrefix = "scenic-tests-"

    private static let root: String = {
        removeFinishedRuns()
        let root = "\(parent)/\(rootPrefix)\(getpid())"
        // Open to other users, as /tmp is: the security tests run a peer as `nobody` in it.
        // A folder left by an earlier process of the same pid is taken only if it is ours.
        if mkdir(root, 0o755) == 0 {
            chmod(root, 0o755)
        } else {
            precondition(errno == EEXIST && isOurFolder(root), "\(root) exists and is not this user's folder")
        }
        return root
    }()

    /// Removes this user's folders of test processes that have ended.
    private static func removeFinishedRuns() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for name in names where name.hasPrefix(rootPrefix) {
            let folder = "\(parent)/\(name)"
            guard let pid = pid_t(name.dropFirst(rootPrefix.count)), pid != getpid(), isOurFolder(folder) else { continue }
            if kill(pid, 0) == -1, errno == ESRCH { try? FileManager.default.removeItem(atPath: folder) }
        }
    }

    /// A real folder (not a link) owned by this process's user: never another user's to
    /// remove or to write into.
    private static func isOurFolder(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && info.st_uid == geteuid()
    }
}
