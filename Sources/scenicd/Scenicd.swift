import ArgumentParser
import Foundation
import Logging
import ScenicMetrics
import ScenicRPC
import ScenicServices
import ScenicStore
import ScenicTransport
import ServiceLifecycle
import Synchronization

/// The composition root: reads flags, opens the store, binds both sockets, serves until
/// SIGTERM or SIGINT, then drains and exits 0.
@main
struct Scenicd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenicd",
        abstract: "Scenic's distributor ticketing daemon.",
        discussion: """
            Serves the back office on admin.sock (mode 0600, peer uid checked) and points of sale \
            on pos.sock (mode 0666), both in the data directory unless overridden. The data \
            directory defaults to $SCENIC_DATA_DIR, else /var/lib/scenic for root and \
            $XDG_STATE_HOME/scenic (~/.local/state/scenic) for other users. Under systemd, \
            sockets passed by socket activation (named admin and pos) are served in place of \
            binding, and readiness, status and watchdog pings go to $NOTIFY_SOCKET.
            """,
        version: DaemonStatus.version
    )

    @Option(help: "Directory for the database and sockets; created if missing.")
    var dataDir: String?

    @Option(help: ArgumentHelp(
        "sqlite:PATH, or postgresql://USER@HOST/DATABASE for a database several daemons share (default: sqlite:DATA_DIR/scenic.sqlite3).",
        discussion: "Unix-socket folders go in ?host=; several hosts with target_session_attrs=read-write pick the primary."))
    var database: String?

    @Option(help: "Path of the admin socket (default: DATA_DIR/admin.sock).")
    var adminSocket: String?

    @Option(help: "Path of the point-of-sale socket (default: DATA_DIR/pos.sock).")
    var posSocket: String?

    @Option(help: "Group whose members may use the admin socket, besides root and the daemon's user.")
    var adminGroup: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "text (one line per entry) or json (one JSON object per line, for log shippers).")
    var logFormat: String = "text"

    @Option(help: ArgumentHelp(
        "HOST:PORT to serve GET /metrics on over HTTP, for Prometheus (off by default).",
        discussion: "The same metrics are on the admin socket (scenic-admin metrics) either way."))
    var metricsAddress: String?

    @Option(help: "Largest frame payload accepted, in bytes.")
    var maxFrameBytes: Int = FrameDecoder.defaultMaxPayloadSize

    @Option(help: "Calls in flight per connection before the daemon stops reading it.")
    var maxCallsPerConnection: Int = 128

    @Option(help: "Connections each socket serves at once; past it new ones are closed.")
    var maxConnections: Int = UnixSocketServer.Configuration.defaultMaxConnections

    @Option(help: "Connections one Unix user (other than root and the daemon's own) may hold on each socket.")
    var maxConnectionsPerUser: Int = UnixSocketServer.Configuration.defaultMaxConnectionsPerUser

    @Option(help: "Seconds a new connection may take to send its first whole request before it is closed.")
    var firstRequestSeconds: Int = 10

    @Option(help: "Seconds a connection with no call in flight may stay silent before it is closed.")
    var idleSeconds: Int = 300

    @Option(help: "Seconds to let calls in flight finish at shutdown.")
    var shutdownGrace: Int = 10

    @Option(help: "Seconds a client may leave its answers unread before it is disconnected.")
    var stalledClientSeconds: Int = 30

    @Option(help: ArgumentHelp(
        "Shell command that sends one SMS, given SCENIC_SMS_PHONE and SCENIC_SMS_TEXT; exit 0 means sent.",
        discussion: "Without it, each message is appended as a JSON line to DATA_DIR/sms.log."))
    var smsCommand: String?

    @Option(help: "Failed logins in a row, by one Unix user on one phone, before that user must wait to try it again.")
    var lockAfter: Int = 5

    @Option(help: "Longest such wait in minutes; each further failure doubles the wait up to it.")
    var lockMinutes: Int = 15

    @Option(help: "Hours of inactivity that end a point-of-sale session.")
    var sessionIdleHours: Int = 12

    @Option(help: "Days after login that a point-of-sale session ends at the latest.")
    var sessionDays: Int = 7

    @Option(help: "The scenic area's time zone: visit dates and \"today\" are its days.")
    var timeZone: String = "Asia/Shanghai"

    @Option(help: ArgumentHelp(
        "File holding the key that seals visitors' names and ID numbers (32 bytes in base64, mode 0600).",
        discussion: "Without it, DATA_DIR/personal-data.key, created at first start. Keep a copy apart from backups: without it, sealed data cannot be read."))
    var personalDataKey: String?

    @Option(help: "Days after a real-name ticket's last valid day that its visitor's name and ID number are erased.")
    var personalDataDays: Int = PersonalDataRetention.defaultDays

    @Option(help: "Days the event feed keeps an event.")
    var eventDays: Int = EventFeed.defaultDays

    @Option(help: ArgumentHelp(
        "Hours the back office has to approve or reject a refund that needs approval.",
        discussion: "A request still undecided then is approved by the daemon (audited as \"daemon\")."))
    var refundApprovalHours: Int = 48

    @Option(help: ArgumentHelp("log2 of scrypt's N for new password hashes (OWASP: at least 17).", visibility: .hidden))
    var scryptLogN: Int = PasswordHasher.defaultLogN

    /// Room for any refusal (a status with its details); 64 MiB, past which a frame is
    /// no longer a call but a file transfer.
    static let smallestFrameLimit = 1024
    static let largestFrameLimit = 64 << 20

    func validate() throws {
        if let database { _ = try DatabaseLocation(database) }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
        if let metricsAddress, Self.hostAndPort(metricsAddress) == nil {
            throw ValidationError("--metrics-address must be HOST:PORT, e.g. 127.0.0.1:9464")
        }
        guard (Self.smallestFrameLimit...Self.largestFrameLimit).contains(maxFrameBytes) else {
            throw ValidationError("--max-frame-bytes must be \(Self.smallestFrameLimit) to \(Self.largestFrameLimit)")
        }
        let positive = [
            maxCallsPerConnection, maxConnections, maxConnectionsPerUser, stalledClientSeconds, firstRequestSeconds, idleSeconds,
        ]
        guard positive.allSatisfy({ $0 > 0 }), shutdownGrace >= 0 else {
            throw ValidationError(
                "--max-calls-per-connection, --max-connections, --max-connections-per-user, --stalled-client-seconds, --first-request-seconds and --idle-seconds must be positive, --shutdown-grace not negative")
        }
        guard lockAfter > 0, lockMinutes > 0, sessionIdleHours > 0, sessionDays > 0 else {
            throw ValidationError("--lock-after, --lock-minutes, --session-idle-hours and --session-days must be positive")
        }
        guard TimeZone(identifier: timeZone) != nil else { throw ValidationError("--time-zone: unknown time zone \(timeZone)") }
        guard (1...3650).contains(eventDays) else { throw ValidationError("--event-days must be 1 to 3650") }
        guard (1...8760).contains(refundApprovalHours) else { throw ValidationError("--refund-approval-hours must be 1 to 8760") }
        guard (0...3650).contains(personalDataDays) else { throw ValidationError("--personal-data-days must be 0 to 3650") }
        guard (10...20).contains(scryptLogN) else { throw ValidationError("--scrypt-log-n must be between 10 and 20") }
        if let adminGroup, AdminAccessPolicy.groupID(named: adminGroup) == nil {
            throw ValidationError("--admin-group: no group called \(adminGroup)")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "scenicd")
        do {
            try await serve(logger: logger)
        } catch {
            // One line, no stack trace: this is what an operator sees when start-up fails.
            FileHandle.standardError.write(Data("scenicd: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func serve(logger: Logger) async throws {
        let dataDir = self.dataDir ?? ScenicPaths.defaultDataDirectory()
        // Both taken out of the environment first, before any child process could inherit them.
        let sockets = try DaemonSockets(
            adminPath: adminSocket ?? ScenicPaths.adminSocket(inDataDirectory: dataDir),
            posPath: posSocket ?? ScenicPaths.posSocket(inDataDirectory: dataDir))
        let notifySocket = NotifySocket.takeFromEnvironment()
        let posSocketPath = sockets.pointOfSale.path
        // Other users reach pos.sock through the directory when it lives there.
        let posSocketInDataDir =
            URL(fileURLWithPath: posSocketPath).deletingLastPathComponent().standardizedFileURL.path
            == URL(fileURLWithPath: dataDir).standardizedFileURL.path
        for change in try DataDirectory.secure(dataDir, traversable: posSocketInDataDir) {
            if change.narrows {
                logger.warning("mode closed to other users", metadata: ["file": "\(change.path)", "mode": "\(change)"])
            } else {
                logger.notice("mode opened to other users' search, for pos.sock", metadata: ["file": "\(change.path)", "mode": "\(change)"])
            }
        }
        let location = try database.map(DatabaseLocation.init) ?? .sqlite(path: ScenicPaths.database(inDataDirectory: dataDir))
        let store = try await location.open(logger: logger)
        defer { try? store.close() }
        let personalData = try PersonalDataVault.load(
            path: personalDataKey ?? dataDir + "/personal-data.key", create: personalDataKey == nil)
        do {
            try await store.adoptPersonalDataKey(check: personalData.keyCheck)
        } catch RealNameError.keyMismatch {
            throw ValidationError(
                "the personal data key (\(personalDataKey ?? dataDir + "/personal-data.key")) is not the one this store's visitors were sealed with")
        }

        let status = DaemonStatus()
        let sms = SMSDispatcher(
            store: store,
            delivery: smsCommand.map { .command($0) } ?? .file(dataDir + "/sms.log"),
            logger: logger)
        var accounts = AccountPolicy()
        accounts.loginFailuresBeforeWait = lockAfter
        accounts.longestLoginWait = .seconds(lockMinutes * 60)
        accounts.sessionIdleTimeout = .seconds(sessionIdleHours * 3600)
        accounts.sessionLifetime = .seconds(sessionDays * 86400)
        accounts.refundApprovalWindow = .seconds(refundApprovalHours * 3600)
        accounts.calendar = SceneCalendar(timeZone: TimeZone(identifier: timeZone)!)
        // The sockets are known once open; the metrics read their connections at each scrape.
        let servers = Mutex<[(role: SocketRole, server: UnixSocketServer)]>([])
        let metrics = DaemonMetrics(store: store) {
            servers.withLock { $0.map { ($0.role.rawValue, $0.server.connectionCounts.open, $0.server.connectionCounts.refused) } }
        }
        let services = DaemonServices(
            store: store, status: status,
            adminAccess: AdminAccessPolicy(adminGroupID: adminGroup.flatMap(AdminAccessPolicy.groupID(named:))),
            personalData: personalData, accountPolicy: accounts, hasher: PasswordHasher(logN: scryptLogN), smsQueued: { sms.wake() },
            callObserver: { metrics.calls(on: $0.rawValue) }, metricsText: { await metrics.render() })
        let limits = ConnectionLimits(
            maxFrameSize: maxFrameBytes, maxCallsInFlight: maxCallsPerConnection,
            stalledClientTimeout: .seconds(stalledClientSeconds), firstFrameTimeout: .seconds(firstRequestSeconds),
            idleTimeout: .seconds(idleSeconds))
        let grace = Duration.seconds(shutdownGrace)

        let (admin, pointOfSale) = try await sockets.open(
            admin: services.router(for: .admin), pointOfSale: services.router(for: .pointOfSale), logger: logger
        ) { path, mode in
            .init(
                path: path, mode: mode, limits: limits,
                maxConnections: maxConnections, maxConnectionsPerUser: maxConnectionsPerUser, drainTimeout: grace)
        }
        servers.withLock { $0 = [(.admin, admin), (.pointOfSale, pointOfSale)] }
        var metricsServer: MetricsHTTPServer?
        if let metricsAddress, let (host, port) = Self.hostAndPort(metricsAddress) {
            do {
                metricsServer = try await MetricsHTTPServer.bind(host: host, port: port, metrics: metrics, logger: logger)
            } catch {
                await admin.close()
                await pointOfSale.close()
                throw ValidationError("--metrics-address \(metricsAddress): \(error)")
            }
        }
        let systemd = notifySocket.map {
            SystemdNotifier(
                socket: $0, servingStatus: "serving \(admin.configuration.path) and \(pointOfSale.configuration.path)",
                servers: [admin, pointOfSale], logger: logger)
        }

        let calendar = accounts.calendar
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: admin),
                    .init(service: pointOfSale),
                    .init(service: ShutdownAnnouncer(status: status)),
                    .init(service: Housekeeping(name: "SMS") { await sms.run() }),
                    .init(service: Housekeeping(name: "hold expiry") { await services.holdExpiry.run(logger: logger) }),
                    .init(service: Housekeeping(name: "event feed") {
                        await EventFeed(store: store, days: eventDays, calendar: calendar).run(logger: logger)
                    }),
                    .init(service: Housekeeping(name: "refund approval") {
                        await RefundAutoApproval(store: store).run(logger: logger)
                    }),
                    .init(service: Housekeeping(name: "personal data") {
                        await PersonalDataRetention(store: store, days: personalDataDays, calendar: calendar).run(logger: logger)
                    }),
                ]
                    + (metricsServer.map { [.init(service: $0)] } ?? [])
                    // Last: the group stops its services in reverse order, so STOPPING=1 goes
                    // out as shutdown begins rather than after the sockets have drained.
                    + (systemd.map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info("ready", metadata: ["data_dir": "\(dataDir)", "version": "\(DaemonStatus.version)"])
        try await group.run()
        logger.info("stopped")
    }
}

extension Scenicd {
    /// `HOST:PORT` split, the port 1–65535 (0 too, for "any free port"); an IPv6 host in brackets.
    static func hostAndPort(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

/// Turns health NOT_SERVING the moment graceful shutdown begins, before the sockets drain.
struct ShutdownAnnouncer: Service {
    let status: DaemonStatus

    func run() async throws {
        try? await gracefulShutdown()
        status.markStopping()
    }
}

/// Work the daemon does beside serving calls (sending SMS, expiring holds, keeping the
/// event feed, erasing personal data), stopped at shutdown; what it had not done yet (an
/// SMS not sent, a hold not yet expired) is done after the next start.
struct Housekeeping: Service, CustomStringConvertible {
    /// How ServiceLifecycle's log names it.
    let description: String
    let work: @Sendable () async -> Void

    init(name: String, work: @escaping @Sendable () async -> Void) {
        description = name
        self.work = work
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await work() }
    }
}
