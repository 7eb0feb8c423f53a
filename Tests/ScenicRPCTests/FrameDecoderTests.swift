import Testing

@testable import ScenicRPC

@Suite("Frame decoder")
struct FrameDecoderTests {
    static func frame(_ streamID: UInt32, _ payload: [UInt8], type: FrameType = .request) -> [UInt8] {
        FrameHeader.frame(streamID: streamID, type: type, payload: payload)
    }

    static let stream: [UInt8] =
        frame(1, Array("hello".utf8)) + frame(3, []) + frame(5, (0..<300).map { UInt8($0 % 251) })

    static func decodeAll(_ decoder: inout FrameDecoder) throws -> [DecodedFrame] {
        var frames: [DecodedFrame] = []
        while let frame = try decoder.next() { frames.append(frame) }
        return frames
    }

    static var expected: [DecodedFrame] {
        [
            .frame(FrameHeader(length: 5, streamID: 1, type: .request), payload: ArraySlice("hello".utf8)),
            .frame(FrameHeader(length: 0, streamID: 3, type: .request), payload: []),
            .frame(FrameHeader(length: 300, streamID: 5, type: .request), payload: ArraySlice((0..<300).map { UInt8($0 % 251) })),
        ]
    }

    @Test("byte by byte gives the same frames as all at once")
    func byteByByte() throws {
        var decoder = FrameDecoder()
        var frames: [DecodedFrame] = []
        for byte in Self.stream {
            decoder.append([byte])
            frames += try Self.decodeAll(&decoder)
        }
        #expect(frames == Self.expected)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("every split point and odd chunk sizes", arguments: [2, 3, 7, 9, 10, 11, 64, 1000])
    func oddSplits(chunk: Int) throws {
        var decoder = FrameDecoder()
        var frames: [DecodedFrame] = []
        var index = 0
        while index < Self.stream.count {
            let end = min(index + chunk, Self.stream.count)
            decoder.append(Array(Self.stream[index..<end]))
            frames += try Self.decodeAll(&decoder)
            index = end
        }
        #expect(frames == Self.expected)
    }

    @Test("an oversized frame is reported once and its payload skipped, even split")
    func oversized() throws {
        let big = Self.frame(7, [UInt8](repeating: 0xAB, count: 100))
        let after = Self.frame(9, [1, 2, 3])
        for split in [1, 5, 10, 11, 50, 110, 112] {
            var decoder = FrameDecoder(maxPayloadSize: 64)
            let bytes = big + after
            decoder.append(Array(bytes[..<split]))
            var frames = try Self.decodeAll(&decoder)
            decoder.append(Array(bytes[split...]))
            frames += try Self.decodeAll(&decoder)
            #expect(frames == [
                .oversized(FrameHeader(length: 100, streamID: 7, type: .request)),
                .frame(FrameHeader(length: 3, streamID: 9, type: .request), payload: [1, 2, 3]),
            ], "split at \(split)")
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test("a frame exactly at the cap is accepted")
    func atCap() throws {
        var decoder = FrameDecoder(maxPayloadSize: 16)
        decoder.append(Self.frame(1, [UInt8](repeating: 1, count: 16)))
        #expect(try Self.decodeAll(&decoder).count == 1)
    }

    @Test("an unknown type or reserved flag bits are errors")
    func badHeaders() {
        var unknownType = FrameDecoder()
        unknownType.append([0, 0, 0, 0, 0, 0, 0, 1, 9, 0])
        #expect(throws: FrameError.unknownType(9)) { try unknownType.next() }

        var reservedFlags = FrameDecoder()
        reservedFlags.append([0, 0, 0, 0, 0, 0, 0, 1, 1, 0x80])
        #expect(throws: FrameError.unknownFlags(0x80)) { try reservedFlags.next() }
    }

    @Test("the header is big-endian as ttrpc lays it out")
    func headerLayout() {
        let header = FrameHeader(length: 0x0102_0304, streamID: 0x0506_0708, type: .response, flags: 4)
        #expect(header.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 2, 4])
    }
}
