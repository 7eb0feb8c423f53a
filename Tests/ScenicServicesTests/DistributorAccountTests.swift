import Foundation
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

@Suite("Distributor accounts")
struct DistributorAccountTests {
    @Test("create: normalized phone, initial password shown once, stored only as a hash, SMS and audit in one go")
    func create() async throws {
        let harness = try await Harness()
        let created = try await harness.create(name: "  West Lake Travel ", phone: "+86 138-0013-8000")
        #expect(created.distributor.name == "West Lake Travel")
        #expect(created.distributor.phone == "13800138000")
        #expect(created.distributor.passwordChangeRequired)
        let password = created.initialPassword
        #expect(password.count >= 10)
        #expect(password.allSatisfy { Secrets.passwordAlphabet.contains($0) })

        let record = try #require(try await harness.store.distributor(id: created.distributor.id))
        #expect(record.passwordHash.hasPrefix("scrypt$10$8$1$"))
        #expect(!record.passwordHash.contains(password))
        let sms = try await harness.store.smsMessages(status: .pending, beforeID: .max, limit: 10)
        #expect(sms.count == 1)
        #expect(sms.first?.phone == "13800138000")
        #expect(sms.first?.body.contains(password) == true)
        #expect(sms.first?.holdsSecret == true)
        let audit = try await harness.store.auditEntries(.init(), beforeID: .max, limit: 10)
        #expect(audit.map(\.method) == ["scenic.v1.DistributorAdmin/Create"])
        #expect(audit.first?.actor == "uid:0")
        #expect(audit.first.map { !$0.summary.contains(password) } == true)
    }

    @Test(
        "bad input is refused naming the field, and writes nothing",
        arguments: [
            ("", "13800138000", "name", "EMPTY"),
            ("   ", "13800138000", "name", "EMPTY"),
            (String(repeating: "长", count: 65), "13800138000", "name", "TOO_LONG"),
            ("Tab\there", "13800138000", "name", "INVALID_CHARACTERS"),
            ("Agency", "", "phone", "INVALID_PHONE"),
            ("Agency", "1380013800", "phone", "INVALID_PHONE"),
            ("Agency", "138001380000", "phone", "INVALID_PHONE"),
            ("Agency", "12800138000", "phone", "INVALID_PHONE"),
            ("Agency", "23800138000", "phone", "INVALID_PHONE"),
            ("Agency", "1380013800a", "phone", "INVALID_PHONE"),
            ("Agency", "+1 138 0013 8000", "phone", "INVALID_PHONE"),
            ("Agency", "１３８００１３８０００", "phone", "INVALID_PHONE"),
        ])
    func badInput(name: String, phone: String, field: String, reason: String) async throws {
        let harness = try await Harness()
        let error = try await expectFailure(.invalidArgument) { _ = try await harness.create(name: name, phone: phone) }
        #expect(error.fieldViolations.map(\.field) == [field])
        #expect(error.fieldViolations.first?.reason == reason)
        #expect(try await harness.rowCount("distributor") == 0)
        #expect(try await harness.rowCount("sms_outbox") == 0)
        #expect(try await harness.rowCount("audit_log") == 0)
    }

    @Test("a phone already used is ALREADY_EXISTS on phone, in any spelling, and writes nothing")
    func duplicatePhone() async throws {
        let harness = try await Harness()
        _ = try await harness.create(phone: "13800138000")
        let error = try await expectFailure(.alreadyExists, reason: "PHONE_TAKEN") {
            _ = try await harness.create(name: "Other", phone: "86 138 0013 8000")
        }
        #expect(error.fieldViolations.map(\.field) == ["phone"])
        #expect(try await harness.rowCount("distributor") == 1)
        #expect(try await harness.rowCount("sms_outbox") == 1)

        // Moving another distributor onto that phone is refused the same way.
        let other = try await harness.create(name: "Other", phone: "13900139000")
        var update = Scenic_V1_UpdateDistributorRequest()
        update.id = other.distributor.id
        update.phone = "13800138000"
        try await expectFailure(.alreadyExists, reason: "PHONE_TAKEN") {
            let _: Scenic_V1_Distributor = try await harness.call(harness.admin, DistributorAdminService.service, "Update", update)
        }
    }

