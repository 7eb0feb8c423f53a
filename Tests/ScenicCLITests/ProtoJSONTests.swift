import Foundation
import ScenicClient
import Testing

@testable import ScenicCLI

@Suite("--json: protobuf's JSON mapping with every field")
struct ProtoJSONTests {
    static func parsed(_ message: any Message) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(ProtoJSON.text(message).utf8)) as? [String: Any])
    }

    @Test("a distributor with nothing set: every field, 64-bit zeros as \"0\", the enum's zero by name")
    func zeros() throws {
        let text = try ProtoJSON.text(Scenic_V1_Distributor())
        #expect(text.contains(#""balanceFen":"0""#))
        let fields = try Self.parsed(Scenic_V1_Distributor())
        #expect(Set(fields.keys) == [
            "id", "name", "phone", "status", "balanceFen", "passwordChangeRequired", "lockedUntil", "createdAt", "updatedAt",
            "lowBalanceThresholdFen", "lowBalance", "heldFen", "creditLimitFen", "creditUsedFen", "availableFen",
        ])
        #expect(fields["status"] as? String == "DISTRIBUTOR_STATUS_UNSPECIFIED")
        #expect(fields["passwordChangeRequired"] as? Bool == false)
        #expect(fields["name"] as? String == "")
        #expect(fields["heldFen"] as? String == "0")
    }

    @Test("values set are written as protobuf writes them, and read back the same")
    func roundTrip() throws {
        var distributor = Scenic_V1_Distributor()
        distributor.id = 7
        distributor.name = "西湖旅行社 / Desk"
        distributor.status = .disabled
        distributor.balanceFen = 9_007_199_254_740_993
        distributor.lowBalance = true
        let fields = try Self.parsed(distributor)
        #expect(fields["balanceFen"] as? String == "9007199254740993")
        #expect(fields["status"] as? String == "DISTRIBUTOR_STATUS_DISABLED")
        #expect(try Scenic_V1_Distributor(jsonString: ProtoJSON.text(distributor)) == distributor)
    }

    @Test("an empty list is [], each element of a list of messages has every field, an unset message stays out")
    func nested() throws {
        #expect(try Self.parsed(Scenic_V1_ListVouchersResponse())["vouchers"] as? [Any] != nil)
        #expect((try Self.parsed(Scenic_V1_ListVouchersResponse())["vouchers"] as? [Any])?.isEmpty == true)

        var page = Scenic_V1_ListVouchersResponse()
        var plain = Scenic_V1_Voucher()
        plain.code = "1234567890123452"
        var named = plain
        named.visitor.name = "张*"
        page.vouchers = [plain, named]
        let vouchers = try #require(try Self.parsed(page)["vouchers"] as? [[String: Any]])
        #expect(vouchers[0]["settlementPriceFen"] as? String == "0")
        #expect(vouchers[0]["status"] as? String == "VOUCHER_STATUS_UNSPECIFIED")
        // A message has presence: unset is not the same as empty, and JSON says which.
        #expect(vouchers[0]["visitor"] == nil)
        let visitor = try #require(vouchers[1]["visitor"] as? [String: Any])
        #expect(visitor["idNumber"] as? String == "")
        #expect(visitor["erased"] as? Bool == false)
        #expect(try Scenic_V1_ListVouchersResponse(jsonString: ProtoJSON.text(page)) == page)
    }

    @Test("a type's fields are found whether it keeps them inline or in shared storage")
    func schema() throws {
        #expect(try FieldSchema.of(Scenic_V1_Distributor.self).fields.count == 15)
        #expect(try FieldSchema.of(Scenic_V1_Voucher.self).fields.map(\.name).last == "refundFeeFen")
        #expect(try FieldSchema.of(Scenic_V1_Voucher.self).fields.count == 20)
    }
}
