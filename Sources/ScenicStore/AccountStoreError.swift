/// A write the store refused because of the data it holds; services map each to a status.
public enum AccountStoreError: Error, Equatable {
    case distributorNotFound(Int64)
    /// Another distributor already has this phone.
    case phoneTaken(String)
}
