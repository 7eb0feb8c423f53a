#if canImport(Glibc)
import Glibc
#endif

/// Finds arguments that are not valid UTF-8. `CommandLine.arguments` replaces such bytes
/// with U+FFFD, so a name typed in another encoding would otherwise be stored altered.
public enum UTF8Arguments {
    /// The first of `arguments` (the raw bytes of each, program name left out) that is
    /// not valid UTF-8, with the text it would have been repaired to.
    public static func firstInvalid(_ arguments: [[UInt8]]) -> RefusedArgument? {
        for (index, bytes) in arguments.enumerated() where String(validating: bytes, as: UTF8.self) == nil {
            let repaired = String(decoding: bytes, as: UTF8.self)
            return RefusedArgument(
                position: index + 1,
                reason: "is not valid UTF-8 (it would be read as \(repaired.debugDescription)); retype it in UTF-8")
        }
        return nil
    }

    /// This process's arguments as the bytes it was given, before any repair.
    public static var processArguments: [[UInt8]] {
        (0..<Int(CommandLine.argc)).dropFirst().map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return [] }
            return UnsafeBufferPointer(start: argument, count: strlen(argument)).map { UInt8(bitPattern: $0) }
        }
    }
}
