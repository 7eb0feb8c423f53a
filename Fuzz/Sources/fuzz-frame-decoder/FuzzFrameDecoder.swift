// libFuzzer target for ScenicRPC's FrameDecoder.
//
// An input is:
//
//     byte 0          options: bits 0-2 = n, the number of chunk-size bytes (0-7);
//                     bits 3-4 = the payload cap (64, 0, 1 or 16 bytes);
//                     bit 5 = append through UnsafeRawBufferPointer instead of [UInt8];
//                     bit 6 = chunk sizes are multiplied by 16
//     bytes 1...n     chunk sizes, used in turn (a 0 appends an empty chunk, then 1 byte)
//     the rest        the byte stream, fed to the decoder in those chunks (all at once
//                     when n is 0), draining next() after every append
//
// The decoder's answers are compared with a reference decoder that sees the whole stream
// at once, so every split of the bytes must give the same frames, oversized reports and
// errors; memory and byte-accounting invariants are checked with check(), a precondition that keeps its message in
// release builds.

import ScenicRPC

/// `precondition` that also says why in release builds, where precondition's message is
/// dropped: the failure message goes to stderr before the trap libFuzzer reports.
@inline(__always)
private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "", file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant violated: \(message())", file: file, line: line) }
}

private let caps = [64, 0, 1, 16]

/// What the decoder said, in order.
private enum Event: Equatable {
    case frame(FrameHeader, [UInt8])
    case oversized(FrameHeader)
    case error(FrameError)
}

/// A straightforward decoder over the complete stream: the specification the chunked one
/// must match. Returns the events and how many stream bytes they consumed (an oversized
/// frame's skipped payload counts up to the end of the stream).
private func referenceDecode(_ stream: [UInt8], cap: Int) -> (events: [Event], consumed: Int) {
    var events: [Event] = []
    var position = 0
    func u32(_ at: Int) -> UInt32 {
        UInt32(stream[at]) << 24 | UInt32(stream[at + 1]) << 16 | UInt32(stream[at + 2]) << 8 | UInt32(stream[at + 3])
    }
    while stream.count - position >= FrameHeader.size {
        let rawType = stream[position + 8]
        let flags = stream[position + 9]
        guard let type = FrameType(rawValue: rawType) else {
            events.append(.error(.unknownType(rawType)))
            break
        }
        guard flags & ~FrameHeader.knownFlags == 0 else {
            events.append(.error(.unknownFlags(flags)))
            break
        }
        var header = FrameHeader(length: u32(position), streamID: u32(position + 4), type: type)
        header.flags = flags
        let length = Int(header.length)
        if length > cap {
            events.append(.oversized(header))
            position = min(stream.count, position + FrameHeader.size + length)
        } else if stream.count - position >= FrameHeader.size + length {
            let start = position + FrameHeader.size
            events.append(.frame(header, Array(stream[start..<start + length])))
            position = start + length
        } else {
            break
        }
    }
    return (events, position)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let options = input[0]
    let sizeCount = min(Int(options & 0x07), size - 1)
    let cap = caps[Int(options >> 3) & 0x03]
    let rawAppend = options & 0x20 != 0
    let scale = options & 0x40 != 0 ? 16 : 1
    let chunkSizes = Array(input[1..<1 + sizeCount]).map { Int($0) * scale }
    let stream = Array(input[(1 + sizeCount)...])

    var decoder = FrameDecoder(maxPayloadSize: cap)
    check(decoder.maxPayloadSize == cap)
    check(decoder.bufferedByteCount == 0)

    var events: [Event] = []
    var offset = 0
    var chunkIndex = 0
    var failed = false
    // Bytes the returned units stand for: header plus payload, skipped payloads included
    // in full even when the stream ends before them.
    var accounted = 0

    feeding: while offset < stream.count {
        var chunkSize = stream.count
        if !chunkSizes.isEmpty {
            chunkSize = chunkSizes[chunkIndex % chunkSizes.count]
            chunkIndex += 1
            if chunkSize == 0 {
                let before = decoder.bufferedByteCount
                if rawAppend {
                    [UInt8]().withUnsafeBytes { decoder.append($0) }
                } else {
                    decoder.append([UInt8]())
                }
                check(decoder.bufferedByteCount == before, "an empty append changed the buffer")
                chunkSize = 1
            }
        }
        let chunk = Array(stream[offset..<min(stream.count, offset + chunkSize)])
        offset += chunk.count
        let before = decoder.bufferedByteCount
        if rawAppend {
            chunk.withUnsafeBytes { decoder.append($0) }
        } else {
            decoder.append(chunk)
        }
        let buffered = decoder.bufferedByteCount
        check(buffered >= 0 && buffered <= before + chunk.count, "append grew the buffer by more than the chunk")
        check(
            buffered <= cap + FrameHeader.size + chunk.count,
            "buffered \(buffered) bytes with cap \(cap) after a \(chunk.count)-byte chunk")

        while true {
            let unit: DecodedFrame?
            do {
                unit = try decoder.next()
            } catch {
                events.append(.error(error))
                failed = true
                break feeding  // after a FrameError the decoder is not used again
            }
            guard let unit else { break }
            switch unit {
            case .frame(let header, let payload):
                check(payload.count == Int(header.length), "payload length \(payload.count) != header length \(header.length)")
                check(payload.count <= cap, "a frame over the cap was returned whole")
                check(header.flags & ~FrameHeader.knownFlags == 0)
                events.append(.frame(header, Array(payload)))
                accounted += FrameHeader.size + payload.count
            case .oversized(let header):
                check(Int(header.length) > cap, "a frame within the cap was reported oversized")
                check(header.flags & ~FrameHeader.knownFlags == 0)
                events.append(.oversized(header))
                accounted += FrameHeader.size + Int(header.length)
            }
            // Every unit consumes at least a header, so this bounds the loop.
            check(events.count <= offset / FrameHeader.size, "more units than headers received")
        }
        // Drained: all that can remain is part of one frame within the cap.
        check(
            decoder.bufferedByteCount < cap + FrameHeader.size,
            "\(decoder.bufferedByteCount) bytes left buffered after draining with cap \(cap)")
    }

    let reference = referenceDecode(stream, cap: cap)
    check(events == reference.events, "chunked decoding \(events) != whole-stream decoding \(reference.events)")
    if !failed {
        let buffered = decoder.bufferedByteCount
        check(stream.count - buffered == reference.consumed, "consumed \(stream.count - buffered) != \(reference.consumed)")
        check(min(accounted, stream.count) + buffered == stream.count, "bytes unaccounted for")
        check(accounted <= stream.count || buffered == 0, "bytes buffered while a payload is still being skipped")
        // With nothing more arriving, the decoder has nothing more to say.
        do {
            let unit = try decoder.next()
            check(unit == nil, "a unit appeared without new bytes")
        } catch {
            fatalError("an error appeared without new bytes: \(error)")
        }
        check(decoder.bufferedByteCount == buffered)
    }
    return 0
}
