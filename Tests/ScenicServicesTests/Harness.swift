import Foundation
import GRDB
import Logging
import PostgresNIO
import ScenicTestSupport
import ScenicProto
import ScenicRPC
@testable import ScenicStore
import Synchronization
import SwiftProtobuf

@testable import ScenicPostgres
@testable import ScenicServices

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ duration: Duration) {
        current.withLock { $0 += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    }
}

/// The store the service tests run on: SQLite, or PostgreSQL (a database of the test
/// cluster's of each harness's own) when SCENIC_TEST_BACKEND is `postgresql`, as
/// `make test` runs them a second time.
enum TestBackend: String {
    case sqlite, postgresql

    static let current = ProcessInfo.processInfo.environment["SCENIC_TEST_BACKEND"].flatMap(TestBackend.init(rawValue:)) ?? .sqlite

    /// For tests of what only the SQLite store has: its file, its pragmas, its own reads.
    static let isSQLite = current == .sqlite
}

/// The services on a fresh store, called through their routers exactly as the sockets
/// call them, but with no socket.
struct Harness {
    static let root = PeerCredentials(pid: 1, uid: 0, gid: 0)

    let store: any Store
    /// The store, when it is SQLite's, for the checks of its file.
    let sqlite: SQLiteStore?
    let services: DaemonServices
    let clock = TestClock()
    let admin: Router
    let pos: Router
    private let closer: StoreCloser

    init() async throws {
        switch TestBackend.current {
        case .sqlite:
            let dir = TestScratch.folder("scenic-svc-")
            let sqlite = try SQLiteStore.open(at: dir + "/" + SQLiteStore.fileName)
            self.sqlite = sqlite
            store = sqlite
        case .postgresql:
            let database = try await PostgresTestDatabase.make()
            sqlite = nil
            store = try await PostgresStore.open(database.url, maximumConnections: 4, logger: PostgresTestDatabase.logger)
        }
        closer = StoreCloser(store: store)
        var policy = AccountPolicy()
        let clock = clock
        policy.now = { clock.now }
        services = DaemonServices(
            store: store, status: DaemonStatus(), adminAccess: AdminAccessPolicy(daemonUID: 500), personalData: .ephemeral(),
            accountPolicy: policy, hasher: PasswordHasher(logN: 10))
        admin = services.router(for: .admin)
        pos = services.router(for: .pointOfSale)
    }

    /// The SQLite file's path (only for tests enabled on SQLite alone).
    var databasePath: String { sqlite?.databasePath ?? "" }

    /// Every row of `sql` (in the dialect both stores share), as GRDB rows.
    func rows(_ sql: String) async throws -> [Row] {
        if let sqlite { return try await sqlite.pool.read { try Row.fetchAll($0, sql: sql) } }
        guard let postgres = store as? PostgresStore else { return [] }
        // Rows are made and read in this task alone.
        struct Rows: @unchecked Sendable { let rows: [Row] }
        return try await postgres.read { Rows(rows: try await $0.rows(PostgresQuery(unsafeSQL: sql))) }.rows
    }

    /// Runs `sql` (in the dialect both stores share) in a transaction of its own.
    func execute(_ sql: String) async throws {
        if let sqlite {
            try await sqlite.pool.write { try $0.execute(sql: sql) }
        } else if let postgres = store as? PostgresStore {
            try await postgres.write { try await $0.run(PostgresQuery(unsafeSQL: sql)) }
        }
    }

    /// The first column of the first row of `sql`.
    func value<Value: DatabaseValueConvertible>(_ sql: String, as type: Value.Type = Value.self) async throws -> Value? {
        try await rows(sql).first.flatMap { $0[0] }
    }

