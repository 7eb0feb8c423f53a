import ScenicClient

/// Which socket a command-line client talks to by default.
public protocol ClientRole {
    /// The socket used when neither `--socket` nor `SCENIC_*_SOCKET` says otherwise.
    static var defaultSocketPath: String { get }
    /// The environment variable naming the socket, e.g. `SCENIC_ADMIN_SOCKET`.
    static var socketEnvironmentVariable: String { get }
}

public enum AdminRole: ClientRole {
    public static var defaultSocketPath: String {
        ScenicPaths.clientSocket(ScenicPaths.adminSocket(inDataDirectory:))
    }
    public static let socketEnvironmentVariable = "SCENIC_ADMIN_SOCKET"
}

public enum PointOfSaleRole: ClientRole {
    public static var defaultSocketPath: String {
        ScenicPaths.clientSocket(ScenicPaths.posSocket(inDataDirectory:))
    }
    public static let socketEnvironmentVariable = "SCENIC_POS_SOCKET"
}
