import ScenicRPC

/// How much one server connection may ask of the daemon at once.
public struct ConnectionLimits: Sendable {
    /// Largest frame payload accepted; a larger one is answered RESOURCE_EXHAUSTED.
    public var maxFrameSize: Int
    /// Calls in flight (running, or answered but not yet written to the socket) per
    /// connection. At the bound the daemon stops reading from that socket.
    public var maxCallsInFlight: Int
    /// How long answers may wait for a client that has stopped reading them before the
    /// connection is closed. Back-pressure bounds what such a client costs; this frees it.
    public var stalledClientTimeout: Duration

    public init(
        maxFrameSize: Int = FrameDecoder.defaultMaxPayloadSize, maxCallsInFlight: Int = 128,
        stalledClientTimeout: Duration = .seconds(30)
    ) {
        precondition(maxFrameSize > 0 && maxCallsInFlight > 0 && stalledClientTimeout > .zero)
        self.maxFrameSize = maxFrameSize
        self.maxCallsInFlight = maxCallsInFlight
        self.stalledClientTimeout = stalledClientTimeout
    }
}
