import Logging

/// Everything a handler may know about the call besides its request message.
public struct CallContext: Sendable {
    /// e.g. `grpc.health.v1.Health`.
    public var service: String
    /// e.g. `Check`.
    public var method: String
    /// The ttrpc metadata, in the order sent. Keys are case-sensitive.
    public var metadata: [(key: String, value: String)]
    /// The kernel's word on the caller, when the transport could read it.
    public var peer: PeerCredentials?
    /// When the caller stops waiting, from its `timeout_nano`.
    public var deadline: MonotonicInstant?
    /// The transport's logger (it carries the peer).
    private let connectionLogger: Logger

    /// Carries `rpc.method` and the peer as metadata. Made when asked for: setting
    /// metadata renders all of it, too dear for every call when few calls log.
    public var logger: Logger {
        var logger = connectionLogger
        logger[metadataKey: "rpc.method"] = "\(service)/\(method)"
        return logger
    }

    public init(
        service: String,
        method: String,
        metadata: [(key: String, value: String)] = [],
        peer: PeerCredentials? = nil,
        deadline: MonotonicInstant? = nil,
        logger: Logger = Logger(label: "scenic.rpc")
    ) {
        self.service = service
        self.method = method
        self.metadata = metadata
        self.peer = peer
        self.deadline = deadline
        connectionLogger = logger
    }

    /// The first metadata value under `key`.
    public subscript(metadata key: String) -> String? {
        metadata.first { $0.key == key }?.value
    }
}
