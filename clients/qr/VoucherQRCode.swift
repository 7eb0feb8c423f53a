import CQRencode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A QR code made by libqrencode (Debian's libqrencode-dev), for a voucher's code: drawn
/// on a terminal or written as a PNG file.
public struct VoucherQRCode: Sendable, Equatable {
    /// Why libqrencode made no code.
    public enum Failure: Error, Equatable {
        /// libqrencode returned NULL and set `errno`: ERANGE for text too long for any QR
        /// version, EINVAL for text it refuses (an empty string, or one holding a NUL, which
        /// is refused here because a C string would end at it), ENOMEM when out of memory.
        case encodingFailed(errno: Int32)
    }

    /// Light modules drawn around the symbol on every side, in the terminal and in the PNG.
    /// ISO/IEC 18004 asks for 4, and the terminal gets 4 too: on a dark background the zone
    /// has to be drawn in blocks like the light modules (the background is no quiet zone),
    /// and 4 costs just one more line above and below than the 2 that phones often cope
    /// with, a small price for scanning at a glance.
    public static let quietZone = 4

    /// Modules per side, without the quiet zone (21 for version 1, up to 177 for 40).
    public let width: Int
    /// Row after row, `true` for a dark module.
    private let modules: [Bool]

    /// Encodes `text` with error correction level M (about 15% of the symbol may be lost),
    /// case-sensitive, in the smallest version that holds it. libqrencode picks the modes:
    /// digits go in numeric mode, so a 16-digit voucher code fits version 1 (21x21).
    public init(encoding text: String) throws {
        guard !text.utf8.contains(0) else { throw Failure.encodingFailed(errno: EINVAL) }
        // libqrencode is built thread-safe on Debian (its tables are set up under a mutex),
        // and errno is per thread, so codes may be made from any task at once. QR_MODE_8:
        // what is neither digits nor alphanumeric goes in 8-bit mode (UTF-8), not Kanji.
        errno = 0
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            throw Failure.encodingFailed(errno: errno)
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = code.pointee.data!
        // Each byte describes one module; the other bits tell what kind of module it is
        // (finder, timing, data...), only the least significant one says dark or light.
        self.width = width
        self.modules = (0..<width * width).map { data[$0] & 1 != 0 }
    }

    /// Whether the module at column `x`, row `y` is dark; (0, 0) is the top left. A
    /// position outside the symbol is in the quiet zone, and light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard (0..<width).contains(x), (0..<width).contains(y) else { return false }
        return modules[y * width + x]
    }

    /// The code for a terminal with a dark background: light modules drawn as blocks and
    /// dark ones left as the background (as `qrencode -t UTF8` does), two module rows per
    /// line with "▀", "▄", "█" and " ", with the quiet zone around it. Every line ends with
    /// "\n" and is `width + 2 * quietZone` characters wide. The row under the bottom quiet
    /// zone's last, on the last line, is left dark so that the zone stays 4 modules deep.
    public func terminalText() -> String {
        let first = -Self.quietZone
        let end = width + Self.quietZone
        var text = ""
        for top in stride(from: first, to: end, by: 2) {
            for x in first..<end {
                let upperLight = !isDark(x: x, y: top)
                let lowerLight = top + 1 < end && !isDark(x: x, y: top + 1)
                switch (upperLight, lowerLight) {
                case (true, true): text += "█"
                case (true, false): text += "▀"
                case (false, true): text += "▄"
                case (false, false): text += " "
                }
            }
            text += "\n"
        }
        return text
    }

    /// A PNG file's bytes: black on white, `scale` pixels per module, with the quiet zone;
    /// 1-bit grayscale, the smallest kind of PNG that a reader of any kind takes. A scanner
    /// wants at least 2 pixels a module (zbarimg finds nothing at 1).
    public func png(scale: Int = 8) -> [UInt8] {
        precondition(scale > 0, "a module is at least one pixel")
        let modulesAcross = width + 2 * Self.quietZone
        let side = modulesAcross * scale
        let rowBytes = (side + 7) / 8
        var pixels: [UInt8] = []
        pixels.reserveCapacity((1 + rowBytes) * side)
        for y in 0..<modulesAcross {
            // Bits are 1 for white, 0 for black, the leftmost pixel in the high bit; the
            // unused bits at the end of the row stay 1, as they would be ignored anyway.
            var row = [UInt8](repeating: 0xFF, count: rowBytes)
            for pixel in 0..<side where isDark(x: pixel / scale - Self.quietZone, y: y - Self.quietZone) {
                row[pixel / 8] &= ~(0x80 >> UInt8(pixel % 8))
            }
            // One row of modules is `scale` rows of pixels, each after filter type 0 (None).
            for _ in 0..<scale {
                pixels.append(0)
                pixels += row
            }
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(side))  // width
        header.appendBigEndian(UInt32(side))  // height
        header += [1, 0, 0, 0, 0]  // bit depth 1, grayscale, deflate, adaptive filters, no interlace
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        PNG.appendChunk("IHDR", header, to: &file)
        PNG.appendChunk("IDAT", PNG.storedZlibStream(pixels), to: &file)
        PNG.appendChunk("IEND", [], to: &file)
        return file
    }
}

/// What writing a PNG takes without zlib, which no Swift module offers here: the image data
/// goes uncompressed in "stored" deflate blocks, valid for every inflater. A QR code at 8
/// pixels a module is some kilobytes that way, a version 40 one about 280 KB.
enum PNG {
    /// A chunk: the data's length, its type, the data, and the CRC-32 of type and data.
    static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        let typeAndData = Array(type.utf8) + data
        file.appendBigEndian(UInt32(data.count))
        file += typeAndData
        file.appendBigEndian(crc32(typeAndData))
    }

    /// A zlib stream (RFC 1950) of `data` in stored deflate blocks (RFC 1951, 3.2.4).
    static func storedZlibStream(_ data: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KiB window; FLG 0x01: no dictionary, and the check
        // bits that make 0x7801 a multiple of 31, as the header must be.
        var stream: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            // A stored block holds at most 65535 bytes; its 3 header bits (final flag,
            // type 00) are padded to a byte, then come LEN and its complement, little-endian.
            let end = min(start + 0xFFFF, data.count)
            let length = UInt16(end - start)
            stream.append(end == data.count ? 1 : 0)
            stream += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            stream += data[start..<end]
            start = end
        } while start < data.count
        stream.appendBigEndian(adler32(data))
        return stream
    }

    /// Adler-32 (RFC 1950, 8.2), the zlib stream's checksum of the uncompressed data.
    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    /// CRC-32 as PNG and zlib's crc32() compute it (reflected, polynomial 0xEDB88320).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }

    /// The CRC of every byte value, so that each byte takes one look-up instead of 8 shifts.
    private static let crcTable: [UInt32] = (0..<256).map { (value: UInt32) in
        var crc = value
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1
        }
        return crc
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }
}
