#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What Linux's `/proc` tells of a running process: the CPU time it has used, its resident
/// memory, and the bytes it has caused to be written to storage. The benchmark and the tests
/// measure a daemon from outside with it; each figure is nil when `/proc` does not answer
/// (the process has ended, or the system has no `/proc`).
public struct ProcessStatistics: Sendable {
    /// The process the figures are of.
    public let pid: pid_t

    /// The figures of process `pid`, read from `/proc` each time one is asked for.
    public init(pid: pid_t) {
        self.pid = pid
    }

    /// The CPU time used so far, user and system (`/proc/PID/stat`), to the kernel's clock
    /// tick. Unlike calls a second, steal time on a shared machine does not inflate it, so
    /// it compares builds, and bounds a process's own work, whatever else runs beside it.
    public var cpuTime: Duration? {
        guard let stat = read("stat"), let end = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces): utime is field 14, stime field 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return .milliseconds((user + system) * 1000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The resident memory now (VmRSS), in bytes.
    public var residentBytes: Int? { statusKiB("VmRSS").map { $0 * 1024 } }

    /// The most resident memory used so far (VmHWM), in bytes.
    public var peakResidentBytes: Int? { statusKiB("VmHWM").map { $0 * 1024 } }

    /// The bytes caused to be written to storage so far (`write_bytes` of `/proc/PID/io`):
    /// what reached the disk, a database's WAL and its checkpoints alike.
    public var storageWrittenBytes: Int? {
        guard let io = read("io") else { return nil }
        for line in io.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private func statusKiB(_ field: String) -> Int? {
        guard let status = read("status"), let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else {
            return nil
        }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

    private func read(_ file: String) -> String? {
        try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)
    }
}
