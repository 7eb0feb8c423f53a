import ArgumentParser
import Foundation

/// A command-line argument refused before ArgumentParser sees it, because ArgumentParser
/// would take it wrongly: silently repaired text, or a negative number read as an option.
public struct RefusedArgument: CustomStringConvertible {
    /// The argument's place on the command line, 1 being the first after the program name.
    public var position: Int
    /// Why, worded to follow `argument N`.
    public var reason: String

    public var description: String { "argument \(position) \(reason)" }

    /// Checks this process's arguments and, when one is refused, says why and exits with
    /// ArgumentParser's usage-error status before anything is parsed or sent.
    public static func screenProcessArguments() {
        guard let refused = UTF8Arguments.firstInvalid(UTF8Arguments.processArguments)
            ?? NegativeNumberArguments.first(in: Array(CommandLine.arguments.dropFirst()))
        else { return }
        FileHandle.standardError.write(Data("error: \(refused)\n".utf8))
        exit(ExitCode.validationFailure.rawValue)
    }
}
