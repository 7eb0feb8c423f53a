import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore
import ScenicTestSupport
import Testing

@testable import ScenicServices

@Suite("Admin access policy")
struct AdminAccessPolicyTests {
    static let policy = AdminAccessPolicy(
        daemonUID: 500, adminGroupID: 700, isSupplementaryMember: { uid, gid in uid == 1002 && gid == 700 })

    @Test("root, the daemon's user, and the admin group's members are let in", arguments: [
        PeerCredentials(pid: 1, uid: 0, gid: 0),
        PeerCredentials(pid: 1, uid: 500, gid: 500),
        PeerCredentials(pid: 1, uid: 1001, gid: 700),
        PeerCredentials(pid: 1, uid: 1002, gid: 1002),
    ])
    func allowed(peer: PeerCredentials) {
        #expect(Self.policy.refusal(for: peer) == nil)
    }

    @Test("anyone else is refused with PERMISSION_DENIED, ADMIN_NOT_ALLOWED")
    func refused() throws {
        let refusal = try #require(Self.policy.refusal(for: PeerCredentials(pid: 1, uid: 1003, gid: 1003)))
        #expect(refusal.code == .permissionDenied)
        #expect(refusal.reason == "ADMIN_NOT_ALLOWED")
        #expect(refusal.metadata["uid"] == "1003")
    }

    @Test("a caller whose credentials cannot be read is refused")
    func unknownPeer() {
        #expect(Self.policy.refusal(for: nil)?.code == .permissionDenied)
    }
}

@Suite("Health and server info")
struct DaemonServicesTests {
    static func services() throws -> DaemonServices {
        let dir = TestScratch.folder("scenic-svc-")
        let store = try SQLiteStore.open(at: dir + "/" + SQLiteStore.fileName)
        return DaemonServices(store: store, status: DaemonStatus(), adminAccess: AdminAccessPolicy(daemonUID: 500), personalData: .ephemeral())
    }

    static func context(_ service: String, _ method: String) -> CallContext {
        CallContext(service: service, method: method, peer: PeerCredentials(pid: 1, uid: 0, gid: 0))
    }

    @Test("health is SERVING, then NOT_SERVING once shutdown begins; unknown services are SERVICE_UNKNOWN")
    func health() async throws {
        let services = try Self.services()
        let health = HealthService(store: services.store, status: services.status)
        let context = Self.context(HealthService.service, "Check")
        #expect(try await health.check(.init(), context: context).status == .serving)
        var unknown = Grpc_Health_V1_HealthCheckRequest()
        unknown.service = "nope.v1.Nope"
        #expect(try await health.check(unknown, context: context).status == .serviceUnknown)
        // Answered at once from here on (the store answered a moment ago), encoded ahead.
        func answeredNow(_ request: Grpc_Health_V1_HealthCheckRequest) throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
            guard let answer = health.checkNow(request, context: context) else { return nil }
            #expect(try Grpc_Health_V1_HealthCheckResponse(serializedBytes: answer.bytes) == answer.message)
            return answer.message.status
        }
        #expect(try answeredNow(.init()) == .serving)
        #expect(try answeredNow(unknown) == .serviceUnknown)
        services.status.markStopping()
        #expect(try await health.check(.init(), context: context).status == .notServing)
        #expect(try answeredNow(.init()) == .notServing)
    }

    @Test("each socket's server info names it and lists exactly what it routes")
    func serverInfo() async throws {
        let services = try Self.services()
        for role in SocketRole.allCases {
            let router = services.router(for: role)
            var envelope = Ttrpc_Request()
            envelope.service = SystemService.service
            envelope.method = "ServerInfo"
            let response = await router.respond(
                to: try envelope.serializedBytes(), peer: PeerCredentials(pid: 1, uid: 0, gid: 0), logger: .init(label: "t"))
            #expect(response.status.code == 0)
            let info = try Scenic_V1_ServerInfoResponse(serializedBytes: response.payload)
            #expect(info.socket == role.rawValue)
            #expect(info.version == DaemonStatus.version)
            #expect(info.schemaVersion == Int32(services.store.schemaVersion))
            #expect(info.methods == router.methods)
        }
    }

    @Test("only the admin router checks the peer's uid")
    func adminAdmission() async throws {
        let services = try Self.services()
        let stranger = PeerCredentials(pid: 1, uid: 4242, gid: 4242)
        var envelope = Ttrpc_Request()
        envelope.service = HealthService.service
        envelope.method = "Check"
        let bytes: [UInt8] = try envelope.serializedBytes()
        let admin = await services.router(for: .admin).respond(to: bytes, peer: stranger, logger: .init(label: "t"))
        #expect(RPCError(status: admin.status).code == .permissionDenied)
        let pos = await services.router(for: .pointOfSale).respond(to: bytes, peer: stranger, logger: .init(label: "t"))
        #expect(pos.status.code == 0)
    }
}
