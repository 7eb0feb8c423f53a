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

@Suite("JSON text")
struct JSONTextTests {
    @Test("what JSONSerialization reads is written back as it was: booleans stay booleans, 1 stays 1, keys sorted")
    func roundTrip() throws {
        let source = #"""
            {"b":1,"a":true,"c":false,"d":0,"e":"x/y \"q\" \\ \n\t\u0001 西湖","f":null,"g":[1,"2",[],{}],"h":{"z":-12345678901234,"y":1.5}}
            """#
        let parsed = try JSONSerialization.jsonObject(with: Data(source.utf8))
        let text = try JSONText.text(parsed)
        #expect(text == #"""
            {"a":true,"b":1,"c":false,"d":0,"e":"x/y \"q\" \\ \n\t\u0001 西湖","f":null,"g":[1,"2",[],{}],"h":{"y":1.5,"z":-12345678901234}}
            """#)
        let again = try JSONSerialization.jsonObject(with: Data(text.utf8))
        #expect(try JSONText.text(again) == text)
    }

    @Test("Swift's own values, as ProtoJSON fills in defaults: 0, false, [], {}")
    func defaults() throws {
        let object: [String: Any] = ["count": 0, "flag": false, "list": [Any](), "map": [String: Any](), "name": ""]
        #expect(try JSONText.text(object) == #"{"count":0,"flag":false,"list":[],"map":{},"name":""}"#)
    }

    @Test("a value JSON has no form for is refused, not written wrong")
    func unwritable() {
        #expect(throws: JSONText.Unwritable.self) { try JSONText.text(["x": Double.nan]) }
        #expect(throws: JSONText.Unwritable.self) { try JSONText.text(["x": Date()]) }
    }
}
