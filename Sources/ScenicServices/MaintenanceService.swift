import Dispatch
import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Maintenance`: online backups, metrics and the store's size.
public struct MaintenanceService: Sendable {
    public static let service = "scenic.v1.Maintenance"
    /// Copying a large database takes a while of blocking I/O: it gets a thread of its own.
    private static let queue = DispatchQueue(label: "scenic.backup")

    let store: any Store
    let policy: AccountPolicy
    /// The daemon's metrics in Prometheus' text format; nil when it keeps none.
    let metrics: (@Sendable () async -> String)?

    public func backup(_ request: Scenic_V1_BackupRequest, context: CallContext) async throws -> Scenic_V1_BackupResponse {
        guard request.path.hasPrefix("/") else {
            throw RPCError.invalidArgument(
                "the backup path must be absolute", violations: [.init(field: "path", description: "must be absolute", reason: "NOT_ABSOLUTE")])
        }
        let started = ContinuousClock.now
        let store = store
        let path = request.path
        let result: (sizeBytes: Int64, integrity: String) = try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { try store.backup(to: path) }) }
        }
        context.logger.info("backup written", metadata: ["path": "\(path)", "bytes": "\(result.sizeBytes)"])
        var response = Scenic_V1_BackupResponse()
        response.path = path
        response.sizeBytes = result.sizeBytes
        response.integrity = result.integrity
        let elapsed = ContinuousClock.now - started
        response.durationMs = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return response
    }

    public func metrics(_ request: Scenic_V1_MetricsRequest, context: CallContext) async throws -> Scenic_V1_MetricsResponse {
        guard let metrics else { throw RPCError(.unimplemented, "this daemon keeps no metrics", reason: "METRICS_OFF") }
        var response = Scenic_V1_MetricsResponse()
        response.text = await metrics()
        return response
    }

    public func storage(_ request: Scenic_V1_StorageRequest, context: CallContext) async throws -> Scenic_V1_StorageResponse {
        let size = await store.storageSize()
        var response = Scenic_V1_StorageResponse()
        // A database server's URL (without its password) where there is no data directory.
        let location = store.databasePath
        response.dataDirectory = location.hasPrefix("/") ? (location as NSString).deletingLastPathComponent : location
        response.databaseBytes = size.databaseBytes
        // Zero where the server keeps them (PostgreSQL's WAL and disk).
        response.walBytes = size.walBytes ?? 0
        response.freeDiskBytes = size.freeDiskBytes ?? 0
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Backup", handler: backup)
        router.register(service: Self.service, method: "Metrics", handler: metrics)
        router.register(service: Self.service, method: "Storage", handler: storage)
    }
}

extension BackupError: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch self {
        case .exists: RPCError(.alreadyExists, description, reason: "BACKUP_EXISTS")
        case .notWritable: RPCError(.failedPrecondition, description, reason: "BACKUP_NOT_WRITABLE")
        case .corrupt: RPCError(.dataLoss, description, reason: "BACKUP_CORRUPT")
        case .onDatabaseServer: RPCError(.failedPrecondition, description, reason: "BACKUP_BY_SERVER")
        }
    }
}
