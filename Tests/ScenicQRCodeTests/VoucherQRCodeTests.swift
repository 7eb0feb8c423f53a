import Foundation
import ScenicTestSupport
import Testing

@testable import ScenicQRCode

@Suite("Voucher QR codes")
struct VoucherQRCodeTests {
    /// Debian's zbar-tools, a QR reader that shares no code with libqrencode.
    static let zbarimg = "/usr/bin/zbarimg"

    /// What zbarimg reads from `png` written to a file; nil when it finds no code.
    static func scan(_ png: [UInt8]) throws -> String? {
        let file = TestScratch.url("voucher-", suffix: ".png")
        try Data(png).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zbarimg)
        // --nodbus: zbarimg would otherwise try the system bus, absent here, and say so.
        process.arguments = ["--raw", "-q", "--nodbus", file.path]
        let out = Pipe()
        let errors = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // zbarimg exits 4 when it finds no code, and ends each code it reads with a newline.
        guard process.terminationStatus == 0 else {
            Issue.record("zbarimg exited \(process.terminationStatus): \(complaint)")
            return nil
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    @Test("a 16-digit voucher code, written as a PNG file, reads back with zbarimg")
    func voucherCodeScans() throws {
        let code = try VoucherQRCode(encoding: "1234567890123452")
        #expect(code.width == 21)  // digits in numeric mode: version 1
        #expect(try Self.scan(code.png()) == "1234567890123452")
    }

    // Scale 2 is the least: zbarimg finds no code at one pixel a module, however valid the PNG.
    @Test(
        "codes read back exactly, case kept, at any scale from 2 up",
        arguments: [
            ("0000000000000000", 8), ("9999999999999995", 8), ("6011000990139424", 2),
            ("4000056655665556", 3), ("SCENIC-Voucher-ab12CD34", 8), ("scenic-voucher-AB12cd34", 8),
            ("https://scenic.example/v/1234567890123452?lang=en", 5),
        ])
    func codesScan(text: String, scale: Int) throws {
        #expect(try Self.scan(VoucherQRCode(encoding: text).png(scale: scale)) == text)
    }

    @Test("an image over 64 KiB, in several stored deflate blocks, reads back")
    func largeImageScans() throws {
        let text = String(repeating: "Scenic voucher 1234567890123452. ", count: 12)
        let png = try VoucherQRCode(encoding: text).png(scale: 12)
        #expect(png.count > 0xFFFF)
        #expect(try Self.scan(png) == text)
    }

    @Test("the PNG's header says 1-bit grayscale, one side of the quiet zone and modules times the scale")
    func pngHeader() throws {
        let code = try VoucherQRCode(encoding: "1234567890123452")
        let png = code.png(scale: 5)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        let side = UInt32((code.width + 2 * VoucherQRCode.quietZone) * 5)
        let sideBytes = [UInt8(side >> 24), UInt8(side >> 16 & 0xFF), UInt8(side >> 8 & 0xFF), UInt8(side & 0xFF)]
        #expect(Array(png[16..<24]) == sideBytes + sideBytes)
        #expect(Array(png[24..<29]) == [1, 0, 0, 0, 0])
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82])
    }

    @Test("the checksums give the published check values")
    func checksums() {
        #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(PNG.adler32([]) == 1)
    }

    @Test("the top left finder pattern is where libqrencode's least significant bit puts it")
    func finderPattern() throws {
        let code = try VoucherQRCode(encoding: "1234567890123452")
        // Its dark 7x7 ring, the light ring inside it, the dark 3x3 centre, the light separator.
        #expect((0..<7).allSatisfy { code.isDark(x: $0, y: 0) && code.isDark(x: 0, y: $0) })
        #expect((1..<6).allSatisfy { !code.isDark(x: $0, y: 1) })
        #expect(code.isDark(x: 3, y: 3))
        #expect((0..<8).allSatisfy { !code.isDark(x: $0, y: 7) && !code.isDark(x: 7, y: $0) })
        #expect(!code.isDark(x: -1, y: 0) && !code.isDark(x: 0, y: code.width))
    }

    @Test(
        "the terminal text has one line per two module rows, light modules as blocks, and only half blocks",
        arguments: ["1234567890123452", String(repeating: "SCENIC", count: 30)])
    func terminalText(text: String) throws {
        let code = try VoucherQRCode(encoding: text)
        let terminal = code.terminalText()
        #expect(terminal.hasSuffix("\n"))
        #expect(terminal.allSatisfy { "▀▄█ \n".contains($0) })
        let lines = terminal.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let side = code.width + 2 * VoucherQRCode.quietZone
        #expect(lines.count == (side + 1) / 2)
        #expect(lines.allSatisfy { $0.count == side })
        // Read the modules back from the half blocks: a light module is a lit half.
        for (line, characters) in lines.enumerated() {
            for (column, character) in characters.enumerated() {
                let x = column - VoucherQRCode.quietZone
                let y = 2 * line - VoucherQRCode.quietZone
                #expect(("▀█".contains(character)) == !code.isDark(x: x, y: y), "line \(line), column \(column)")
                if y + 1 < code.width + VoucherQRCode.quietZone {
                    #expect(("▄█".contains(character)) == !code.isDark(x: x, y: y + 1), "line \(line), column \(column)")
                } else {
                    #expect(character == "▀")  // below the quiet zone: the terminal's own background
                }
            }
        }
        // The quiet zone: its top two lines are whole blocks.
        #expect(lines.prefix(2).allSatisfy { $0.allSatisfy { $0 == "█" } })
    }

    @Test("text past the largest QR code's capacity throws ERANGE")
    func tooLong() {
        #expect(throws: VoucherQRCode.Failure.encodingFailed(errno: ERANGE)) {
            try VoucherQRCode(encoding: String(repeating: "a", count: 8000))
        }
        #expect(throws: VoucherQRCode.Failure.encodingFailed(errno: ERANGE)) {
            try VoucherQRCode(encoding: String(repeating: "7", count: 8000))
        }
    }

    @Test("empty text, and text that a C string would cut short at a NUL, throw EINVAL")
    func refused() {
        #expect(throws: VoucherQRCode.Failure.encodingFailed(errno: EINVAL)) {
            try VoucherQRCode(encoding: "1234\u{0}5678")
        }
        #expect(throws: VoucherQRCode.Failure.encodingFailed(errno: EINVAL)) { try VoucherQRCode(encoding: "") }
    }
}
