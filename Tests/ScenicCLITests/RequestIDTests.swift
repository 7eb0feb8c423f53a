import Foundation
import ScenicClient
import Testing

@Suite("Request ids")
struct RequestIDTests {
    @Test("a UUIDv7: lowercase 8-4-4-4-12 hex, version 7, the RFC's variant, the time in its first 48 bits")
    func form() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.123)
        let id = RequestID.make(at: now)
        let groups = id.split(separator: "-", omittingEmptySubsequences: false)
        #expect(groups.map(\.count) == [8, 4, 4, 4, 12])
        #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
        let hex = groups.joined()
        #expect(hex.dropFirst(12).first == "7")
        #expect("89ab".contains(hex.dropFirst(16).first!))
        #expect(UInt64(hex.prefix(12), radix: 16) == 1_800_000_000_123)
        #expect(UUID(uuidString: id) != nil)
    }

    @Test("ids of one millisecond differ; a later millisecond's id sorts after")
    func unique() {
        let now = Date()
        let ids = (0..<10_000).map { _ in RequestID.make(at: now) }
        #expect(Set(ids).count == ids.count)
        // The random bits: each hex place after the version, but the variant's, takes many values.
        let texts = ids.map { Array($0) }
        for offset in [15, 16, 17, 20, 21, 22] + Array(24..<36) {
            #expect(Set(texts.map { $0[offset] }).count >= 8)
        }
        #expect(RequestID.make(at: now.addingTimeInterval(0.002)) > ids.max()!)
    }
}
