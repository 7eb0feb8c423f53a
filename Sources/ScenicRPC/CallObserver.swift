/// Told of every call a socket answers, with the status it answered: what the daemon's
/// metrics count. Called on the connection's event loop: it must not block.
public protocol CallObserver: Sendable {
    /// `service` and `method` are empty for a call refused before it was routed (a
    /// malformed or oversized frame, a refused peer, shutting down).
    func answered(service: String, method: String, code: StatusCode, duration: Duration)
}
