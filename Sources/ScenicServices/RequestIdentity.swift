import Crypto
import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore
import SwiftProtobuf

/// Request ids: what makes a retried call safe.
enum RequestIdentity {
    /// The key for `request`: the fingerprint covers every field but the id, so the same
    /// id with other content is told apart. nil for no id. A request holding personal data
    /// passes a keyed `digest`, so that the stored fingerprint cannot be searched for it.
    static func key(
        _ request: some IdentifiedRequest, scope: String, context: CallContext,
        digest: (Data) -> Data = { Data(SHA256.hash(data: $0)) }
    ) throws -> RequestKey? {
        let id = request.requestID
        guard !id.isEmpty else { return nil }
        // Printable ASCII is 0x20 (space) to 0x7E: what PROTOCOL.md promises, no control character.
        guard id.utf8.count <= 64, id.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw RPCError.invalidArgument(
                "request_id must be 1–64 printable ASCII characters",
                violations: [.init(field: "request_id", description: "must be 1–64 printable ASCII characters", reason: "INVALID_REQUEST_ID")])
        }
        var content = request
        content.requestID = ""
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        let bytes: Data = try content.serializedData(options: options)
        return RequestKey(
            scope: scope, requestID: id, method: "\(context.service)/\(context.method)", fingerprint: digest(bytes))
    }

    /// The response of a first call (built by `make`) or of the call it repeats (stored).
    static func response<Value: Sendable, Response: SwiftProtobuf.Message>(_ outcome: Once<Value>, _ make: (Value) -> Response) throws -> Response {
        switch outcome {
        case .first(let value): make(value)
        case .replay(let stored): try Response(serializedBytes: stored)
        }
    }
}

/// A request that carries a `request_id` (field 1 of every state-changing money call).
protocol IdentifiedRequest: SwiftProtobuf.Message {
    var requestID: String { get set }
}

extension Scenic_V1_RechargeRequest: IdentifiedRequest {}
extension Scenic_V1_AdjustRequest: IdentifiedRequest {}
extension Scenic_V1_SellRequest: IdentifiedRequest {}
extension Scenic_V1_RefundRequest: IdentifiedRequest {}
extension Scenic_V1_RedeemRequest: IdentifiedRequest {}
extension Scenic_V1_CheckInRequest: IdentifiedRequest {}
extension Scenic_V1_ChangeDateRequest: IdentifiedRequest {}
extension Scenic_V1_DecideRefundRequest: IdentifiedRequest {}
