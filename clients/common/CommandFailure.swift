import ArgumentParser
import Foundation
import ScenicClient

/// Names a request's field (`visitors[2].id_number`) in the terms the user gave it
/// (`visitors.csv line 4: ID number`), or nil to keep the field's path.
public typealias FieldLabeler = @Sendable (String) -> String?

/// A failed call as the user sees it: `error: CODE: message` on stderr, the reason and
/// bad fields (each with its own reason, which a script can match) under it, a hint when
/// the daemon is not running, and a non-zero exit.
public struct CommandFailure: Error, CustomStringConvertible {
    public let error: RPCError
    public let socketPath: String
    /// Set by a command whose request fields came from places the user can find again
    /// (options in order, lines of a file): its bad fields are named by those places.
    public var fieldLabel: FieldLabeler?

    public var description: String {
        var message = error.message
        var fieldLines: [String] = []
        for violation in error.fieldViolations {
            let problem = violation.description + (violation.reason.isEmpty ? "" : " (\(violation.reason))")
            if let label = fieldLabel?(violation.field) {
                // The daemon's message names the field by its path too.
                message = message.replacingOccurrences(of: violation.field, with: label)
                fieldLines.append("\(label): \(problem)")
            } else {
                fieldLines.append("field \(violation.field): \(problem)")
            }
        }
        var lines = ["error: \(error.code): \(message)"]
        if let reason = error.reason { lines.append("reason: \(reason)") }
        lines += fieldLines
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
