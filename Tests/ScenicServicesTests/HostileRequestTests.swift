import Foundation
import Logging
import ScenicNumbering
import ScenicProto
import ScenicRPC
import SwiftProtobuf
import Testing

@testable import ScenicServices

/// Requests as an attacker writes them, against every method of both sockets.
@Suite("Hostile requests")
struct HostileRequestTests {
    /// 4,224 bytes that read as a valid string (ASCII) and as a valid message (33 unknown
    /// length-delimited fields): whatever a field holds, the request decodes.
    static let longChunk: [UInt8] = Array((0..<33).map { _ in [0x7A, 0x7E] + [UInt8](repeating: 0x61, count: 126) }.joined())

    /// `count` copies of field `number`, each holding `content`.
    static func repeated(_ number: Int, _ content: [UInt8], count: Int) -> [UInt8] {
        var element: [UInt8] = [UInt8(number << 3 | 2)]
        var length = content.count
        while length >= 0x80 {
            element.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        element.append(UInt8(length))
        element += content
        return Array(repeatElement(element, count: count).joined())
    }

    @Test("every method, every field: 30,000 empty elements or 100 long strings are answered in bounded time and size")
    func everyMethodEveryField() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller()
        // Fields 1 to 10 cover every request Scenic defines; a field that is not
        // length-delimited makes the payload malformed, answered at once.
        let payloads = (1...10).flatMap { number in
            [Self.repeated(number, [], count: 30_000), Self.repeated(number, Self.longChunk, count: 100)]
        }
        var checked = 0
        for (router, name) in [(harness.admin, "admin"), (harness.pos, "pos")] {
            for method in router.methods where !method.hasPrefix("grpc.health") {
                let parts = method.split(separator: "/").map(String.init)
                for payload in payloads {
                    #expect(payload.count < FrameDecoder.defaultMaxPayloadSize)
                    var envelope = Ttrpc_Request()
                    envelope.service = parts[0]
                    envelope.method = parts[1]
                    envelope.payload = Data(payload)
                    var entry = Ttrpc_KeyValue()
                    entry.key = SessionAuthenticator.metadataKey
                    entry.value = token
                    envelope.metadata = [entry]
                    let started = ContinuousClock.now
                    let answer = await router.respond(
                        to: try envelope.serializedBytes(), peer: Harness.root, logger: Logger(label: "test"))
                    let took = ContinuousClock.now - started
                    let size = (try answer.serializedBytes() as [UInt8]).count
                    #expect(size <= 64 << 10, "\(name) \(method): \(size) bytes")
                    #expect(took < .seconds(3), "\(name) \(method): \(took)")
                    checked += 1
                }
            }
        }
        #expect(checked > 500)
    }

    @Test("a refund names the duplicate where it is, after an invalid code, and refuses too many codes with one violation")
    func refundPositions() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller()
        let code = try await harness.sell(token: token).voucherCodes[0]
        let duplicate = try await expectFailure(.invalidArgument) { _ = try await harness.refund(token: token, ["bad", code, code]) }
        #expect(duplicate.fieldViolations.map(\.field) == ["voucher_codes[0]", "voucher_codes[2]"])
        let many = try await expectFailure(.invalidArgument) {
            _ = try await harness.refund(token: token, Array(repeating: "", count: 10_000))
        }
        #expect(many.fieldViolations == [
            .init(field: "voucher_codes", description: "must hold 1 to 100 codes", reason: "OUT_OF_RANGE")
        ])
    }

    @Test("a request id is 1 to 64 printable ASCII characters, space included, control characters not")
    func requestIDs() async throws {
        let harness = try await Harness()
        let (id, _) = try await harness.seller()
        _ = try await harness.recharge(id, 100, requestID: "top up 1")
        for bad in ["del\u{7F}", "tab\t", "nul\u{0}", "é", String(repeating: "x", count: 65)] {
            let error = try await expectFailure(.invalidArgument) { _ = try await harness.recharge(id, 100, requestID: bad) }
            #expect(error.fieldViolations.map(\.reason) == ["INVALID_REQUEST_ID"])
        }
    }

    @Test("a ledger whose from_date is after its to_date is refused, as a statement is")
    func ledgerPeriod() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller()
        var request = Scenic_V1_ListLedgerRequest()
        request.fromDate = "2026-03-02"
        request.toDate = "2026-03-01"
        let error = try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_ListLedgerResponse = try await harness.call(harness.pos, SalesService.service, "ListLedger", request, token: token)
        }
        #expect(error.fieldViolations.map(\.field) == ["to_date"])
    }

    @Test("a visit date more than 366 days ahead is refused, not sold with its validity cut short")
    func farVisitDate() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller()
        for date in ["9999-12-31", harness.services.accountPolicy.calendar.day(of: harness.clock.now.addingTimeInterval(367 * 86_400))] {
            let error = try await expectFailure(.invalidArgument) { _ = try await harness.sell(token: token, visitDate: date) }
            #expect(error.fieldViolations.map(\.reason) == ["OUT_OF_RANGE"])
        }
        let lastDay = harness.services.accountPolicy.calendar.day(of: harness.clock.now.addingTimeInterval(366 * 86_400))
        _ = try await harness.sell(token: token, visitDate: lastDay)
        #expect(try await harness.rowCount("sale_order") == 1)
    }

    @Test("a voucher filter with a status the daemon does not know is refused")
    func unknownStatus() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller()
        var filter = Scenic_V1_VoucherFilter()
        filter.status = .UNRECOGNIZED(99)
        let error = try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_ListVouchersResponse = try await harness.call(harness.pos, SalesService.service, "ListVouchers", filter, token: token)
        }
        #expect(error.fieldViolations.map(\.reason) == ["UNKNOWN_ENUM_VALUE"])
    }

    @Test("order and ledger numbers and page tokens do not count other distributors' rows")
    func opaqueNumbers() async throws {
        let harness = try await Harness()
        let (_, first) = try await harness.seller(balance: 1_000_000)
        let (_, second) = try await harness.seller(phone: "13900139000", balance: 1_000_000)
        var orders: [Int64] = []
        for _ in 0..<20 {
            orders.append(try await harness.sell(token: first).orderID)
            _ = try await harness.sell(token: second)
        }
        let gaps = zip(orders, orders.dropFirst()).map { $1 - $0 }
        #expect(!gaps.allSatisfy { $0 == 2 }, "order numbers \(orders) count the other seller's orders")
        #expect(Set(orders).count == 20 && orders.allSatisfy { $0 > 0 })

        var filter = Scenic_V1_VoucherFilter()
        filter.pageSize = 5
        var seen: [String] = []
        var pages = 0
        repeat {
            let page: Scenic_V1_ListVouchersResponse = try await harness.call(harness.pos, SalesService.service, "ListVouchers", filter, token: first)
            seen += page.vouchers.map(\.code)
            #expect(page.vouchers.allSatisfy { orders.contains($0.orderID) })
            filter.pageToken = page.nextPageToken
            pages += 1
        } while !filter.pageToken.isEmpty
        #expect(Set(seen).count == 20 && pages == 5)

        for forged in ["0", "-1", "abc", "\(PublicNumbers.largest + 1)"] {
            filter.pageToken = forged
            let error = try await expectFailure(.invalidArgument) {
                let _: Scenic_V1_ListVouchersResponse = try await harness.call(
                    harness.pos, SalesService.service, "ListVouchers", filter, token: first)
            }
            #expect(error.fieldViolations.map(\.reason) == ["INVALID_PAGE_TOKEN"])
        }
    }
}
