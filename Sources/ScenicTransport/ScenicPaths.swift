import Foundation

/// Where scenicd keeps its data and sockets unless told otherwise, shared by the daemon
/// and the clients so that both agree without flags.
///
/// The data directory is `$SCENIC_DATA_DIR` when set, else `/var/lib/scenic` for root and
/// `$XDG_STATE_HOME/scenic` (default `~/.local/state/scenic`) for anyone else.
public enum ScenicPaths {
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["SCENIC_DATA_DIR"], !dir.isEmpty { return dir }
        if getuid() == 0 { return "/var/lib/scenic" }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/scenic" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/scenic"
    }

    /// Where the socket units of `packaging/systemd` put both sockets.
    public static let serviceSocketDirectory = "/run/scenic"

    /// The socket a client uses when neither `--socket` nor its `SCENIC_*_SOCKET` names
    /// one: `socket(inDataDirectory:)` of `$SCENIC_DATA_DIR` when that is set, else of
    /// /run/scenic when the installed service's socket is there, else of the default data
    /// directory, where a daemon started by hand puts it.
    public static func clientSocket(
        _ socket: (_ inDataDirectory: String) -> String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String {
        if let dir = environment["SCENIC_DATA_DIR"], !dir.isEmpty { return socket(dir) }
        let service = socket(serviceSocketDirectory)
        return exists(service) ? service : socket(defaultDataDirectory(environment: environment))
    }

    public static func adminSocket(inDataDirectory dir: String) -> String { dir + "/admin.sock" }
    public static func posSocket(inDataDirectory dir: String) -> String { dir + "/pos.sock" }
    public static func database(inDataDirectory dir: String) -> String { dir + "/scenic.sqlite3" }
}