    /// Calls `service/method`; a non-OK status is thrown as its RPCError.
    func call<Response: SwiftProtobuf.Message>(
        _ router: Router, _ service: String, _ method: String, _ request: some SwiftProtobuf.Message,
        token: String? = nil, apiKey: String? = nil, peer: PeerCredentials = Harness.root, as: Response.Type = Response.self
    ) async throws -> Response {
        var envelope = Ttrpc_Request()
        envelope.service = service
        envelope.method = method
        envelope.payload = try request.serializedData()
        for (key, value) in [(SessionAuthenticator.metadataKey, token), (ApiKeyCredentials.metadataKey, apiKey)] {
            guard let value else { continue }
            var entry = Ttrpc_KeyValue()
            entry.key = key
            entry.value = value
            envelope.metadata.append(entry)
        }
        let response = await router.respond(to: try envelope.serializedBytes(), peer: peer, logger: Logger(label: "test"))
        guard response.status.code == 0 else { throw RPCError(status: response.status) }
        return try Response(serializedBytes: response.payload)
    }

    func create(name: String = "West Lake Travel", phone: String = "13800138000") async throws -> Scenic_V1_CreateDistributorResponse {
        var request = Scenic_V1_CreateDistributorRequest()
        request.name = name
        request.phone = phone
        return try await call(admin, DistributorAdminService.service, "Create", request)
    }

    func login(phone: String = "13800138000", password: String, peer: PeerCredentials = Harness.root) async throws
        -> Scenic_V1_LoginResponse
    {
        var request = Scenic_V1_LoginRequest()
        request.phone = phone
        request.password = password
        return try await call(pos, DistributorSessionService.service, "Login", request, peer: peer)
    }

    func changePassword(token: String, old: String, new: String) async throws {
        var request = Scenic_V1_ChangePasswordRequest()
        request.oldPassword = old
        request.newPassword = new
        let _: Scenic_V1_ChangePasswordResponse = try await call(pos, DistributorSessionService.service, "ChangePassword", request, token: token)
    }

    func whoAmI(token: String?) async throws -> Scenic_V1_WhoAmIResponse {
        try await call(pos, DistributorSessionService.service, "WhoAmI", Scenic_V1_WhoAmIRequest(), token: token)
    }

    func idCall(_ method: String, _ id: Int64) async throws -> Scenic_V1_Distributor {
        var request = Scenic_V1_DistributorIdRequest()
        request.id = id
        return try await call(admin, DistributorAdminService.service, method, request)
    }

    /// A distributor signed in with its own password, ready to work: (id, token, password).
    func activeDistributor(phone: String = "13800138000") async throws -> (id: Int64, token: String, password: String) {
        let created = try await create(phone: phone)
        let first = try await login(phone: phone, password: created.initialPassword)
        try await changePassword(token: first.sessionToken, old: created.initialPassword, new: "my own password")
        return (created.distributor.id, first.sessionToken, "my own password")
    }

    func rowCount(_ table: String) async throws -> Int {
        try await value("SELECT count(*) FROM \(table)") ?? 0
    }
}

/// Closes a harness's store when the last copy of the harness goes: a PostgreSQL store
/// holds server connections until then.
private final class StoreCloser: Sendable {
    let store: any Store
    init(store: any Store) { self.store = store }
    deinit { try? store.close() }
}

/// Expects `body` to fail with `code` (and `reason`, if given); returns the error.
@discardableResult
func expectFailure(
    _ code: StatusCode, reason: String? = nil, _ body: () async throws -> Void
) async throws -> RPCError {
    do {
        try await body()
    } catch let error as RPCError {
        guard error.code == code, reason == nil || error.reason == reason else {
            throw ExpectationMismatch(description: "expected \(code) \(reason ?? ""), got \(error)")
        }
        return error
    }
    throw ExpectationMismatch(description: "expected \(code) \(reason ?? ""), but the call succeeded")
}

struct ExpectationMismatch: Error, CustomStringConvertible {
    var description: String
}

/// Expects `body` to be refused INVALID_ARGUMENT with a field violation of `reason` first; returns the error.
@discardableResult
func expectViolation(_ reason: String, _ body: () async throws -> Void) async throws -> RPCError {
    let error = try await expectFailure(.invalidArgument, body)
    guard error.fieldViolations.first?.reason == reason else {
        throw ExpectationMismatch(description: "expected a field violation \(reason), got \(error)")
    }
    return error
}
