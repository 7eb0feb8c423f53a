/// Which socket a router serves. Each socket routes only its own methods, so the point of
/// sale socket cannot reach an admin method whatever a client sends.
public enum SocketRole: String, Sendable, CaseIterable {
    /// `admin.sock`: the back office, identified by Unix user.
    case admin
    /// `pos.sock`: distributors' points of sale, identified by session.
    case pointOfSale = "pos"
}
