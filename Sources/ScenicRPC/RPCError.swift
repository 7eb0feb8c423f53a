import ScenicProto
import SwiftProtobuf

/// The one error type that crosses the wire: a status code, a human message, and the
/// machine-readable details an integrator branches on.
///
/// On the wire it is a `google.rpc.Status` whose details carry a `google.rpc.ErrorInfo`
/// (when ``reason`` is set) and a `google.rpc.BadRequest` (when there are
/// ``fieldViolations``).
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bad field in a request: its path, what is wrong, and a machine-readable reason.
    public struct FieldViolation: Sendable, Equatable {
        public var field: String
        public var description: String
        public var reason: String

        public init(field: String, description: String, reason: String = "") {
            self.field = field
            self.description = description
            self.reason = reason
        }
    }

    /// The `ErrorInfo.domain` of every reason Scenic defines.
    public static let domain = "scenic"

    /// Most field violations an error carries: the first ones found. A request with
    /// thousands of bad elements gets an answer of bounded size; `metadata`'s
    /// `field_violations` then says how many there were.
    public static let maxFieldViolations = 20

    public var code: StatusCode
    public var message: String
    /// `ErrorInfo.reason`, e.g. `INSUFFICIENT_BALANCE`; nil when the code says it all.
    public var reason: String?
    /// `ErrorInfo.metadata`: facts a client can show or act on (e.g. the balance).
    public var metadata: [String: String]
    public var fieldViolations: [FieldViolation]

    public init(
        _ code: StatusCode,
        _ message: String,
        reason: String? = nil,
        metadata: [String: String] = [:],
        fieldViolations: [FieldViolation] = []
    ) {
        self.code = code
        self.message = message
        self.reason = reason
        self.metadata = metadata
        self.fieldViolations = Array(fieldViolations.prefix(Self.maxFieldViolations))
        if fieldViolations.count > Self.maxFieldViolations {
            self.metadata["field_violations"] = "\(fieldViolations.count)"
        }
    }

    /// An INVALID_ARGUMENT naming the fields at fault.
    public static func invalidArgument(_ message: String, violations: [FieldViolation]) -> RPCError {
        RPCError(.invalidArgument, message, reason: "INVALID_ARGUMENT", fieldViolations: violations)
    }

    /// INVALID_ARGUMENT whose message lists the first violations, each as `field description`.
    public static func invalidArgument(violations: [FieldViolation]) -> RPCError {
        var message = violations.prefix(3).map { "\($0.field) \($0.description)" }.joined(separator: "; ")
        if violations.count > 3 { message += "; and \(violations.count - 3) more" }
        return invalidArgument(message, violations: violations)
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let reason { text += " [\(reason)]" }
        for violation in fieldViolations {
            text += "\n  \(violation.field): \(violation.description)"
        }
        return text
    }
}

extension RPCError {
    /// Reads an error back from a status, unpacking the details Scenic knows.
    public init(status: Google_Rpc_Status) {
        self.init(StatusCode(rawValue: status.code), status.message)
        for detail in status.details {
            if let info = try? Google_Rpc_ErrorInfo(unpackingAny: detail) {
                reason = info.reason.isEmpty ? nil : info.reason
                for entry in info.metadata { metadata[entry.key] = entry.value }
            } else if let badRequest = try? Google_Rpc_BadRequest(unpackingAny: detail) {
                fieldViolations += badRequest.fieldViolations.map {
                    FieldViolation(field: $0.field, description: $0.description_p, reason: $0.reason)
                }
            }
        }
    }

    /// The status this error is sent as.
    public var status: Google_Rpc_Status {
        var status = Google_Rpc_Status()
        status.code = code.rawValue
        status.message = message
        if let reason {
            var info = Google_Rpc_ErrorInfo()
            info.reason = reason
            info.domain = Self.domain
            info.metadata = metadata.sorted { $0.key < $1.key }.map { key, value in
                var entry = Google_Rpc_ErrorInfo.MetadataEntry()
                entry.key = key
                entry.value = value
                return entry
            }
            if let packed = try? Google_Protobuf_Any(message: info) { status.details.append(packed) }
        }
        if !fieldViolations.isEmpty {
            var badRequest = Google_Rpc_BadRequest()
            badRequest.fieldViolations = fieldViolations.map {
                var violation = Google_Rpc_BadRequest.FieldViolation()
                violation.field = $0.field
                violation.description_p = $0.description
                violation.reason = $0.reason
                return violation
            }
            if let packed = try? Google_Protobuf_Any(message: badRequest) { status.details.append(packed) }
        }
        return status
    }
}

/// A domain error that knows which status it is sent as.
///
/// Services throw their own error types; the router turns any error conforming to this
/// protocol into its ``RPCError``, and every other error into INTERNAL.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}
