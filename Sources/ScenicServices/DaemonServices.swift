import ScenicNumbering
import ScenicRPC
import ScenicStore

/// Everything the services share, and the router each socket serves.
public struct DaemonServices: Sendable {
    public let store: any Store
    public let status: DaemonStatus
    public let adminAccess: AdminAccessPolicy
    public let accountPolicy: AccountPolicy
    public let hasher: PasswordHasher
    /// Called after a change queued an SMS.
    public let smsQueued: @Sendable () -> Void
    /// Failed logins, per peer and phone.
    public let loginThrottle: LoginThrottle
    /// What order, ledger entry and page-token rows are shown as.
    public let numbers: PublicNumbers
    /// Seals visitors' personal data and hashes their IDs.
    public let personalData: PersonalDataVault
    /// Releases holds when they expire; a new hold wakes it.
    public let holdExpiry: HoldExpiry
    /// Who is told of each socket's answered calls (the metrics), if anyone.
    public let callObserver: @Sendable (SocketRole) -> (any CallObserver)?
    /// The metrics in Prometheus' text format, for `Maintenance/Metrics`.
    public let metricsText: (@Sendable () async -> String)?
    private let decoyHash: String

    public init(
        store: any Store, status: DaemonStatus, adminAccess: AdminAccessPolicy, personalData: PersonalDataVault,
        accountPolicy: AccountPolicy = .init(), hasher: PasswordHasher = .init(),
        smsQueued: @escaping @Sendable () -> Void = {},
        callObserver: @escaping @Sendable (SocketRole) -> (any CallObserver)? = { _ in nil },
        metricsText: (@Sendable () async -> String)? = nil
    ) {
        self.callObserver = callObserver
        self.metricsText = metricsText
        self.store = store
        self.personalData = personalData
        let clock = accountPolicy.now
        holdExpiry = HoldExpiry(store: store, now: clock)
        self.status = status
        self.adminAccess = adminAccess
        self.accountPolicy = accountPolicy
        self.hasher = hasher
        self.smsQueued = smsQueued
        self.decoyHash = hasher.decoyHash()
        numbers = PublicNumbers(key: store.publicNumberKey)
        var rules = LoginThrottle.Rules()
        rules.freeFailures = accountPolicy.loginFailuresBeforeWait
        rules.longestWait = accountPolicy.longestLoginWait
        loginThrottle = LoginThrottle(rules: rules)
    }

    /// The methods `role`'s socket serves, and only those.
    public func router(for role: SocketRole) -> Router {
        var router = Router()
        HealthService(store: store, status: status).register(in: &router)
        switch role {
        case .admin:
            DistributorAdminService(
                store: store, hasher: hasher, policy: accountPolicy, numbers: numbers, throttle: loginThrottle,
                smsQueued: smsQueued)
                .register(in: &router)
            ProductAdminService(store: store, policy: accountPolicy, numbers: numbers).register(in: &router)
            BindingAdminService(store: store, policy: accountPolicy).register(in: &router)
            CalendarAdminService(store: store, policy: accountPolicy).register(in: &router)
            AccountService(store: store, policy: accountPolicy, numbers: numbers).register(in: &router)
            VoucherAdminService(store: store, policy: accountPolicy, numbers: numbers, personalData: personalData).register(in: &router)
            ReportsService(store: store, policy: accountPolicy).register(in: &router)
            MaintenanceService(store: store, policy: accountPolicy, metrics: metricsText).register(in: &router)
            AuditService(store: store, numbers: numbers).register(in: &router)
            ApiKeyAdminService(store: store, policy: accountPolicy).register(in: &router)
            RefundAdminService(store: store, policy: accountPolicy, numbers: numbers).register(in: &router)
            EventsService(store: store, numbers: numbers, authenticator: nil).register(in: &router)
            let policy = adminAccess
            router.admission = { policy.refusal(for: $0) }
        case .pointOfSale:
            DistributorSessionService(
                store: store, hasher: hasher, policy: accountPolicy, authenticator: authenticator, throttle: loginThrottle,
                decoyHash: decoyHash
            ).register(in: &router)
            CatalogService(store: store, policy: accountPolicy, authenticator: authenticator).register(in: &router)
            SalesService(
                store: store, policy: accountPolicy, numbers: numbers, authenticator: authenticator, personalData: personalData,
                holdMade: { [holdExpiry] in holdExpiry.holdMade(expiringAt: $0) }
            ).register(in: &router)
            EventsService(store: store, numbers: numbers, authenticator: authenticator).register(in: &router)
        }
        router.observer = callObserver(role)
        let methods = (router.methods + [SystemService.serverInfoMethod]).sorted()
        SystemService(
            role: role, schemaVersion: store.schemaVersion, status: status, methods: methods,
            timeZone: accountPolicy.calendar.timeZone.identifier)
            .register(in: &router)
        return router
    }

    /// Establishes the distributor behind a point-of-sale call.
    public var authenticator: SessionAuthenticator {
        SessionAuthenticator(store: store, policy: accountPolicy)
    }
}
