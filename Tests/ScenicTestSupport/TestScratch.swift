import Foundation

/// Where tests put their stores, sockets, logs and files: one folder per test process,
/// `/tmp/scenic-tests-PID`.
///
/// A test's files stay when it ends, for whoever reads a failure's log, and go with the
/// whole folder at the next run: the first test of a process removes the folders of test
/// processes that are no longer running. So a machine keeps at most the last run's files,
/// however many runs it makes. The folder is under `/tmp` and not `$TMPDIR` because a Unix
/// socket's path must fit in 108 bytes.
public enum TestScratch {
    /// A new path in this process's folder: `prefix`, eight characters of its own, `suffix`.
    public static func path(_ prefix: String, suffix: String = "") -> String {
        "\(folder)/\(prefix)\(UUID().uuidString.prefix(8))\(suffix)"
    }

    /// A new path in this process's folder, as a file URL.
    public static func url(_ prefix: String, suffix: String = "") -> URL {
        URL(fileURLWithPath: path(prefix, suffix: suffix))
    }

    private static let parent = "/tmp"
    private static let folderPrefix = "scenic-tests-"

    private static let folder: String = {
        removeFinishedRuns()
        let folder = "\(parent)/\(folderPrefix)\(getpid())"
        // Open to other users, as /tmp is: some tests run a peer as another user in a folder of theirs.
        try? FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return folder
    }()

    /// Removes the folders of test processes that have ended.
    private static func removeFinishedRuns() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for name in names where name.hasPrefix(folderPrefix) {
            guard let pid = pid_t(name.dropFirst(folderPrefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) == -1, errno == ESRCH { try? FileManager.default.removeItem(atPath: "\(parent)/\(name)") }
        }
    }
}
