import Foundation
@_exported import ScenicProto
import ScenicRPC
import ScenicTransport
@_exported import SwiftProtobuf

@_exported import struct ScenicRPC.RPCError
@_exported import struct ScenicRPC.StatusCode
@_exported import enum ScenicTransport.ScenicPaths

/// A typed async client for one scenicd socket, for the CLIs and for integrators.
///
/// Calls may run concurrently on one client. Every failure is an ``RPCError`` carrying
/// the status code, message, machine-readable reason and field violations.
public final class ScenicClient: Sendable {
    private let connection: ClientConnection
    /// Sent as ttrpc metadata on every call (the session token, for the point of sale).
    public let metadata: [String: String]
    /// Deadline applied to calls that do not name their own.
    public let defaultTimeout: Duration?

    public init(connection: ClientConnection, metadata: [String: String] = [:], defaultTimeout: Duration? = .seconds(30)) {
        self.connection = connection
        self.metadata = metadata
        self.defaultTimeout = defaultTimeout
    }

    /// Connects to the socket at `socketPath`.
    public static func connect(
        socketPath: String,
        metadata: [String: String] = [:],
        defaultTimeout: Duration? = .seconds(30)
    ) async throws -> ScenicClient {
        let connection = try await ClientConnection.connect(path: socketPath)
        return ScenicClient(connection: connection, metadata: metadata, defaultTimeout: defaultTimeout)
    }

    /// Calls `service/method` with `request` and decodes the answer as `Response`.
    public func call<Response: SwiftProtobuf.Message>(
        service: String,
        method: String,
        request: some SwiftProtobuf.Message,
        as: Response.Type = Response.self,
        timeout: Duration? = nil
    ) async throws -> Response {
        let payload: [UInt8] = try await call(
            service: service, method: method, payload: request.serializedBytes(), timeout: timeout)
        do {
            return try Response(serializedBytes: payload)
        } catch {
            throw RPCError(.internal, "the daemon's answer is not a valid \(Response.protoMessageName)", reason: "MALFORMED_RESPONSE")
        }
    }

    /// Calls `service/method` with an encoded payload and returns the encoded answer;
    /// for callers that pick the method at run time.
    public func call(service: String, method: String, payload: [UInt8], timeout: Duration? = nil) async throws -> [UInt8] {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = Data(payload)
        request.metadata = metadata.sorted { $0.key < $1.key }.map { key, value in
            var entry = Ttrpc_KeyValue()
            entry.key = key
            entry.value = value
            return entry
        }
        let response = try await connection.call(request, timeout: timeout ?? defaultTimeout)
        guard response.status.code == StatusCode.ok.rawValue else { throw RPCError(status: response.status) }
        return [UInt8](response.payload)
    }

    /// `grpc.health.v1.Health/Check` for the daemon as a whole.
    public func health() async throws -> Grpc_Health_V1_HealthCheckResponse {
        try await call(service: "grpc.health.v1.Health", method: "Check", request: Grpc_Health_V1_HealthCheckRequest())
    }

    /// `scenic.v1.System/ServerInfo`.
    public func serverInfo() async throws -> Scenic_V1_ServerInfoResponse {
        try await call(service: "scenic.v1.System", method: "ServerInfo", request: Scenic_V1_ServerInfoRequest())
    }

    public func close() async {
        await connection.close()
    }
}
