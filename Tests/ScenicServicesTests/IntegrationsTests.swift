import Foundation
import GRDB
import Logging
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

extension Harness {
    func createKey(
        _ distributorID: Int64, name: String = "OTA backend", scopes: [Scenic_V1_ApiKeyScope] = [], expiresOn: String = ""
    ) async throws -> Scenic_V1_CreateApiKeyResponse {
        var request = Scenic_V1_CreateApiKeyRequest()
        request.distributorID = distributorID
        request.name = name
        request.scopes = scopes
        request.expiresOn = expiresOn
        return try await call(admin, ApiKeyAdminService.service, "Create", request)
    }

    func balanceWith(apiKey: String? = nil, token: String? = nil) async throws -> Scenic_V1_BalanceResponse {
        try await call(pos, SalesService.service, "Balance", Scenic_V1_BalanceRequest(), token: token, apiKey: apiKey)
    }

    func hold(
        token: String? = nil, apiKey: String? = nil, quantity: Int32 = 1, on date: String, minutes: Int32 = 0, requestID: String = ""
    ) async throws -> Scenic_V1_Hold {
        var request = Scenic_V1_HoldRequest()
        request.productCode = "GATE"
        request.quantity = quantity
        request.visitDate = date
        request.expiresInMinutes = minutes
        request.requestID = requestID
        return try await call(pos, SalesService.service, "Hold", request, token: token, apiKey: apiKey)
    }

    func confirm(token: String, _ holdID: Int64, visitors: [Scenic_V1_Visitor] = [], requestID: String = "") async throws
        -> Scenic_V1_SellResponse
    {
        var request = Scenic_V1_ConfirmHoldRequest()
        request.holdID = holdID
        request.visitors = visitors
        request.requestID = requestID
        return try await call(pos, SalesService.service, "ConfirmHold", request, token: token)
    }

    func release(token: String, _ holdID: Int64) async throws -> Scenic_V1_Hold {
        var request = Scenic_V1_ReleaseHoldRequest()
        request.holdID = holdID
        return try await call(pos, SalesService.service, "ReleaseHold", request, token: token)
    }

    func events(_ router: Router, token: String? = nil, after: Int64 = 0, wait: Int32 = 0) async throws -> Scenic_V1_ListEventsResponse {
        var request = Scenic_V1_ListEventsRequest()
        request.after = after
        request.waitSeconds = wait
        return try await call(router, EventsService.service, "List", request, token: token)
    }

    /// held_fen equals what held holds keep aside, and each date's count equals its
    /// vouchers not refunded plus its held seats: for every distributor and date.
    func checkHoldInvariants() async throws {
        for row in try await rows("SELECT id, held_fen FROM distributor") {
            let held: Int64? = try await value(
                "SELECT coalesce(sum(amount_fen), 0) FROM hold WHERE status = 'held' AND distributor_id = \(row["id"] as Int64)")
            #expect(held == row["held_fen"])
        }
        for row in try await rows("SELECT product_id, visit_date, sold FROM calendar_day") {
            let day = "product_id = \(row["product_id"] as Int64) AND visit_date = '\(row["visit_date"] as String)'"
            let tickets: Int? = try await value(
                """
                SELECT (SELECT count(*) FROM voucher WHERE \(day) AND status != 'refunded')
                    + (SELECT coalesce(sum(quantity), 0) FROM hold WHERE \(day) AND status = 'held')
                """)
            #expect(tickets == row["sold"])
        }
    }
}

