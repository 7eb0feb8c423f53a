import ScenicRPC
import ScenicStore

/// Storage outages are answered as retryable statuses: the call wrote nothing, and the
/// same call with the same request id succeeds once the operator clears the condition.
extension StorageFailure: RPCErrorConvertible {
    public var rpcError: RPCError {
        switch kind {
        case .full:
            RPCError(
                .resourceExhausted, "the data disk is full: nothing was written; retry once space is freed",
                reason: "STORAGE_FULL")
        case .busy:
            RPCError(
                .unavailable, "the database is locked by another program: nothing was written; retry shortly",
                reason: "STORAGE_BUSY")
        case .readOnly:
            RPCError(
                .unavailable, "the data directory cannot be written: nothing was written; retry once it is writable",
                reason: "STORAGE_READ_ONLY")
        case .ioError:
            RPCError(
                .unavailable, "the data disk failed an operation: nothing was written; retry shortly",
                reason: "STORAGE_IO_ERROR")
        case .unavailable:
            RPCError(
                .unavailable, "the database cannot be reached: retry shortly with the same request id",
                reason: "STORAGE_UNAVAILABLE")
        }
    }
}
