import Foundation

/// Files the clients write for their user.
public enum FileOutput {
    /// Writes `data` as the whole of `path` with exactly `mode`, whatever the umask: a
    /// session file must be the user's alone, a QR code picture is for handing on.
    public static func save(_ data: Data, to path: String, mode: mode_t) throws {
        try writeFile(data, to: path, mode: mode, sync: false)
    }

    /// Replaces `path` with `data` so that a crash at any moment leaves either the old
    /// content or the new, whole: written beside it, flushed to disk, renamed over it, and
    /// the rename flushed with the folder.
    public static func replace(_ data: Data, at path: String, mode: mode_t) throws {
        let temporary = path + ".tmp"
        try writeFile(data, to: temporary, mode: mode, sync: true)
        guard rename(temporary, path) == 0 else { throw failure(path) }
        let folderPath = (path as NSString).deletingLastPathComponent
        let folder = open(folderPath.isEmpty ? "." : folderPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { throw failure(folderPath) }
        defer { close(folder) }
        guard fsync(folder) == 0 else { throw failure(folderPath) }
    }

    private static func writeFile(_ data: Data, to path: String, mode: mode_t, sync: Bool) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        fchmod(fd, mode)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, !sync || fsync(fd) == 0 else { throw failure(path) }
    }

    private static func failure(_ path: String) -> InputError {
        InputError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
