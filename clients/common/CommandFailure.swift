import ArgumentParser
import Foundation
import ScenicClient

/// A failed call as the user sees it: `error: CODE: message` on stderr, the reason, the bad
/// fields (each with its own reason, which a script can match), a hint when the daemon is
/// not running, and a non-zero exit. Amounts are in yuan (``RefusalWording``), and the
/// elements of a batch are named as the user gave them (``RequestItems``).
public struct CommandFailure: Error, CustomStringConvertible {
    public let error: RPCError
    public let socketPath: String
    /// Set by a command whose request holds a batch given in places the user can find
    /// again (options in order, lines of a file): its refusals name those places.
    public var items: RequestItems?

    public init(error: RPCError, socketPath: String, items: RequestItems? = nil) {
        self.error = error
        self.socketPath = socketPath
        self.items = items
    }

    public var description: String {
        var message = RefusalWording.message(error)
        if let items { message = items.naming(in: message, metadata: error.metadata) }
        var fieldLines: [String] = []
        for violation in error.fieldViolations {
            let located = items?.locate(violation.field)
            let problem = RefusalWording.problem(violation, priceFen: located?.item.priceFen)
                + (violation.reason.isEmpty ? "" : " (\(violation.reason))")
            if let located {
                // The daemon's message names the field by its path too.
                message = message.replacingOccurrences(of: violation.field, with: located.label)
                fieldLines.append("\(located.label): \(problem)")
            } else {
                fieldLines.append("field \(violation.field): \(problem)")
            }
        }
        var lines = ["error: \(error.code): \(message)"]
        if let reason = error.reason, fieldLines.isEmpty || !Self.repeats(reason, of: error) {
            lines.append("reason: \(reason)")
        }
        lines += fieldLines
        if error.reason == "DAEMON_UNREACHABLE" {
            lines.append("hint: is scenicd running? Start it with `make run`, or point --socket at its socket (tried \(socketPath)).")
        }
        return lines.joined(separator: "\n")
    }

    /// Whether the reason says nothing that the first line and the field lines do not: it is
    /// the code's own name (`INVALID_ARGUMENT`) or a field line's reason. Without field
    /// lines it is printed all the same, for scripts that match `reason: …`.
    private static func repeats(_ reason: String, of error: RPCError) -> Bool {
        reason == "\(error.code)" || error.fieldViolations.contains { $0.reason == reason }
    }

    /// Prints the report and exits with status 1; used by every client's `main`.
    public static func exitReporting(_ failure: CommandFailure) -> Never {
        FileHandle.standardError.write(Data((failure.description + "\n").utf8))
        exit(1)
    }
}
