import ArgumentParser
import Foundation
import ScenicClient

/// `health`: asks the daemon whether it serves; exits 1 unless SERVING.
public struct HealthCommand<Role: ClientRole>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "health", abstract: "Check that the daemon is serving.")
    }

    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        let response = try await connection.withClient(Role.self) { try await $0.health() }
        try Output.emit(response, json: connection.json) { "\(response.status)".uppercased() }
        if response.status != .serving { throw ExitCode.failure }
    }
}

/// `info`: the daemon's version, schema version, uptime, and the methods this socket serves.
public struct InfoCommand<Role: ClientRole>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "info", abstract: "Show the daemon's version, schema and methods.")
    }

    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        let info = try await connection.withClient(Role.self) { try await $0.serverInfo() }
        try Output.emit(info, json: connection.json) {
            Output.fields([
                ("version", info.version),
                ("schema version", "\(info.schemaVersion)"),
                ("uptime", "\(info.uptimeSeconds)s"),
                ("socket", info.socket),
                ("methods", info.methods.joined(separator: "\n" + String(repeating: " ", count: 16))),
            ])
        }
    }
}

/// Runs a client's root command, printing a ``CommandFailure`` as one report instead of
/// ArgumentParser's generic error.
public func runClient<Root: AsyncParsableCommand>(_ root: Root.Type) async {
    do {
        var command = try Root.parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch let failure as CommandFailure {
        CommandFailure.exitReporting(failure)
    } catch let error as InputError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    } catch let error as CSVReader.Malformed {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    } catch {
        Root.exit(withError: error)
    }
}
