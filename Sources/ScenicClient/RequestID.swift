import Foundation

/// Request ids the clients make: UUIDv7s (RFC 9562), whose first 48 bits are the time in
/// Unix milliseconds and the rest random. The daemon keeps each caller's ids in order in
/// one index, so ids that grow with time are added at its end, a page or two a batch of
/// sales, where random ones land on a page of their own each.
public enum RequestID {
    public static func make(at now: Date = Date()) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        bytes[6] = bytes[6] & 0x0f | 0x70  // version 7
        bytes[8] = bytes[8] & 0x3f | 0x80  // the RFC's variant
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
