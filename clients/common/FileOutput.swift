import Foundation

/// Files the clients write for their user.
public enum FileOutput {
    /// Writes `data` as the whole of `path` with exactly `mode`, whatever the umask: a
    /// session file must be the user's alone, a QR code picture is for handing on.
    public static func save(_ data: Data, to path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, mode)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw InputError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
