#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore
import NIOPosix
import ScenicRPC
import ServiceLifecycle

/// A ttrpc server on one Unix-domain socket: it binds in ``bind(_:router:group:logger:)``
/// (so a start-up failure is reported before anything runs), or takes a socket passed by
/// socket activation in ``adopt(_:_:router:group:logger:)``, and serves in ``run()``
/// until graceful shutdown, then lets the calls in flight finish and removes the socket it
/// bound.
public final class UnixSocketServer: Service {
    public struct Configuration: Sendable {
        public var path: String
        /// File mode of the socket: 0600 for the admin socket, 0666 for the point of sale.
        public var mode: mode_t
        public var limits: ConnectionLimits
        /// Connections served at once; past it a new one is closed as soon as it is
        /// accepted. With the per-connection bound on calls in flight, this bounds what
        /// clients of this socket can make the daemon hold, and keeps a flood of
        /// connections from taking the file descriptors the store and the other socket need.
        public var maxConnections: Int
        /// Connections one Unix user (but root and the daemon's own) may hold on this
        /// socket, so that one local user cannot take them all.
        public var maxConnectionsPerUser: Int
        /// How long shutdown waits for calls in flight before closing their connections.
        public var drainTimeout: Duration

        public static let defaultMaxConnections = 256
        public static let defaultMaxConnectionsPerUser = 64

        public init(
            path: String, mode: mode_t, limits: ConnectionLimits = .init(),
            maxConnections: Int = defaultMaxConnections, maxConnectionsPerUser: Int = defaultMaxConnectionsPerUser,
            drainTimeout: Duration = .seconds(10)
        ) {
            precondition(maxConnections > 0 && maxConnectionsPerUser > 0)
            self.path = path
            self.mode = mode
            self.limits = limits
            self.maxConnections = maxConnections
            self.maxConnectionsPerUser = maxConnectionsPerUser
            self.drainTimeout = drainTimeout
        }
    }


    public let configuration: Configuration
    private let serverChannel: any Channel
    /// The socket file this server bound, removed at shutdown; nil for an adopted socket.
    private let inode: ino_t?
    private let connections: ConnectionRegistry
    private let logger: Logger

    private init(
        configuration: Configuration, serverChannel: any Channel, inode: ino_t?, connections: ConnectionRegistry, logger: Logger
    ) {
        self.configuration = configuration
        self.serverChannel = serverChannel
        self.inode = inode
        self.connections = connections
        self.logger = logger
    }

