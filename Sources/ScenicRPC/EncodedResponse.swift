import Foundation
import SwiftProtobuf

/// A response message encoded ahead, for a method's answers given at once (see
/// ``Router/register(service:method:answerNow:handler:)``): such answers repeat (a health
/// check has three), and encoding one on every call cost more than the rest of answering it.
public struct EncodedResponse<Message: SwiftProtobuf.Message>: Sendable {
    /// The answer, for callers that want it as a message (a handler's async path).
    public let message: Message
    /// The message in protobuf's binary form.
    public let bytes: Data

    /// Fails only for a message missing proto2 required fields; Scenic's are proto3.
    public init(_ message: Message) throws {
        self.message = message
        bytes = try message.serializedData()
    }
}
