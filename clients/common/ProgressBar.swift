#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal so that logs
/// and pipes stay clean.
public struct ProgressBar {
    let label: String
    let total: Int
    let enabled = isatty(STDERR_FILENO) == 1

    public init(label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    public func update(_ done: Int) {
        guard enabled else { return }
        let width = 30
        let filled = width * min(done, total) / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
    }

    /// For work of unknown size: how many so far.
    public func count(_ done: Int) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\(label) \(done)".utf8))
    }

    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
