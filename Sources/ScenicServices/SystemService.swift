import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.System/ServerInfo`: version, schema version, uptime, and what this socket routes.
public struct SystemService: Sendable {
    public static let service = "scenic.v1.System"
    static let serverInfoMethod = "\(service)/ServerInfo"

    let role: SocketRole
    let schemaVersion: Int
    let status: DaemonStatus
    let methods: [String]
    let timeZone: String

    public func serverInfo(_ request: Scenic_V1_ServerInfoRequest, context: CallContext) async throws
        -> Scenic_V1_ServerInfoResponse
    {
        var response = Scenic_V1_ServerInfoResponse()
        response.version = DaemonStatus.version
        response.schemaVersion = Int32(schemaVersion)
        response.uptimeSeconds = status.uptime.components.seconds
        response.socket = role.rawValue
        response.methods = methods
        response.timeZone = timeZone
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "ServerInfo", handler: serverInfo)
    }
}
