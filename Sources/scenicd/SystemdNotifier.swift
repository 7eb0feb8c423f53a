import Logging
import ScenicTransport
import ServiceLifecycle

/// Keeps a service manager (systemd, `Type=notify`) told how the daemon is: `READY=1` once
/// it runs, which is after the store is open and both sockets listen; `WATCHDOG=1` while the
/// sockets' event loops turn, when a watchdog is set; `STOPPING=1` as graceful shutdown
/// begins. A message the manager's socket does not take is logged, never fatal.
struct SystemdNotifier: Service {
    let socket: NotifySocket
    /// The `STATUS=` line shown by `systemctl status` while serving.
    let servingStatus: String
    let servers: [UnixSocketServer]
    let logger: Logger

    func run() async throws {
        notify("READY=1\nSTATUS=\(servingStatus)")
        if let interval = socket.watchdogInterval {
            await cancelWhenGracefulShutdown {
                while (try? await Task.sleep(for: interval)) != nil {
                    // A stuck event loop never returns here, so the watchdog fires and
                    // systemd restarts the daemon (Restart=on-failure).
                    for server in servers { await server.eventLoopTurns() }
                    guard !Task.isCancelled else { break }
                    notify("WATCHDOG=1")
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        notify("STOPPING=1\nSTATUS=stopping: finishing the calls in flight")
    }

    private func notify(_ message: String) {
        do {
            try socket.send(message)
        } catch {
            logger.warning("cannot notify the service manager", metadata: ["error": "\(error)"])
        }
    }
}
