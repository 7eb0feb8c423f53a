#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import ScenicRPC
import ScenicTransport

/// Where the daemon's two sockets come from: a descriptor passed by socket activation
/// (systemd's socket units, systemd-socket-activate), or else a path the daemon binds.
struct DaemonSockets {
    enum Source {
        case bind(String)
        case adopt(InheritedSocket)

        var path: String {
            switch self {
            case .bind(let path): path
            case .adopt(let socket): socket.path
            }
        }
    }

    let admin: Source
    let pointOfSale: Source

    /// Takes the passed descriptors out of the environment; a socket not passed is bound
    /// at its path, as when the daemon is started by hand.
    init(adminPath: String, posPath: String) throws {
        let activation = try SocketActivation.takeFromEnvironment()
        admin = try activation.admin.map { .adopt(try InheritedSocket(descriptor: $0)) } ?? .bind(adminPath)
        pointOfSale = try activation.pointOfSale.map { .adopt(try InheritedSocket(descriptor: $0)) } ?? .bind(posPath)
    }

    /// Listens on both, binding the admin socket at mode 0600 and the point of sale's at
    /// 0666 or adopting what was passed; closes the first if the second fails.
    func open(
        admin adminRouter: Router, pointOfSale posRouter: Router, logger: Logger,
        configuration: (_ path: String, _ mode: mode_t) -> UnixSocketServer.Configuration
    ) async throws -> (admin: UnixSocketServer, pointOfSale: UnixSocketServer) {
        let admin = try await Self.open(admin, configuration(admin.path, 0o600), router: adminRouter, logger: logger)
        do {
            let pointOfSale = try await Self.open(
                pointOfSale, configuration(pointOfSale.path, 0o666), router: posRouter, logger: logger)
            return (admin, pointOfSale)
        } catch {
            await admin.close()
            throw error
        }
    }

    private static func open(
        _ source: Source, _ configuration: UnixSocketServer.Configuration, router: Router, logger: Logger
    ) async throws -> UnixSocketServer {
        switch source {
        case .bind:
            try await UnixSocketServer.bind(configuration, router: router, logger: logger)
        case .adopt(let socket):
            try await UnixSocketServer.adopt(socket, configuration, router: router, logger: logger)
        }
    }
}
