import Foundation

/// Request ids the clients make: UUIDv7s (RFC 9562), whose first 48 bits are the time in
/// Unix milliseconds and the rest random. The daemon keeps each caller's ids in order in
/// one index, so ids that grow with time are added at its end, a page or two a batch of
/// sales, where random ones land on a page of their own each.
public enum RequestID {
    /// A new request id for a call made at `now`: 36 characters, lowercase hex in 8-4-4-4-12.
    public static func make(at now: Date = Date()) -> String {
        // Two draws of the system generator (a getrandom(2) call each) for the 74 random
        // bits: a load of thousands of calls a second makes one id a call.
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        bytes[6] = UInt8(truncatingIfNeeded: high) & 0x0f | 0x70  // version 7
        bytes[7] = UInt8(truncatingIfNeeded: high >> 8)
        bytes[8] = UInt8(truncatingIfNeeded: high >> 16) & 0x3f | 0x80  // the RFC's variant
        bytes[9] = UInt8(truncatingIfNeeded: high >> 24)
        for index in 10..<16 { bytes[index] = UInt8(truncatingIfNeeded: low >> (8 * (index - 10))) }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
