import ScenicRPC
import ScenicStore

extension CallContext {
    /// The audit stamp of a back-office call: the caller's Unix user and this method.
    func adminStamp(at now: Millis) -> AuditStamp {
        AuditStamp(actor: peer.map { "uid:\($0.uid)" } ?? "unknown", method: "\(service)/\(method)", at: now)
    }

    /// The audit stamp of a point-of-sale call made by `distributorID`.
    func distributorStamp(_ distributorID: Int64, at now: Millis) -> AuditStamp {
        AuditStamp(actor: "distributor:\(distributorID)", method: "\(service)/\(method)", at: now)
    }
}
