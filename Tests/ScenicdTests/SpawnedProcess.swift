#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A process started with posix_spawn rather than Foundation's Process, which every
/// daemon of the tests is.
///
/// Process learns that a child exited when a socket the child inherited closes. A launcher
/// that closes the descriptors it inherits (systemd-socket-activate keeps only the sockets
/// it passes on) closes it early, and Process then waits for the live child on the one
/// thread that watches every child, so no other command of the tests would be seen to
/// finish. And a child that Process starts while another thread is starting a daemon can
/// inherit the daemon's end of that socket, as the daemon can inherit the child's: then
/// one's exit goes unseen for as long as the other lives. This child is waited for with
/// `waitpid` and inherits no descriptor beyond its standard three.
final class SpawnedProcess: Sendable {
    let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `arguments[0]` with stdin from /dev/null, stdout and stderr appended to
    /// `logPath`, and `environment` added to the tests' own.
    init(_ arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw POSIXError(.EINVAL) }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = variables.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer { for variable in envp { free(variable) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        self.pid = pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not import.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed: posix_spawn_file_actions_addclosefrom_np is missing")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    func signal(_ signal: Int32) { kill(pid, signal) }

    var isRunning: Bool { reap() == nil }

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
