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
    /// How long a new connection may take to send its first whole request before it is
    /// closed: a connection that sends nothing, or a few bytes, holds a place for nothing.
    public var firstFrameTimeout: Duration
    /// How long a connection with no call in flight may go without a whole request before
    /// it is closed. Bytes of an unfinished frame do not count.
    public var idleTimeout: Duration

    public init(
        maxFrameSize: Int = FrameDecoder.defaultMaxPayloadSize, maxCallsInFlight: Int = 128,
        stalledClientTimeout: Duration = .seconds(30), firstFrameTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(300)
    ) {
        precondition(
            maxFrameSize > 0 && maxCallsInFlight > 0 && stalledClientTimeout > .zero && firstFrameTimeout > .zero
                && idleTimeout > .zero)
        self.maxFrameSize = maxFrameSize
        self.maxCallsInFlight = maxCallsInFlight
        self.stalledClientTimeout = stalledClientTimeout
        self.firstFrameTimeout = firstFrameTimeout
        self.idleTimeout = idleTimeout
    }
}
