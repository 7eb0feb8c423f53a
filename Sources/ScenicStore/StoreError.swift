/// Why the store cannot be opened or used.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// Another process (a second scenicd) holds the database.
    case locked(path: String, holder: String?)
    /// A setting the money paths rely on did not take.
    case unsafeSetting(String)
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .locked(let path, let holder):
            "another scenicd\(holder.map { " (pid \($0))" } ?? "") holds \(path)"
        case .unsafeSetting(let detail):
            "the database refused a required setting: \(detail)"
        case .cannotCreate(let path, let reason):
            "cannot create \(path): \(reason)"
        }
    }
}
