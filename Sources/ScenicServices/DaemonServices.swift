import ScenicRPC
import ScenicStore

/// Everything the services share, and the router each socket serves.
public struct DaemonServices: Sendable {
    public let store: ScenicStore
    public let status: DaemonStatus
    public let adminAccess: AdminAccessPolicy

    public init(store: ScenicStore, status: DaemonStatus, adminAccess: AdminAccessPolicy) {
        self.store = store
        self.status = status
        self.adminAccess = adminAccess
    }

    /// The methods `role`'s socket serves, and only those.
    public func router(for role: SocketRole) -> Router {
        var router = Router()
        HealthService(store: store, status: status).register(in: &router)
        let methods = (router.methods + [SystemService.serverInfoMethod]).sorted()
        SystemService(role: role, schemaVersion: store.schemaVersion, status: status, methods: methods)
            .register(in: &router)
        if role == .admin {
            let policy = adminAccess
            router.admission = { policy.refusal(for: $0) }
        }
        return router
    }
}
