import ArgumentParser
import Foundation
import ScenicClient

/// A failed call as the user sees it: `error: CODE: message` on stderr, the reason and
/// bad fields (each with its own reason, which a script can match) under it, a hint when
/// the daemon is not running, and a non-zero exit.
public struct CommandFailure: Error, CustomStringConvertible {
    public let error: RPCError
    public let socketPath: String

    public var description: String {
        var lines = ["error: \(error.code): \(error.message)"]
        if let reason = error.reason { lines.append("reason: \(reason)") }
        for violation in error.fieldViolations {
            lines.append("field \(violation.field): \(violation.description)" + (violation.reason.isEmpty ? "" : " (\(violation.reason))"))
        }
        if error.reason == "DAEMON_UNREACHABLE" {
            lines.append("hint: is scenicd running? Start it with `make run`, or point --socket at its socket (tried \(socketPath)).")
        }
        return lines.joined(separator: "\n")
    }

    /// Prints the report and exits with status 1; used by every client's `main`.
    public static func exitReporting(_ failure: CommandFailure) -> Never {
        FileHandle.standardError.write(Data((failure.description + "\n").utf8))
        exit(1)
    }
}