@Suite("Integrations: API keys, holds, events")
struct IntegrationsTests {
    @Test("an API key: shown once, stored as a hash, limited to its scopes, cut off by revocation and expiry")
    func apiKeys() async throws {
        let harness = try await Harness()
        let (id, _) = try await harness.seller(balance: 50_000)
        let reader = try await harness.createKey(id, name: "reader", scopes: [.read], expiresOn: harness.day(1))
        #expect(reader.secret.hasPrefix(reader.key.prefix + "_"))
        #expect(reader.key.scopes == [.read])
        #expect(try await harness.balanceWith(apiKey: reader.secret).balanceFen == 50_000)
        let whoami: Scenic_V1_WhoAmIResponse = try await harness.call(
            harness.pos, DistributorSessionService.service, "WhoAmI", Scenic_V1_WhoAmIRequest(), apiKey: reader.secret)
        #expect(whoami.credential == "api-key:reader")
        let scope = try await expectFailure(.permissionDenied, reason: "SCOPE_MISSING") {
            _ = try await harness.hold(apiKey: reader.secret, on: harness.day(1))
        }
        #expect(scope.metadata["scope"] == "sell")
        try await expectFailure(.permissionDenied, reason: "SESSION_REQUIRED") {
            let _: Scenic_V1_LogoutResponse = try await harness.call(
                harness.pos, DistributorSessionService.service, "Logout", Scenic_V1_LogoutRequest(), apiKey: reader.secret)
        }
        try await expectFailure(.unauthenticated, reason: "API_KEY_INVALID") { _ = try await harness.balanceWith(apiKey: "sk_nope_nope") }

        // All scopes by default; a key acts as its distributor.
        let full = try await harness.createKey(id)
        #expect(Set(full.key.scopes) == [.sell, .refund, .read])
        _ = try await harness.hold(apiKey: full.secret, on: harness.day(1))

        // The database holds no key.
        if let sqlite = harness.sqlite {
            try await sqlite.pool.writeWithoutTransaction { _ = try Row.fetchOne($0, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        let file = harness.sqlite != nil
            ? FileManager.default.contents(atPath: harness.databasePath) ?? Data()
            : Data(try await harness.rows("SELECT name, prefix, secret_hash FROM api_key").map { "\($0["name"] as String)\($0["prefix"] as String)\(($0["secret_hash"] as Data).base64EncodedString())" }.joined().utf8)
        #expect(file.range(of: Data(full.secret.utf8)) == nil)
        #expect(file.range(of: Data(reader.secret.utf8)) == nil)

        // Revoked: the very next call is refused. Expired: the day after its last.
        var revoke = Scenic_V1_RevokeApiKeyRequest()
        revoke.id = full.key.id
        let revoked: Scenic_V1_ApiKey = try await harness.call(harness.admin, ApiKeyAdminService.service, "Revoke", revoke)
        #expect(!revoked.revokedAt.isEmpty)
        try await expectFailure(.unauthenticated, reason: "API_KEY_REVOKED") { _ = try await harness.balanceWith(apiKey: full.secret) }
        harness.clock.advance(.seconds(86_400))
        _ = try await harness.balanceWith(apiKey: reader.secret)
        harness.clock.advance(.seconds(86_400))
        try await expectFailure(.unauthenticated, reason: "API_KEY_EXPIRED") { _ = try await harness.balanceWith(apiKey: reader.secret) }

        // A disabled distributor's keys stop too.
        let other = try await harness.createKey(id, name: "kiosk")
        _ = try await harness.idCall("Disable", id)
        try await expectFailure(.permissionDenied, reason: "DISTRIBUTOR_DISABLED") { _ = try await harness.balanceWith(apiKey: other.secret) }

        var list = Scenic_V1_ListApiKeysRequest()
        list.distributorID = id
        let keys: Scenic_V1_ListApiKeysResponse = try await harness.call(harness.admin, ApiKeyAdminService.service, "List", list)
        #expect(keys.keys.map(\.name) == ["kiosk", "OTA backend", "reader"])
        #expect(!keys.keys[2].lastUsedAt.isEmpty)
        let audit = try await harness.rows("SELECT summary FROM audit_log WHERE method LIKE 'scenic.v1.ApiKeyAdmin/%' ORDER BY id")
            .map { $0[0] as String }
        #expect(audit.count == 4)
        #expect(audit.allSatisfy { !$0.contains(full.secret) })
    }

    @Test("64 concurrent holds against 50 seats, one distributor's balance covering 20: exactly what fits is held; confirms and releases under load keep every count")
    func concurrentHolds() async throws {
        let harness = try await Harness()
        let poor = try await harness.seller(phone: "13800138001", price: 9_800, balance: 20 * 9_800)
        let rich = try await harness.seller(phone: "13800138002", price: 9_800, balance: 10_000_000)
        let date = harness.day(2)
        try await harness.setCapacity(harness.range(2, 2), capacity: 50)
        let outcomes = try await withThrowingTaskGroup(of: (Int64, String, Int64).self) { group in
            for task in 0..<64 {
                let seller = task % 2 == 0 ? poor : rich
                group.addTask {
                    do {
                        return (seller.id, "held", try await harness.hold(token: seller.token, on: date).id)
                    } catch let error as RPCError {
                        return (seller.id, error.reason ?? "\(error.code)", 0)
                    }
                }
            }
            return try await group.reduce(into: [(Int64, String, Int64)]()) { $0.append($1) }
        }
        let held = outcomes.filter { $0.1 == "held" }
        #expect(held.count == 50)
        #expect(held.filter { $0.0 == poor.id }.count <= 20)
        #expect(Set(outcomes.map(\.1)).isSubset(of: ["held", "SOLD_OUT", "INSUFFICIENT_BALANCE"]))
        #expect(try await harness.balanceWith(token: poor.token).availableFen == 20 * 9_800 - Int64(held.filter { $0.0 == poor.id }.count) * 9_800)
        // A sale finds no seat left; the poor one's held money cannot be spent either.
        try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") { _ = try await harness.sell(token: rich.token, on: date) }
        try await harness.checkHoldInvariants()

        // Confirm the rich one's holds and release the poor one's, all at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (owner, _, holdID) in held {
                group.addTask { () async throws -> Void in
                    if owner == rich.id {
                        let sale = try await harness.confirm(token: rich.token, holdID)
                        #expect(sale.voucherCodes.count == 1)
                    } else {
                        let released = try await harness.release(token: poor.token, holdID)
                        #expect(released.status == .released)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await harness.checkHoldInvariants()
        try await harness.checkLedgerInvariants()
        let richHeld = held.filter { $0.0 == rich.id }.count
        #expect(try await harness.store.money(distributorID: rich.id).balanceFen == 10_000_000 - Int64(richHeld) * 9_800)
        #expect(try await harness.store.money(distributorID: poor.id).balanceFen == 20 * 9_800)
        // The released seats sell again; a released or confirmed hold cannot be used twice.
        let freed = 50 - richHeld
        for _ in 0..<freed { _ = try await harness.sell(token: poor.token, on: date) }
        try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") { _ = try await harness.sell(token: poor.token, on: date) }
        let some = try #require(held.first { $0.0 == rich.id })
        try await expectFailure(.failedPrecondition, reason: "HOLD_CONFIRMED") { _ = try await harness.confirm(token: rich.token, some.2) }
        let poorOne = try #require(held.first { $0.0 == poor.id })
        try await expectFailure(.failedPrecondition, reason: "HOLD_RELEASED") { _ = try await harness.confirm(token: poor.token, poorOne.2) }
        // Another distributor's hold is not found.
        try await expectFailure(.notFound, reason: "HOLD_NOT_FOUND") { _ = try await harness.release(token: poor.token, some.2) }
        try await harness.checkHoldInvariants()
    }

    @Test("a hold confirms at its held price, with visitors where the product needs them, and answers a retry the same")
    func confirmAtHeldPrice() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(price: 9_800, balance: 100_000)
        try await harness.setRealName(.perTicket)
        let hold = try await harness.hold(token: token, quantity: 2, on: harness.day(1))
        #expect(hold.amountFen == 19_600)
        #expect(try await harness.balanceWith(token: token).heldFen == 19_600)
        _ = try await harness.bind(id, [("GATE", 11_000)], method: "SetPrices")
        try await expectViolation("VISITORS_REQUIRED") { _ = try await harness.confirm(token: token, hold.id) }
        let visitors = [harness.visitor("张三", ResidentIDs.zhang), harness.visitor("李四", ResidentIDs.li)]
        let sale = try await harness.confirm(token: token, hold.id, visitors: visitors, requestID: "c-1")
        #expect(sale.amountFen == 19_600)
        #expect(sale.balanceAfterFen == 100_000 - 19_600)
        #expect(try await harness.confirm(token: token, hold.id, visitors: visitors, requestID: "c-1") == sale)
        let money = try await harness.balanceWith(token: token)
        #expect(money.heldFen == 0)
        #expect(money.availableFen == 100_000 - 19_600)
        try await harness.checkLedgerInvariants()
    }

    @Test("an expired hold is released by the daemon on time, and one that expired while it was stopped at its start")
    func holdExpiry() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 100_000)
        try await harness.setCapacity(harness.range(1, 1), capacity: 5)
        let hold = try await harness.hold(token: token, quantity: 3, on: harness.day(1), minutes: 1)
        try await expectViolation("OUT_OF_RANGE") { _ = try await harness.hold(token: token, on: harness.day(1), minutes: 121) }
        // A balance adjustment cannot take what the hold keeps aside.
        var adjust = Scenic_V1_AdjustRequest()
        adjust.distributorID = id
        adjust.amountFen = -(100_000 - 3 * 9_800 + 1)
        adjust.reason = "test"
        try await expectFailure(.failedPrecondition, reason: "BALANCE_WOULD_GO_NEGATIVE") {
            let _: Scenic_V1_BalanceChange = try await harness.call(harness.admin, AccountService.service, "Adjust", adjust)
        }

        // The daemon was stopped past the expiry: a fresh runner releases it at once.
        harness.clock.advance(.seconds(61))
        try await expectFailure(.failedPrecondition, reason: "HOLD_EXPIRED") { _ = try await harness.confirm(token: token, hold.id) }
        let expiry = HoldExpiry(store: harness.store, now: { harness.clock.now })
        let runner = Task { await expiry.run(logger: Logger(label: "test")) }
        defer { runner.cancel() }
        let deadline = ContinuousClock.now + .seconds(5)
        while try await harness.balanceWith(token: token).heldFen != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await harness.balanceWith(token: token).heldFen == 0)
        try await expectFailure(.failedPrecondition, reason: "HOLD_EXPIRED") { _ = try await harness.confirm(token: token, hold.id) }
        for _ in 0..<5 { _ = try await harness.sell(token: token, on: harness.day(1)) }
        try await harness.checkHoldInvariants()

        // A hold made while the runner sleeps wakes it; it expires at its time, not an hour later.
        let short = try await harness.hold(token: token, on: harness.day(2), minutes: 1)
        harness.clock.advance(.seconds(61))
        expiry.holdMade(expiringAt: harness.clock.now.millis - 1000)
        let again = ContinuousClock.now + .seconds(5)
        while try await harness.balanceWith(token: token).heldFen != 0, ContinuousClock.now < again {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await expectFailure(.failedPrecondition, reason: "HOLD_EXPIRED") { _ = try await harness.release(token: token, short.id) }
        let kinds = try await harness.events(harness.pos, token: token).events.map(\.kind)
        #expect(kinds.filter { $0 == .holdExpired }.count == 2)
    }

    @Test("a calendar row or an allotment set while a hold is live counts its seats; a hold outliving its visit date does not confirm")
    func holdsAndLaterCalendar() async throws {
        let harness = try await Harness()
        let (id, token) = try await harness.seller(balance: 1_000_000)
        // Held on a date with nothing set, then the date gets a capacity and an allotment.
        let held = try await harness.hold(token: token, quantity: 3, on: harness.day(2))
        try await harness.setCapacity(harness.range(2, 2), capacity: 5)
        var allot = Scenic_V1_SetAllotmentRequest()
        allot.productCode = "GATE"
        allot.dates = harness.range(2, 2)
        allot.distributorID = id
        allot.allotment = 2
        try await expectFailure(.failedPrecondition, reason: "BELOW_SOLD") { _ = try await harness.calendarCall("SetAllotment", allot) }
        allot.allotment = 4
        _ = try await harness.calendarCall("SetAllotment", allot)
        try await harness.checkHoldInvariants()
        // Two seats left of five, one of the allotment of four.
        _ = try await harness.sell(token: token, on: harness.day(2))
        try await expectFailure(.resourceExhausted, reason: "SOLD_OUT") { _ = try await harness.sell(token: token, on: harness.day(2)) }
        harness.clock.advance(.seconds(31 * 60))
        let expired = try await harness.store.expireHolds(at: harness.clock.now.millis)
        #expect(expired.expired == 1)
        try await harness.checkHoldInvariants()
        _ = try await harness.sell(token: token, on: harness.day(2), quantity: 3)
        try await expectFailure(.failedPrecondition, reason: "HOLD_EXPIRED") { _ = try await harness.confirm(token: token, held.id) }

        // Held at 23:50 for today with two hours to run: at 00:10 it is yesterday's.
        harness.clock.advance(.seconds(7 * 3600 + 19 * 60))
        let late = try await harness.hold(token: token, on: harness.today, minutes: 120)
        harness.clock.advance(.seconds(20 * 60))
        try await expectViolation("IN_THE_PAST") { _ = try await harness.confirm(token: token, late.id) }
    }

    @Test("the feed: every redemption in order, a distributor's own and the broadcast ones only, a long poll woken by the event")
    func eventFeed() async throws {
        let harness = try await Harness()
        let first = try await harness.seller(phone: "13800138001", balance: 100_000)
        let second = try await harness.seller(phone: "13800138002", balance: 100_000)
        let codes = try await harness.sell(token: first.token, quantity: 3).voucherCodes
        let theirs = try await harness.sell(token: second.token).voucherCodes[0]
        for code in codes { _ = try await harness.redeem(code) }
        _ = try await harness.redeem(theirs)
        _ = try await harness.refund(token: first.token, try await harness.sell(token: first.token).voucherCodes)
        var archive = Scenic_V1_ProductCodeRequest()
        _ = try await harness.product("OLD")
        archive.code = "OLD"
        let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Archive", archive)

        let mine = try await harness.events(harness.pos, token: first.token)
        let redeemed = mine.events.filter { $0.kind == .voucherRedeemed }
        #expect(redeemed.map(\.voucherCode) == codes)
        #expect(mine.events.map(\.kind).contains(.voucherRefunded))
        #expect(mine.events.map(\.kind).contains(.productArchived))
        #expect(mine.events.map(\.kind).contains(.bindingAdded))
        #expect(mine.events.map(\.kind).contains(.recharge))
        #expect(!mine.events.contains { $0.voucherCode == theirs })
        #expect(mine.events.map(\.id) == mine.events.map(\.id).sorted())
        let all = try await harness.events(harness.admin)
        #expect(all.events.contains { $0.voucherCode == theirs })
        #expect(all.events.count > mine.events.count)

        // Resuming after the last id gives nothing; a long poll answers as soon as one comes.
        let cursor = mine.lastID
        let started = ContinuousClock.now
        async let waited = harness.events(harness.pos, token: first.token, after: cursor, wait: 10)
        try await Task.sleep(for: .milliseconds(300))
        let late = try await harness.sell(token: first.token).voucherCodes[0]
        _ = try await harness.redeem(late)
        let woken = try await waited
        #expect(woken.events.map(\.voucherCode) == [late])
        #expect(ContinuousClock.now - started < .seconds(5))
        // Another distributor's event does not end this one's wait with an empty answer.
        let quiet = ContinuousClock.now
        async let waiting = harness.events(harness.pos, token: first.token, after: woken.lastID, wait: 1)
        try await Task.sleep(for: .milliseconds(200))
        _ = try await harness.redeem(try await harness.sell(token: second.token).voucherCodes[0])
        let none = try await waiting
        #expect(none.events.isEmpty)
        #expect(none.lastID == woken.lastID)
        #expect(ContinuousClock.now - quiet >= .milliseconds(900))
    }

    @Test("ten idle long polls wait without answering early and end at their wait")
    func idleLongPolls() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 0)
        let last = try await harness.events(harness.pos, token: token).lastID
        let started = ContinuousClock.now
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await harness.events(harness.pos, token: token, after: last, wait: 2).events.count } }
            return try await group.reduce(0, +)
        }
        #expect(counts == 0)
        let elapsed = ContinuousClock.now - started
        // Not early; and ended by the wait, not hanging on (a loaded machine may take its time).
        #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(30))
    }

    @Test("a voucher whose last day passed unused is told once; old events are dropped after their days")
    func expiryEventsAndRetention() async throws {
        let harness = try await Harness()
        let (_, token) = try await harness.seller(balance: 100_000)
        let code = try await harness.sell(token: token).voucherCodes[0]
        let clock = harness.clock
        let feed = EventFeed(store: harness.store, days: 30, calendar: harness.services.accountPolicy.calendar, now: { clock.now })
        try await feed.sweep()
        #expect(try await harness.events(harness.pos, token: token).events.allSatisfy { $0.kind != .voucherExpired })
        harness.clock.advance(.seconds(86_400))
        try await feed.sweep()
        try await feed.sweep()
        // A day on, the session has ended: the back office's feed shows it.
        let expired = try await harness.events(harness.admin).events.filter { $0.kind == .voucherExpired }
        #expect(expired.map(\.voucherCode) == [code])
        harness.clock.advance(.seconds(31 * 86_400))
        try await feed.sweep()
        let kept = try await harness.events(harness.admin)
        #expect(kept.events.isEmpty)
        // None kept: the next id to come, so that a cursor behind it knows it missed some.
        #expect(kept.oldestKeptID == expired[0].id + 1)
    }
}
