import ScenicRPC

/// How much one server connection may ask of the daemon at once.
public struct ConnectionLimits: Sendable {
    /// Largest frame payload accepted; a larger one is answered RESOURCE_EXHAUSTED.
    public var maxFrameSize: Int
    /// Calls in flight (running, or answered but not yet written to the socket) per
    /// connection. At the bound the daemon stops reading from that socket.
    public var maxCallsInFlight: Int

    public init(maxFrameSize: Int = FrameDecoder.defaultMaxPayloadSize, maxCallsInFlight: Int = 128) {
        precondition(maxFrameSize > 0 && maxCallsInFlight > 0)
        self.maxFrameSize = maxFrameSize
        self.maxCallsInFlight = maxCallsInFlight
    }
}
