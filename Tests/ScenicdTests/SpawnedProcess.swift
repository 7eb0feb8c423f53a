#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A process started with posix_spawn rather than Foundation's Process, for a launcher that
/// closes the descriptors it inherits, as systemd-socket-activate does with all but the
/// sockets it passes on. Process learns that a child exited when a socket the child
/// inherited closes: closed early, it waits for the live process on the one thread that
/// watches every child, and no other command of the tests would be seen to finish.
final class SpawnedProcess: Sendable {
    let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `arguments[0]` with stdin from /dev/null and stdout and stderr appended to `logPath`.
    init(_ arguments: [String], logPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        self.pid = pid
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to exit and returns its exit code (128 + the signal when one
    /// ended it); kills it when `timeout` passes first.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = reap() { return status }
            guard ContinuousClock.now < deadline else {
                signal(SIGKILL)
                throw DaemonProcess.DaemonFailed(stderr: "still running after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func reap() -> Int32? {
        exitStatus.withLock { exitStatus in
            if exitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    // WIFEXITED and WEXITSTATUS, which Swift does not import as macros.
                    exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f
                }
            }
            return exitStatus
        }
    }

    deinit {
        if reap() == nil {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
        }
    }
}