    /// Binds `configuration.path` after making sure no live daemon is there (a stale
    /// socket file from a crash is replaced), and sets its mode.
    public static func bind(
        _ configuration: Configuration,
        router: Router,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> UnixSocketServer {
        try SocketPath.claim(configuration.path)
        let (bootstrap, connections, logger) = serving(configuration, router: router, group: group, logger: logger)
        let channel = try await bootstrap
            .bind(unixDomainSocketPath: configuration.path, cleanupExistingSocketFile: false)
            .get()
        guard chmod(configuration.path, configuration.mode) == 0 else {
            let code = errno
            try? await channel.close()
            throw SocketPathError.system(configuration.path, operation: "chmod", errno: code)
        }
        logger.info("listening")
        return UnixSocketServer(
            configuration: configuration, serverChannel: channel, inode: SocketPath.inode(of: configuration.path),
            connections: connections, logger: logger)
    }

    /// Serves `socket`, passed already bound and listening by socket activation, in place
    /// of binding `configuration.path` (replaced by the socket's own path). Its mode and
    /// owner are the service manager's (`SocketMode=`, `SocketUser=`), so `configuration.mode`
    /// is not applied, and its file stays at shutdown: the manager keeps listening on it and
    /// starts the daemon again for the next client. Callers are admitted as on a bound socket.
    public static func adopt(
        _ socket: InheritedSocket,
        _ configuration: Configuration,
        router: Router,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> UnixSocketServer {
        var configuration = configuration
        configuration.path = socket.path
        let (bootstrap, connections, logger) = serving(configuration, router: router, group: group, logger: logger)
        let channel = try await bootstrap.withBoundSocket(socket.descriptor).get()
        logger.info("listening", metadata: ["passed_by": "socket activation"])
        return UnixSocketServer(
            configuration: configuration, serverChannel: channel, inode: nil, connections: connections, logger: logger)
    }

    /// What binding and adopting share: the bootstrap that admits and serves each
    /// connection, the registry that bounds and drains them, and the socket's logger.
    private static func serving(
        _ configuration: Configuration, router: Router, group: any EventLoopGroup, logger: Logger
    ) -> (ServerBootstrap, ConnectionRegistry, Logger) {
        // Made before the first accept, so a connection can never miss draining.
        let connections = ConnectionRegistry(
            capacity: configuration.maxConnections, perUserCapacity: configuration.maxConnectionsPerUser)
        let limits = configuration.limits
        var socketLogger = logger
        socketLogger[metadataKey: "socket"] = "\(configuration.path)"
        let logger = socketLogger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                PeerCredentials.read(from: child).flatMapThrowing { peer in
                    // Admitted before its handler is made, so a flood past the bound costs no
                    // handlers. A drain from another thread reaches the connection through
                    // its event loop, so after this initializer has added the handler.
                    let admission = connections.add(child, uid: peer?.uid)
                    if case .refuse(let refusedBefore) = admission {
                        // The first refusal and then every thousandth: a flood logs a few lines.
                        if refusedBefore % 1000 == 0 {
                            logger.warning(
                                "refusing a connection: the socket or this user's share of it is full",
                                metadata: [
                                    "max_connections": "\(connections.capacity)",
                                    "max_connections_per_user": "\(connections.perUserCapacity)",
                                    "peer": "\(peer.map { "\($0)" } ?? "unknown")",
                                    "refused_so_far": "\(refusedBefore + 1)",
                                ])
                        }
                        // NIO closes a connection whose initializer fails, before it is registered.
                        throw ConnectionRefused()
                    }
                    let handler = RPCServerHandler(router: router, limits: limits, peer: peer, logger: logger)
                    try child.pipeline.syncOperations.addHandler(handler)
                    if admission == .drain { child.pipeline.fireUserInboundEventTriggered(DrainConnectionEvent()) }
                }
            }
        return (bootstrap, connections, logger)
    }

    /// Serves until graceful shutdown (or cancellation), then drains and removes the socket.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await serverChannel.closeFuture.get()
            } onCancel: {
                serverChannel.close(promise: nil)
            }
        } onGracefulShutdown: {
            self.serverChannel.close(promise: nil)
        }
        if let inode { SocketPath.remove(configuration.path, ifInode: inode) }
        await drain()
        logger.info("stopped")
    }

    /// Returns once the event loop that accepts this socket's connections has run a task,
    /// so that a watchdog waiting on it notices a loop that stopped turning.
    public func eventLoopTurns() async {
        try? await serverChannel.eventLoop.submit {}.get()
    }

    /// Connections open now, and those refused (the socket or a user's share full) since start.
    public var connectionCounts: (open: Int, refused: Int) { connections.counts }

    /// Stops listening without serving: for a start-up that fails after this bind.
    public func close() async {
        try? await serverChannel.close()
        if let inode { SocketPath.remove(configuration.path, ifInode: inode) }
    }

    /// Asks every connection to finish its calls and close; closes the stragglers when
    /// `drainTimeout` runs out.
    private func drain() async {
        let open = connections.beginDraining()
        guard !open.isEmpty else { return }
        logger.info("draining connections", metadata: ["connections": "\(open.count)"])
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(DrainConnectionEvent())
        }
        let loop = serverChannel.eventLoop
        let deadline = loop.scheduleTask(in: TimeAmount(configuration.drainTimeout)) {
            for channel in open { channel.close(promise: nil) }
        }
        try? await EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: loop).get()
        deadline.cancel()
    }
}

/// Why the server closed a connection as soon as it accepted it.
private struct ConnectionRefused: Error {}
