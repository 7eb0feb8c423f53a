import ArgumentParser
import Foundation
import ScenicClient

/// Options every client command takes: where the daemon is, how to print, how long to wait.
public struct ConnectionOptions: ParsableArguments {
    @Option(help: "Path of the daemon's socket (default: $SCENIC_ADMIN_SOCKET or $SCENIC_POS_SOCKET, else the socket in $SCENIC_DATA_DIR, else the service's in /run/scenic if there, else the one in the default data directory).")
    public var socket: String?

    @Flag(help: "Print the response as JSON: protobuf's JSON mapping with every field, zeros included.")
    public var json = false

    @Option(help: "Seconds to wait for the daemon's answer (at most 86400, a day).")
    public var timeout: Double = 30

    /// The longest `--timeout`: the daemon honours no deadline further than a day away.
    static let maximumTimeoutSeconds: Double = 86_400

    public init() {}

    public func validate() throws {
        guard timeout.isFinite, timeout > 0, timeout <= Self.maximumTimeoutSeconds else {
            throw ValidationError("--timeout must be a number of seconds above 0 and at most \(Int(Self.maximumTimeoutSeconds)) (a day)")
        }
    }

    /// `--timeout` as a duration. `validate()` bounds it on the command line; the clamp
    /// (`Double.maximum` turns NaN into 0) keeps a value set in code from trapping here.
    var timeoutDuration: Duration {
        .seconds(Double.minimum(Double.maximum(timeout, 0), Self.maximumTimeoutSeconds))
    }

    /// The socket path: the flag, then the role's environment variable, then the default.
    public func socketPath<Role: ClientRole>(for role: Role.Type) -> String {
        if let socket { return socket }
        if let fromEnvironment = ProcessInfo.processInfo.environment[Role.socketEnvironmentVariable], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return Role.defaultSocketPath
    }

    /// Connects, runs `body`, and turns any failure into the report of ``CommandFailure``,
    /// naming the request's batch by `items` when the command has one.
    public func withClient<Role: ClientRole, T>(
        _ role: Role.Type,
        metadata: [String: String] = [:],
        items: RequestItems? = nil,
        _ body: (ScenicClient) async throws -> T
    ) async throws -> T {
        let path = socketPath(for: role)
        do {
            let client = try await ScenicClient.connect(
                socketPath: path, metadata: metadata, defaultTimeout: timeoutDuration)
            do {
                let result = try await body(client)
                await client.close()
                return result
            } catch {
                await client.close()
                throw error
            }
        } catch let error as RPCError {
            throw CommandFailure(error: error, socketPath: path, items: items)
        }
    }
}
