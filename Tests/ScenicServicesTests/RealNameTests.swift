import Foundation
import GRDB
import ScenicProto
import ScenicRPC
import ScenicTestSupport
import Testing

@testable import ScenicServices
@testable import ScenicStore

/// Resident ID numbers with correct check characters (GB 11643).
enum ResidentIDs {
    static let zhang = "11010519491231002X"
    static let li = "44030419900307123X"
    static let wang = "650102198506150037"
    static let zhao = "330106199201017652"
}

extension Harness {
    func setRealName(_ mode: Scenic_V1_RealNameMode, limit: Int32 = 0, per period: Scenic_V1_IdLimitPeriod = .day, code: String = "GATE")
        async throws
    {
        var request = Scenic_V1_SetRealNameRequest()
        request.code = code
        request.rules.mode = mode
        request.rules.idLimit = limit
        request.rules.idLimitPeriod = period
        let _: Scenic_V1_Product = try await call(admin, ProductAdminService.service, "SetRealName", request)
    }

    func visitor(_ name: String, _ number: String, _ type: Scenic_V1_IdType = .unspecified) -> Scenic_V1_Visitor {
        var visitor = Scenic_V1_Visitor()
        visitor.name = name
        visitor.idNumber = number
        visitor.idType = type
        return visitor
    }

    func sell(
        token: String, visitors: [Scenic_V1_Visitor], quantity: Int32? = nil, on date: String? = nil, code: String = "GATE",
        requestID: String = ""
    ) async throws -> Scenic_V1_SellResponse {
        var request = Scenic_V1_SellRequest()
        request.productCode = code
        request.quantity = quantity ?? Int32(visitors.count)
        request.visitDate = date ?? today
        request.visitors = visitors
        request.requestID = requestID
        return try await call(pos, SalesService.service, "Sell", request, token: token)
    }

    func checkIn(code: String = "", idNumber: String = "", type: Scenic_V1_IdType = .unspecified) async throws -> Scenic_V1_Voucher {
        var request = Scenic_V1_CheckInRequest()
        request.code = code
        request.idNumber = idNumber
        request.idType = type
        return try await call(admin, VoucherAdminService.service, "CheckIn", request)
    }

    func reveal(_ code: String, reason: String = "visitor lost the ticket") async throws -> Scenic_V1_Visitor {
        var request = Scenic_V1_RevealVisitorRequest()
        request.code = code
        request.reason = reason
        return try await call(admin, VoucherAdminService.service, "RevealVisitor", request)
    }

    func voucher(_ code: String) async throws -> Scenic_V1_Voucher {
        var filter = Scenic_V1_VoucherFilter()
        filter.code = code
        let page: Scenic_V1_ListVouchersResponse = try await call(admin, VoucherAdminService.service, "List", filter)
        return try #require(page.vouchers.first)
    }
}

