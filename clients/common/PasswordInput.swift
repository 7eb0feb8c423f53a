#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation

/// Reads passwords: from standard input, one per line, with `--password-stdin`; else from
/// the terminal at a prompt that does not echo.
public enum PasswordInput {
    public static func read(prompt: String, fromStandardInput: Bool) throws -> String {
        if fromStandardInput {
            guard let line = Swift.readLine(strippingNewline: true) else {
                throw InputError("expected a password on standard input")
            }
            return line
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw InputError("standard input is not a terminal: use --password-stdin")
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return Swift.readLine(strippingNewline: true) ?? ""
    }
}
