import ArgumentParser
import Logging
import ScenicPostgres
import ScenicStore

/// Where the daemon keeps its state, as `--database` names it: an SQLite file of its own
/// (the default, in the data directory) or a PostgreSQL database that several daemons
/// may share.
enum DatabaseLocation {
    case sqlite(path: String)
    case postgresql(PostgresURL)

    /// `sqlite:PATH`, or a libpq URL (`postgresql://…` or `postgres://…`).
    init(_ text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ValidationError("--database: sqlite: needs a file path, e.g. sqlite:/var/lib/scenic/scenic.sqlite3") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            do {
                self = .postgresql(try PostgresURL(text))
            } catch {
                throw ValidationError("--database: \(error)")
            }
        } else {
            throw ValidationError("--database must be sqlite:PATH or a postgresql:// URL")
        }
    }

    /// Opens the store, migrating it first.
    func open(logger: Logger) async throws -> any Store {
        switch self {
        case .sqlite(let path): try SQLiteStore.open(at: path, logger: logger)
        case .postgresql(let url): try await PostgresStore.open(url, logger: logger)
        }
    }
}