    @Test("first login forces a password change; then the distributor works")
    func forcedPasswordChange() async throws {
        let harness = try await Harness()
        let created = try await harness.create()
        let login = try await harness.login(password: created.initialPassword)
        #expect(login.passwordChangeRequired)
        #expect(login.sessionToken.count >= 22)
        try await expectFailure(.failedPrecondition, reason: "PASSWORD_CHANGE_REQUIRED") {
            _ = try await harness.whoAmI(token: login.sessionToken)
        }
        let short = try await expectFailure(.invalidArgument) {
            try await harness.changePassword(token: login.sessionToken, old: created.initialPassword, new: "short")
        }
        #expect(short.fieldViolations.map(\.field) == ["new_password"])
        try await expectFailure(.invalidArgument) {
            try await harness.changePassword(token: login.sessionToken, old: created.initialPassword, new: created.initialPassword)
        }
        try await expectFailure(.invalidArgument) {
            try await harness.changePassword(token: login.sessionToken, old: "not the password", new: "a new password")
        }
        try await harness.changePassword(token: login.sessionToken, old: created.initialPassword, new: "a new password")
        let me = try await harness.whoAmI(token: login.sessionToken)
        #expect(me.name == "West Lake Travel")
        #expect(me.balanceFen == 0)
        try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") {
            _ = try await harness.login(password: created.initialPassword)
        }
        #expect(try await harness.login(password: "a new password").passwordChangeRequired == false)
    }

    @Test("a wrong phone and a wrong password get the same answer")
    func sameAnswer() async throws {
        let harness = try await Harness()
        _ = try await harness.create()
        let wrongPassword = try await expectFailure(.unauthenticated) { _ = try await harness.login(password: "nope") }
        let wrongPhone = try await expectFailure(.unauthenticated) {
            _ = try await harness.login(phone: "13900139000", password: "nope")
        }
        let malformedPhone = try await expectFailure(.unauthenticated) { _ = try await harness.login(phone: "x", password: "nope") }
        #expect(wrongPassword == wrongPhone)
        #expect(wrongPhone == malformedPhone)
    }

    static let guesser = PeerCredentials(pid: 2, uid: 65534, gid: 65534)
    static let clerk = PeerCredentials(pid: 3, uid: 1000, gid: 1000)

    @Test("five failures in a row make that user wait, doubling; another user logs in meanwhile; a success resets the count")
    func throttledPerPeer() async throws {
        let harness = try await Harness()
        let (id, _, password) = try await harness.activeDistributor()
        let guesser = Self.guesser
        for _ in 0..<4 {
            try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") { _ = try await harness.login(password: "x", peer: guesser) }
        }
        _ = try await harness.login(password: password, peer: guesser)
        for _ in 0..<5 {
            try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") { _ = try await harness.login(password: "x", peer: guesser) }
        }
        // Waiting: even the right password is not tried, and the answer says for how long.
        let wait = try await expectFailure(.resourceExhausted, reason: "LOGIN_THROTTLED") {
            _ = try await harness.login(password: password, peer: guesser)
        }
        #expect(wait.metadata["retry_after_seconds"] == "1")
        // The distributor's own point of sale, another Unix user, is not locked out.
        _ = try await harness.login(password: password, peer: Self.clerk)
        #expect(try await harness.idCall("Get", id).lockedUntil.isEmpty)

        harness.clock.advance(.seconds(1))
        try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") { _ = try await harness.login(password: "y", peer: guesser) }
        let doubled = try await expectFailure(.resourceExhausted, reason: "LOGIN_THROTTLED") {
            _ = try await harness.login(password: password, peer: guesser)
        }
        #expect(doubled.metadata["retry_after_seconds"] == "2")
        harness.clock.advance(.seconds(2))
        _ = try await harness.login(password: password, peer: guesser)
        for _ in 0..<4 {
            try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") { _ = try await harness.login(password: "x", peer: guesser) }
        }
    }

    @Test("a registered phone and an unknown one get the same answers, throttled alike")
    func throttleRevealsNothing() async throws {
        let harness = try await Harness()
        _ = try await harness.activeDistributor()
        func answer(_ phone: String) async -> RPCError? {
            do {
                _ = try await harness.login(phone: phone, password: "x", peer: Self.guesser)
                return nil
            } catch {
                return error as? RPCError
            }
        }
        var answers: [[RPCError?]] = [[], []]
        for _ in 0..<7 {
            answers[0].append(await answer("13800138000"))
            answers[1].append(await answer("13900139000"))
        }
        #expect(answers[0].last??.reason == "LOGIN_THROTTLED")
        #expect(answers[0] == answers[1])
    }

    @Test("one user guessing across many phones waits after 20 failures, for every phone")
    func throttledAcrossPhones() async throws {
        let harness = try await Harness()
        let (_, _, password) = try await harness.activeDistributor()
        for index in 0..<20 {
            try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") {
                _ = try await harness.login(phone: "1390013\(String(format: "%04d", index))", password: "x", peer: Self.guesser)
            }
        }
        try await expectFailure(.resourceExhausted, reason: "LOGIN_THROTTLED") {
            _ = try await harness.login(password: password, peer: Self.guesser)
        }
        _ = try await harness.login(password: password, peer: Self.clerk)
        harness.clock.advance(.seconds(15 * 60))
        _ = try await harness.login(password: password, peer: Self.guesser)
    }

    @Test("a wrong old password through a session counts like a failed login; a password reset forgets the failures")
    func changePasswordThrottled() async throws {
        let harness = try await Harness()
        let (id, token, password) = try await harness.activeDistributor()
        for _ in 0..<5 {
            try await expectFailure(.invalidArgument) { try await harness.changePassword(token: token, old: "wrong", new: "another password") }
        }
        try await expectFailure(.resourceExhausted, reason: "LOGIN_THROTTLED") {
            try await harness.changePassword(token: token, old: password, new: "another password")
        }
        try await expectFailure(.resourceExhausted, reason: "LOGIN_THROTTLED") { _ = try await harness.login(password: password) }
        let reset: Scenic_V1_ResetPasswordResponse = try await harness.call(
            harness.admin, DistributorAdminService.service, "ResetPassword", { var r = Scenic_V1_DistributorIdRequest(); r.id = id; return r }())
        _ = try await harness.login(password: reset.initialPassword)
    }

    @Test("a password longer than 1,024 bytes is refused before it is hashed")
    func longPassword() async throws {
        let harness = try await Harness()
        _ = try await harness.activeDistributor()
        let error = try await expectFailure(.invalidArgument) { _ = try await harness.login(password: String(repeating: "p", count: 1025)) }
        #expect(error.fieldViolations.map(\.reason) == ["TOO_LONG"])
    }

    @Test("disable ends open sessions at once and refuses logins; enable lets it log in again")
    func disable() async throws {
        let harness = try await Harness()
        let (id, token, password) = try await harness.activeDistributor()
        let disabled = try await harness.idCall("Disable", id)
        #expect(disabled.status == .disabled)
        try await expectFailure(.unauthenticated, reason: "SESSION_INVALID") { _ = try await harness.whoAmI(token: token) }
        try await expectFailure(.permissionDenied, reason: "DISTRIBUTOR_DISABLED") { _ = try await harness.login(password: password) }
        _ = try await harness.idCall("Enable", id)
        let again = try await harness.login(password: password)
        #expect(try await harness.whoAmI(token: again.sessionToken).distributorID == id)
    }

    @Test("reset-password: the old password and every session end; the new one is initial and sent by SMS")
    func resetPassword() async throws {
        let harness = try await Harness()
        let (id, token, password) = try await harness.activeDistributor()
        var request = Scenic_V1_DistributorIdRequest()
        request.id = id
        let reset: Scenic_V1_ResetPasswordResponse = try await harness.call(
            harness.admin, DistributorAdminService.service, "ResetPassword", request)
        try await expectFailure(.unauthenticated, reason: "SESSION_INVALID") { _ = try await harness.whoAmI(token: token) }
        try await expectFailure(.unauthenticated, reason: "INVALID_CREDENTIALS") { _ = try await harness.login(password: password) }
        #expect(try await harness.login(password: reset.initialPassword).passwordChangeRequired)
        let sms = try await harness.store.smsMessages(status: nil, beforeID: .max, limit: 10)
        #expect(sms.first?.body.contains(reset.initialPassword) == true)
    }

    @Test("sessions end after the idle timeout and at the absolute expiry; logout ends one")
    func sessionExpiry() async throws {
        let harness = try await Harness()
        let (_, token, password) = try await harness.activeDistributor()
        harness.clock.advance(.seconds(12 * 3600))
        try await expectFailure(.unauthenticated, reason: "SESSION_EXPIRED") { _ = try await harness.whoAmI(token: token) }

        // Used every 11 hours, a session never idles out, but it ends 7 days after login.
        var busy = try await harness.login(password: password).sessionToken
        var steps = 0
        var ending: RPCError?
        while ending == nil, steps < 30 {
            harness.clock.advance(.seconds(11 * 3600))
            steps += 1
            do { _ = try await harness.whoAmI(token: busy) } catch let error as RPCError { ending = error }
        }
        #expect(ending?.reason == "SESSION_EXPIRED")
        #expect(steps == 16)  // 15 × 11 h < 7 days ≤ 16 × 11 h

        busy = try await harness.login(password: password).sessionToken
        let _: Scenic_V1_LogoutResponse = try await harness.call(
            harness.pos, DistributorSessionService.service, "Logout", Scenic_V1_LogoutRequest(), token: busy)
        try await expectFailure(.unauthenticated, reason: "SESSION_INVALID") { _ = try await harness.whoAmI(token: busy) }
    }

    @Test("every distributor method but Login needs a valid session")
    func sessionRequired() async throws {
        let harness = try await Harness()
        let methods = harness.pos.methods.filter { $0.hasPrefix(DistributorSessionService.service) && !$0.hasSuffix("/Login") }
        #expect(methods.count == 3)
        for method in methods {
            let name = String(method.split(separator: "/")[1])
            for token in [nil, "", "forged-token"] as [String?] {
                try await expectFailure(.unauthenticated) {
                    let _: Scenic_V1_LogoutResponse = try await harness.call(
                        harness.pos, DistributorSessionService.service, name, Scenic_V1_LogoutRequest(), token: token)
                }
            }
        }
    }

    @Test("no admin method is routed on the point-of-sale socket")
    func adminMethodsNotOnPOS() async throws {
        let harness = try await Harness()
        let adminOnly = Set(harness.admin.methods).subtracting(harness.pos.methods)
        #expect(adminOnly.contains("scenic.v1.DistributorAdmin/Create"))
        for method in adminOnly {
            let parts = method.split(separator: "/").map(String.init)
            try await expectFailure(.unimplemented) {
                let _: Scenic_V1_Distributor = try await harness.call(
                    harness.pos, parts[0], parts[1], Scenic_V1_CreateDistributorRequest())
            }
        }
        #expect(try await harness.rowCount("distributor") == 0)
    }

    @Test("list pages through every distributor once, filtered by status and search")
    func list() async throws {
        let harness = try await Harness()
        for index in 0..<23 {
            _ = try await harness.create(name: "Agency \(index)", phone: "1390000\(String(format: "%04d", index))")
        }
        _ = try await harness.idCall("Disable", 5)
        var seen: [Int64] = []
        var request = Scenic_V1_ListDistributorsRequest()
        request.pageSize = 5
        repeat {
            let page: Scenic_V1_ListDistributorsResponse = try await harness.call(
                harness.admin, DistributorAdminService.service, "List", request)
            seen += page.distributors.map(\.id)
            request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
        #expect(seen == Array(1...23))

        request = .init()
        request.status = .disabled
        let disabled: Scenic_V1_ListDistributorsResponse = try await harness.call(
            harness.admin, DistributorAdminService.service, "List", request)
        #expect(disabled.distributors.map(\.id) == [5])
        request = .init()
        request.query = "Agency 1"
        let found: Scenic_V1_ListDistributorsResponse = try await harness.call(
            harness.admin, DistributorAdminService.service, "List", request)
        #expect(found.distributors.count == 11)  // Agency 1, 10–19
        request = .init()
        request.pageToken = "garbage"
        try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_ListDistributorsResponse = try await harness.call(
                harness.admin, DistributorAdminService.service, "List", request)
        }
    }

    @Test("the default password hash meets OWASP's scrypt minimum")
    func defaultCost() {
        #expect(PasswordHasher().logN >= 17)
        #expect(PasswordHasher().blockSize == 8)
    }
}
