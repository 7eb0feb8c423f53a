#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ScenicClient
import ScenicTestSupport
import Testing

/// One call in frames built by hand here, not by the Swift client: a request frame out,
/// the response frame back, parsed byte by byte.
func handFramedCall(socket path: String, service: String, method: String, payload: [UInt8]) async throws -> Ttrpc_Response {
    try await BlockingWait.run {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        // Request{service = 1, method = 2, payload = 3}, each a length-delimited field.
        func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] {
            var length = bytes.count
            var varint: [UInt8] = []
            repeat {
                varint.append(UInt8(length & 0x7F) | (length > 0x7F ? 0x80 : 0))
                length >>= 7
            } while length > 0
            return [number << 3 | 2] + varint + bytes
        }
        let data = field(1, Array(service.utf8)) + field(2, Array(method.utf8)) + (payload.isEmpty ? [] : field(3, payload))
        let length = UInt32(data.count)
        let frame = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), 0, 0, 0, 1, 1, 0] + data
        guard frame.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == frame.count else {
            throw POSIXError(.EPIPE)
        }
        func read(_ count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var got = 0
            while got < count {
                let n = bytes[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw POSIXError(.ECONNRESET) }
                got += n
            }
            return bytes
        }
        let header = try read(10)
        #expect(Array(header[4..<10]) == [0, 0, 0, 1, 2, 0], "stream 1, type response, no flags")
        let answerLength = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        return try Ttrpc_Response(serializedBytes: try read(answerLength))
    }
}

@Suite("Conformance", .serialized)
struct ConformanceTests {
    @Test("every method, through the Swift client and through hand-built frames, answers the same")
    func everyMethodBothWays() async throws {
        let daemon = try await DaemonProcess(arguments: ["--scrypt-log-n", "12"])
        var routed: [String: String] = [:]
        for path in [daemon.adminSocket, daemon.posSocket] {
            let client = try await ScenicClient.connect(socketPath: path)
            for method in try await client.serverInfo().methods { routed[method] = path }
            await client.close()
        }
        // The client's table names exactly what the daemon serves.
        #expect(Set(routed.keys) == Set(ScenicMethods.all.keys))

        for (name, path) in routed.sorted(by: { $0.key < $1.key }) {
            let method = try #require(ScenicMethods.all[name])
            let payload: [UInt8] = try method.request.init().serializedBytes()
            let client = try await ScenicClient.connect(socketPath: path)
            let viaClient: String
            do {
                let answer = try await client.call(service: method.service, method: method.method, payload: payload)
                _ = try method.response.init(serializedBytes: answer)
                viaClient = "OK"
            } catch let error as RPCError {
                viaClient = "\(error.code) \(error.reason ?? "")"
            }
            await client.close()

            let raw = try await handFramedCall(socket: path, service: method.service, method: method.method, payload: payload)
            let viaFrames: String
            if raw.status.code == 0 {
                _ = try method.response.init(serializedBytes: raw.payload)
                viaFrames = "OK"
            } else {
                let error = RPCError(status: raw.status)
                viaFrames = "\(error.code) \(error.reason ?? "")"
            }
            #expect(viaClient == viaFrames, "\(name)")
            #expect(!viaClient.hasPrefix("INTERNAL"), "\(name) failed inside the daemon")
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
