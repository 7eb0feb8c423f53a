import Foundation
import Logging
import ScenicProto
import ScenicTestSupport
import SwiftProtobuf
import Testing

@testable import ScenicRPC

@Suite("Request bounds")
struct RequestBoundsTests {
    private func violation(_ message: some SwiftProtobuf.Message) -> RPCError.FieldViolation? {
        do {
            try RequestBounds.standard.check(message)
            return nil
        } catch let error as RPCError {
            #expect(error.code == .invalidArgument)
            #expect(error.fieldViolations.count == 1)
            return error.fieldViolations.first
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test("requests within the bounds pass")
    func withinBounds() throws {
        var refund = Scenic_V1_RefundRequest()
        refund.voucherCodes = Array(repeating: "1234567890123456", count: 19_999) + [String(repeating: "1", count: 4096)]
        #expect(violation(refund) == nil)
        var filter = Scenic_V1_VoucherFilter()
        filter.status = .expired
        #expect(violation(filter) == nil)
    }

    @Test("a string one byte too long is refused by its field, counted in UTF-8 bytes")
    func longString() {
        var login = Scenic_V1_LoginRequest()
        login.password = String(repeating: "密", count: 1366)  // 4,098 bytes, 1,366 characters
        #expect(violation(login) == .init(field: "password", description: "must be at most 4096 bytes", reason: "TOO_LONG"))
    }

    @Test("too many elements are one violation on the repeated field, whatever the elements hold")
    func tooMany() {
        var refund = Scenic_V1_RefundRequest()
        refund.voucherCodes = Array(repeating: "", count: 20_001)
        #expect(
            violation(refund)
                == .init(field: "voucher_codes", description: "must hold at most 20000 elements", reason: "TOO_MANY"))
    }

    @Test("a field in a nested message is named by its path")
    func nestedPath() {
        var bind = Scenic_V1_BindProductsRequest()
        bind.items = (0..<3).map { index in
            var item = Scenic_V1_BindingItem()
            item.productCode = index == 2 ? String(repeating: "X", count: 5000) : "GATE"
            return item
        }
        #expect(violation(bind)?.field == "items[2].product_code")
        var element = Scenic_V1_RefundRequest()
        element.voucherCodes = ["1", String(repeating: "1", count: 4097)]
        #expect(violation(element)?.field == "voucher_codes[1]")
    }

    @Test("an enum value the daemon does not know is refused, not ignored")
    func unknownEnum() throws {
        var filter = Scenic_V1_VoucherFilter()
        filter.status = .UNRECOGNIZED(99)
        // As it arrives from a client: decoded from the wire.
        let decoded = try Scenic_V1_VoucherFilter(serializedBytes: try filter.serializedBytes() as [UInt8])
        #expect(violation(decoded) == .init(field: "status", description: "has no value 99", reason: "UNKNOWN_ENUM_VALUE"))
    }

    @Test("field names come from the .proto, for every kind of field")
    func fieldNames() {
        #expect(FieldName.of(2, in: Scenic_V1_RefundRequest.self) == "voucher_codes")
        #expect(FieldName.of(2, in: Scenic_V1_BindProductsRequest.self) == "items")
        #expect(FieldName.of(3, in: Scenic_V1_VoucherFilter.self) == "status")
        #expect(FieldName.of(6, in: Scenic_V1_VoucherFilter.self) == "by_visit_date")
        #expect(FieldName.of(40, in: Scenic_V1_VoucherFilter.self) == "field 40")
    }

    @Test("an error keeps its first 20 violations and says how many there were")
    func violationCap() {
        let violations = (0..<1000).map { RPCError.FieldViolation(field: "codes[\($0)]", description: "bad") }
        let error = RPCError.invalidArgument(violations: violations)
        #expect(error.fieldViolations == Array(violations.prefix(RPCError.maxFieldViolations)))
        #expect(error.metadata["field_violations"] == "1000")
        #expect(error.message == "codes[0] bad; codes[1] bad; codes[2] bad; and 997 more")
        let back = RPCError(status: error.status)
        #expect(back.fieldViolations.count == RPCError.maxFieldViolations)
        #expect(back.metadata["field_violations"] == "1000")
    }

    @Test("the router refuses a request out of bounds before its handler runs, and too much metadata")
    func routerRefuses() async throws {
        var router = Router()
        router.register(service: "test.v1.Refunds", method: "Refund") {
            (request: Scenic_V1_RefundRequest, _: CallContext) -> Scenic_V1_RefundResponse in
            Issue.record("the handler ran for \(request.voucherCodes.count) codes")
            return .init()
        }
        var envelope = try emptyCodesRefund(count: 1_000_000, service: "test.v1.Refunds")
        #expect(envelope.payload.count < FrameDecoder.defaultMaxPayloadSize)
        let started = ContinuousClock.now
        let answer = await router.respond(to: try envelope.serializedBytes(), peer: nil, logger: Logger(label: "test"))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(RPCError(status: answer.status).fieldViolations.map(\.reason) == ["TOO_MANY"])
        let size: [UInt8] = try answer.serializedBytes()
        #expect(size.count < 1024)

        envelope.payload = Data()
        envelope.metadata = (0...Router.maxMetadataEntries).map { index in
            var entry = Ttrpc_KeyValue()
            entry.key = "k\(index)"
            return entry
        }
        let crowded = await router.respond(to: try envelope.serializedBytes(), peer: nil, logger: Logger(label: "test"))
        #expect(RPCError(status: crowded.status).reason == "METADATA_TOO_LARGE")
    }
}