@Suite("Real-name tickets")
struct RealNameTests {
    @Test("a per-ticket product sells one visitor a ticket; lists show them masked; a plain product takes none")
    func perTicketSale() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 100_000)
        let plain = try await expectViolation("VISITORS_NOT_TAKEN") {
            _ = try await harness.sell(token: token, visitors: [harness.visitor("张三", ResidentIDs.zhang)])
        }
        #expect(plain.fieldViolations.first?.field == "visitors")
        try await harness.setRealName(.perTicket)
        let short = try await expectViolation("VISITORS_REQUIRED") {
            _ = try await harness.sell(token: token, visitors: [harness.visitor("张三", ResidentIDs.zhang)], quantity: 2)
        }
        #expect(short.fieldViolations.first?.field == "visitors")
        let sale = try await harness.sell(
            token: token, visitors: [harness.visitor("张三", ResidentIDs.zhang), harness.visitor("李四光", ResidentIDs.li)])
        let first = try await harness.voucher(sale.voucherCodes[0])
        #expect(first.visitor.name == "张*")
        #expect(first.visitor.idNumber == "110***********002X")
        #expect(first.visitor.idType == .residentID)
        #expect(!first.visitor.erased)
        #expect(try await harness.voucher(sale.voucherCodes[1]).visitor.name == "李**")
        #expect(try await harness.store.money(distributorID: 1).balanceFen == 100_000 - 2 * 9_800)
    }

    @Test("each bad visitor is refused by its field, all or nothing")
    func badVisitors() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 100_000)
        try await harness.setRealName(.perTicket)
        let error = try await expectFailure(.invalidArgument) {
            _ = try await harness.sell(
                token: token,
                visitors: [
                    harness.visitor("张三", ResidentIDs.zhang),
                    harness.visitor("李四", "440304199003071231"),
                    harness.visitor("", ResidentIDs.wang),
                    harness.visitor("Jane Roe", "E1234567", .passport),
                    harness.visitor("王五", ResidentIDs.zhang),
                ])
        }
        let violations = Dictionary(error.fieldViolations.map { ($0.field, $0.reason) }, uniquingKeysWith: { first, _ in first })
        #expect(violations == [
            "visitors[1].id_number": "INVALID_ID_NUMBER", "visitors[2].name": "EMPTY", "visitors[4].id_number": "DUPLICATE_VISITOR",
        ])
        #expect(try await harness.rowCount("voucher") == 0)
        #expect(try await harness.rowCount("visitor") == 0)
        #expect(try await harness.store.money(distributorID: id).balanceFen == 100_000)
    }

    @Test("32 concurrent sales through 4 distributors for one ID with a limit of 2: exactly 2 succeed; a refund gives one back")
    func perIDLimitUnderConcurrency() async throws {
        let harness = try await Harness()
        var sellers: [(id: Int64, token: String)] = []
        for index in 0..<4 {
            sellers.append(try await harness.seller(phone: "1380013800\(index)", balance: 1_000_000))
        }
        try await harness.setRealName(.perTicket, limit: 2)
        let date = harness.day(2)
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for task in 0..<32 {
                let seller = sellers[task % 4]
                group.addTask {
                    do {
                        _ = try await harness.sell(token: seller.token, visitors: [harness.visitor("张三", ResidentIDs.zhang)], on: date)
                        return "sold"
                    } catch let error as RPCError {
                        #expect(error.code == .resourceExhausted)
                        #expect(error.fieldViolations.first?.field == "visitors[0].id_number")
                        return error.reason ?? "\(error.code)"
                    }
                }
            }
            return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        #expect(outcomes == ["sold": 2, "ID_LIMIT_EXCEEDED": 30])
        // Another ID, and another date, are not limited by it.
        _ = try await harness.sell(token: sellers[0].token, visitors: [harness.visitor("李四", ResidentIDs.li)], on: date)
        _ = try await harness.sell(token: sellers[0].token, visitors: [harness.visitor("张三", ResidentIDs.zhang)], on: harness.day(3))

        let soldBy = try await harness.rows(
            """
            SELECT voucher.code, voucher.distributor_id FROM voucher JOIN visitor ON visitor.id = voucher.visitor_id
            WHERE visitor.masked_id = '110***********002X' AND voucher.visit_date = '\(date)' LIMIT 1
            """
        ).first
        let row = try #require(soldBy)
        let owner = try #require(sellers.first { $0.id == row["distributor_id"] })
        _ = try await harness.refund(token: owner.token, [row["code"]])
        _ = try await harness.sell(token: sellers[3].token, visitors: [harness.visitor("张三", ResidentIDs.zhang)], on: date)
        try await expectFailure(.resourceExhausted, reason: "ID_LIMIT_EXCEEDED") {
            _ = try await harness.sell(token: sellers[3].token, visitors: [harness.visitor("张三", ResidentIDs.zhang)], on: date)
        }
        try await harness.checkLedgerInvariants()
    }

    @Test("the limit counts a document's number whatever kind it is named as")
    func limitAcrossKinds() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 100_000)
        try await harness.setRealName(.perTicket, limit: 1)
        _ = try await harness.sell(token: token, visitors: [harness.visitor("陈大文", "H12345678", .hkMacaoPermit)])
        try await expectFailure(.resourceExhausted, reason: "ID_LIMIT_EXCEEDED") {
            _ = try await harness.sell(token: token, visitors: [harness.visitor("陈大文", "H12345678", .passport)])
        }
    }

    @Test("one visitor per order holds all of its tickets; a weekly limit counts the week around the visit date")
    func perOrderWeeklyLimit() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        try await harness.setRealName(.perOrder, limit: 3, per: .week)
        // The harness's today is Friday 2027-01-15: days 3 and 4 are Monday and Tuesday of the next week.
        let zhang = harness.visitor("张三", ResidentIDs.zhang)
        let sale = try await harness.sell(token: token, visitors: [zhang], quantity: 2, on: harness.day(3))
        #expect(sale.voucherCodes.count == 2)
        #expect(try await harness.rowCount("visitor") == 1)
        let refused = try await expectFailure(.resourceExhausted, reason: "ID_LIMIT_EXCEEDED") {
            _ = try await harness.sell(token: token, visitors: [zhang], quantity: 2, on: harness.day(4))
        }
        #expect(refused.metadata["held"] == "2")
        #expect(refused.metadata["limit"] == "3")
        _ = try await harness.sell(token: token, visitors: [zhang], quantity: 1, on: harness.day(4))
        _ = try await harness.sell(token: token, visitors: [zhang], quantity: 3, on: harness.day(10))
        try await expectViolation("VISITORS_REQUIRED") {
            _ = try await harness.sell(token: token, visitors: [], quantity: 1, on: harness.day(10))
        }
    }

    @Test("limit periods: the visit date, Monday to Sunday, the calendar month")
    func limitPeriods() {
        let week = RealNameRules(mode: .perTicket, idLimit: 1, idLimitPeriod: .week)
        #expect(week.period(around: "2027-01-15") == ("2027-01-11", "2027-01-17"))
        #expect(week.period(around: "2027-01-17") == ("2027-01-11", "2027-01-17"))
        #expect(week.period(around: "2027-01-18") == ("2027-01-18", "2027-01-24"))
        #expect(week.period(around: "2026-12-31") == ("2026-12-28", "2027-01-03"))
        let month = RealNameRules(mode: .perTicket, idLimit: 1, idLimitPeriod: .month)
        #expect(month.period(around: "2028-02-10") == ("2028-02-01", "2028-02-29"))
        #expect(month.period(around: "2027-02-28") == ("2027-02-01", "2027-02-28"))
        #expect(month.period(around: "2027-12-31") == ("2027-12-01", "2027-12-31"))
        #expect(RealNameRules(mode: .perTicket, idLimit: 1).period(around: "2027-03-01") == ("2027-03-01", "2027-03-01"))
    }

    @Test("rules: a limit needs a mode, and stays within bounds; a new product may carry them")
    func ruleInput() async throws {
        let harness = try await Harness()
        _ = try await harness.seller(balance: 0)
        try await expectViolation("LIMIT_WITHOUT_REAL_NAMES") { try await harness.setRealName(.none, limit: 2) }
        try await expectViolation("OUT_OF_RANGE") { try await harness.setRealName(.perTicket, limit: 1001) }
        var create = Scenic_V1_CreateProductRequest()
        create.code = "BOAT"
        create.name = "Boat"
        create.retailPriceFen = 5_000
        create.realName.mode = .perOrder
        create.realName.idLimit = 4
        create.realName.idLimitPeriod = .month
        let product: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Create", create)
        #expect(product.realName == create.realName)
        let audit = try await harness.rows("SELECT summary FROM audit_log ORDER BY id").map { $0[0] as String }
        try await harness.setRealName(.perTicket, limit: 2, code: "BOAT")
        let after = try await harness.rows("SELECT summary FROM audit_log ORDER BY id").map { $0[0] as String }
        #expect(after.count == audit.count + 1)
        #expect(after.last == "real names: one visitor per ticket, at most 2 per ID a day")
    }

    @Test("the database holds no name or ID number in the clear; the back office reveals one, audited")
    func sealedAtRest() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 100_000)
        try await harness.setRealName(.perTicket)
        let sale = try await harness.sell(token: token, visitors: [harness.visitor("Zhang Sanfeng", ResidentIDs.zhao)], requestID: "s-1")
        // A retry answers the first sale again.
        #expect(try await harness.sell(token: token, visitors: [harness.visitor("Zhang Sanfeng", ResidentIDs.zhao)], requestID: "s-1") == sale)
        if let sqlite = harness.sqlite {
            try await sqlite.pool.writeWithoutTransaction { _ = try Row.fetchOne($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            for path in [harness.databasePath, harness.databasePath + "-wal"] {
                let bytes = FileManager.default.contents(atPath: path) ?? Data()
                #expect(bytes.range(of: Data(ResidentIDs.zhao.utf8)) == nil, "\(path)")
                #expect(bytes.range(of: Data("Sanfeng".utf8)) == nil, "\(path)")
            }
        }
        for row in try await harness.rows("SELECT masked_name, masked_id, sealed FROM visitor") {
            let stored = Data((row["masked_name"] as String).utf8) + Data((row["masked_id"] as String).utf8) + (row["sealed"] as Data)
            #expect(stored.range(of: Data(ResidentIDs.zhao.utf8)) == nil)
            #expect(stored.range(of: Data("Sanfeng".utf8)) == nil)
        }
        try await expectViolation("EMPTY") { _ = try await harness.reveal(sale.voucherCodes[0], reason: " ") }
        let revealed = try await harness.reveal(sale.voucherCodes[0], reason: "police request 2027-17")
        #expect(revealed.name == "Zhang Sanfeng")
        #expect(revealed.idNumber == ResidentIDs.zhao)
        #expect(revealed.idType == .residentID)
        let audit = try await harness.rows("SELECT target, summary FROM audit_log WHERE method LIKE '%RevealVisitor'").first
        #expect(audit?["target"] == "voucher:\(sale.voucherCodes[0])")
        #expect(audit?["summary"] == "revealed the visitor's ID: police request 2027-17")
    }

    @Test("the gate checks in by ID the one ticket valid now, asks which of several, and says why it refuses")
    func checkInByID() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        try await harness.setRealName(.perTicket)
        let zhang = harness.visitor("张三", ResidentIDs.zhang)
        try await expectFailure(.notFound, reason: "NO_TICKET_FOR_ID") { _ = try await harness.checkIn(idNumber: ResidentIDs.zhang) }
        let future = try await harness.sell(token: token, visitors: [zhang], on: harness.day(2)).voucherCodes[0]
        let notYet = try await expectFailure(.failedPrecondition, reason: "NOT_YET_VALID") {
            _ = try await harness.checkIn(idNumber: ResidentIDs.zhang)
        }
        #expect(notYet.metadata["code"] == future)
        let todays = try await harness.sell(token: token, visitors: [zhang]).voucherCodes[0]
        let admitted = try await harness.checkIn(idNumber: "110105 19491231002x")
        #expect(admitted.code == todays)
        #expect(admitted.status == .redeemed)
        try await expectFailure(.failedPrecondition, reason: "ALREADY_REDEEMED") { _ = try await harness.checkIn(idNumber: ResidentIDs.zhang) }

        // Two tickets valid today: the gate must be told which.
        let more = try await harness.sell(token: token, visitors: [zhang]).voucherCodes[0]
        let other = try await harness.sell(token: token, visitors: [zhang]).voucherCodes[0]
        let several = try await expectFailure(.failedPrecondition, reason: "SEVERAL_TICKETS") {
            _ = try await harness.checkIn(idNumber: ResidentIDs.zhang)
        }
        #expect(Set(several.metadata["voucher_codes"]?.split(separator: ",").map(String.init) ?? []) == [more, other])
        try await expectFailure(.failedPrecondition, reason: "VISITOR_MISMATCH") {
            _ = try await harness.checkIn(code: more, idNumber: ResidentIDs.li)
        }
        #expect(try await harness.checkIn(code: more, idNumber: ResidentIDs.zhang).status == .redeemed)
        #expect(try await harness.checkIn(idNumber: ResidentIDs.zhang).code == other)
        try await expectViolation("INVALID_ID_NUMBER") { _ = try await harness.checkIn(idNumber: "11010519491231002") }
        try await expectViolation("EMPTY") { _ = try await harness.checkIn() }
        // A plain voucher checks in by code as Redeem does.
        try await harness.setRealName(.none)
        let plain = try await harness.sell(token: token).voucherCodes[0]
        #expect(try await harness.checkIn(code: plain).status == .redeemed)
        try await expectFailure(.failedPrecondition, reason: "NOT_REAL_NAME") { _ = try await harness.reveal(plain) }
    }

    @Test("a time-slot ticket checked in by ID admits within its slot only")
    func checkInBySlot() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 1_000_000)
        try await harness.setRealName(.perTicket)
        // The harness's clock stands at 16:00 in Shanghai.
        try await harness.setCapacity(harness.range(0, 0), capacity: nil, slots: [("17:00-18:00", 10)])
        var rules = Scenic_V1_BookingRules()
        rules.productCode = "GATE"
        rules.slotAdmission = true
        let _: Scenic_V1_BookingRules = try await harness.call(harness.admin, CalendarAdminService.service, "SetBookingRules", rules)
        var request = Scenic_V1_SellRequest()
        request.productCode = "GATE"
        request.quantity = 1
        request.visitDate = harness.today
        request.slot = "17:00-18:00"
        request.visitors = [harness.visitor("张三", ResidentIDs.zhang)]
        let _: Scenic_V1_SellResponse = try await harness.call(harness.pos, SalesService.service, "Sell", request, token: token)
        let early = try await expectFailure(.failedPrecondition, reason: "NOT_IN_SLOT") { _ = try await harness.checkIn(idNumber: ResidentIDs.zhang) }
        #expect(early.metadata["slot"] == "17:00-18:00")
        harness.clock.advance(.seconds(3600))
        #expect(try await harness.checkIn(idNumber: ResidentIDs.zhang).slot == "17:00-18:00")
    }

    @Test("personal data is erased after its retention, the ID hash a little later; the masked forms stay")
    func retention() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 100_000)
        try await harness.setRealName(.perTicket)
        let code = try await harness.sell(token: token, visitors: [harness.visitor("张三", ResidentIDs.zhang)]).voucherCodes[0]
        let sealed = try #require(try await harness.value("SELECT sealed FROM visitor", as: Data.self))
        let clock = harness.clock
        let retention = PersonalDataRetention(
            store: harness.store, days: 30, calendar: harness.services.accountPolicy.calendar, now: { clock.now })
        harness.clock.advance(.seconds(30 * 86_400))
        #expect(try await retention.sweep() == 0)
        harness.clock.advance(.seconds(86_400))
        #expect(try await retention.sweep() == 1)
        try await expectFailure(.failedPrecondition, reason: "PERSONAL_DATA_ERASED") { _ = try await harness.reveal(code) }
        let voucher = try await harness.voucher(code)
        #expect(voucher.visitor.erased)
        #expect(voucher.visitor.idNumber == "110***********002X")
        #expect(try await harness.value("SELECT id_hash IS NOT NULL FROM visitor", as: Bool.self) == true)
        harness.clock.advance(.seconds(86_400))
        #expect(try await retention.sweep() == 1)
        #expect(try await harness.value("SELECT id_hash IS NULL FROM visitor", as: Bool.self) == true)
        #expect(try await harness.value("SELECT sealed IS NULL FROM visitor", as: Bool.self) == true)
        if harness.sqlite != nil {
            let file = FileManager.default.contents(atPath: harness.databasePath) ?? Data()
            #expect(file.range(of: sealed) == nil)
        }
    }

    @Test("another key is refused while data sealed under the first remains")
    func keyCheck() async throws {
        let harness = try await Harness()
        let first = PersonalDataVault.ephemeral()
        try await harness.store.adoptPersonalDataKey(check: first.keyCheck)
        // Nothing sealed yet: a new key may replace it.
        try await harness.store.adoptPersonalDataKey(check: harness.services.personalData.keyCheck)
        let (_, token) = try await harness.seller(balance: 100_000)
        try await harness.setRealName(.perTicket)
        _ = try await harness.sell(token: token, visitors: [harness.visitor("张三", ResidentIDs.zhang)])
        await #expect(throws: RealNameError.keyMismatch) { try await harness.store.adoptPersonalDataKey(check: first.keyCheck) }
        try await harness.store.adoptPersonalDataKey(check: harness.services.personalData.keyCheck)
    }

    @Test("the key file is made owner-only, read back, and refused when others may read it")
    func keyFile() throws {
        let dir = TestScratch.folder("scenic-key-")
        let path = dir + "/personal-data.key"
        #expect(throws: PersonalDataVault.KeyFileProblem.missing(path: path)) { try PersonalDataVault.load(path: path, create: false) }
        let made = try PersonalDataVault.load(path: path, create: true)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try PersonalDataVault.load(path: path, create: false).keyCheck == made.keyCheck)
        chmod(path, 0o644)
        #expect(throws: PersonalDataVault.KeyFileProblem.readableByOthers(path: path, mode: 0o644)) {
            try PersonalDataVault.load(path: path, create: false)
        }
        chmod(path, 0o600)
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PersonalDataVault.KeyFileProblem.malformed(path: path)) { try PersonalDataVault.load(path: path, create: false) }
    }
}
