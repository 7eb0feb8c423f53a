import Foundation
import ScenicProcessStatistics
import ScenicTestSupport
import Testing

@Suite("What /proc tells of a process")
struct ProcessStatisticsTests {
    let this = ProcessStatistics(pid: getpid())

    @Test("CPU time grows with work done")
    func cpuTime() throws {
        let before = try #require(this.cpuTime)
        let clock = ContinuousClock()
        let started = clock.now
        var sum: UInt64 = 0
        // Spins until the process has used at least 50 ms more, whatever else it runs.
        while try #require(this.cpuTime) - before < .milliseconds(50) {
            for value in 0..<100_000 { sum &+= UInt64(value) &* 2_654_435_761 }
            try #require(clock.now - started < .seconds(30), "no CPU time counted in 30 s")
        }
        #expect(sum != 1)  // uses the sum, so that the loop is not optimized away
    }

    @Test("resident memory now and at its peak, the peak never below")
    func memory() throws {
        let resident = try #require(this.residentBytes)
        let peak = try #require(this.peakResidentBytes)
        #expect(resident > 1_000_000)
        #expect(peak >= resident)
    }

    /// Linux counts a process's writes to a disk's filesystem, not to tmpfs's pages: whether
    /// /tmp, a mount of its own or a folder of the root's, is on something other than tmpfs.
    static let scratchOnDisk: Bool = {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        var types: [String: String] = [:]
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 2 { types[String(fields[1])] = String(fields[2]) }
        }
        guard let type = types["/tmp"] ?? types["/"] else { return false }
        return type != "tmpfs"
    }()

    @Test(
        "bytes written to storage grow with a file written and synced",
        .enabled(if: scratchOnDisk, "/tmp is tmpfs here: nothing written there reaches storage"))
    func storageWritten() throws {
        let before = try #require(this.storageWrittenBytes)
        let path = TestScratch.path("written-")
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let block = [UInt8](repeating: 7, count: 1 << 20)
        #expect(block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == block.count)
        #expect(fsync(descriptor) == 0)
        let after = try #require(this.storageWrittenBytes)
        #expect(after - before >= block.count)
    }

    @Test("a process that has ended has no figures")
    func ended() {
        // Not a pid the kernel hands out: above pid_max's ceiling of 2^22.
        let gone = ProcessStatistics(pid: 1 << 23)
        #expect(gone.cpuTime == nil && gone.residentBytes == nil && gone.peakResidentBytes == nil && gone.storageWrittenBytes == nil)
    }
}
