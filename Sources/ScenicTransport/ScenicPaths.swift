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

    public static func adminSocket(inDataDirectory dir: String) -> String { dir + "/admin.sock" }
    public static func posSocket(inDataDirectory dir: String) -> String { dir + "/pos.sock" }
    public static func database(inDataDirectory dir: String) -> String { dir + "/scenic.sqlite3" }
}
