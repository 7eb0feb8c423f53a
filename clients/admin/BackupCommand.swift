import ArgumentParser
import Foundation
import ScenicCLI
import ScenicClient

/// `scenic-admin backup FILE`: a consistent copy of the database while the daemon runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the database while scenicd keeps serving.",
        discussion: """
            The daemon writes FILE itself (with its own permissions), checks it with SQLite's \
            integrity_check, and refuses to overwrite. To restore: stop scenicd, copy FILE to \
            DATA_DIR/scenic.sqlite3 (removing any scenic.sqlite3-wal and -shm there), start scenicd.
            """)

    @Argument(help: "Where to write the copy; a relative path is taken from here.") var file: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let path = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        let backup = try await connection.withClient(AdminRole.self) { try await $0.backup(to: path) }
        try Output.emit(backup, json: connection.json) {
            "backup written to \(backup.path): \(backup.sizeBytes) bytes, integrity \(backup.integrity), \(backup.durationMs) ms"
        }
    }
}
