#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// An exclusive advisory lock on `<database>.lock`, held for the life of the process.
///
/// SQLite happily lets two processes open the same WAL database, which would give two
/// daemons two views of one balance; the lock makes the second one refuse to start. The
/// kernel drops it when the process dies, so a crash never leaves it behind.
final class StoreLock: Sendable {
    /// The locked file's descriptor; -1 once released.
    private let descriptor: Mutex<Int32>

    init(databasePath: String) throws(StoreError) {
        let path = databasePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var bytes = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &bytes, bytes.count, 0)
            close(fd)
            let holder = count > 0 ? String(decoding: bytes[..<count], as: UTF8.self) : nil
            throw .locked(path: databasePath, holder: holder?.isEmpty == false ? holder : nil)
        }
        let pid = Array(String(getpid()).utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = Mutex(fd)
    }

    /// Lets another store open the database; also done when the lock goes away.
    func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            // Unlocked before closing: the lock belongs to the open file, and a child being
            // spawned by another thread holds a copy of the descriptor until its exec, so
            // a close alone could leave the file locked for a moment after this returns.
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit {
        release()
    }
}
