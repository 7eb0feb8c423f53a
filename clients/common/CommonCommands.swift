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
        let (info, storage) = try await connection.withClient(Role.self) { client in
            let info = try await client.serverInfo()
            // The store's size is the back office's to see.
            return (info, info.socket == "admin" ? try await client.storage() : nil)
        }
        try Output.emit(info, json: connection.json) {
            Output.fields(
                [
                    ("version", info.version),
                    ("schema version", "\(info.schemaVersion)"),
                    ("uptime", "\(info.uptimeSeconds)s"),
                    ("socket", info.socket),
                    ("time zone", info.timeZone),
                ]
                    + (storage.map { storage in
                        [
                            ("data directory", storage.dataDirectory),
                            ("database", Output.bytes(storage.databaseBytes)),
                            ("WAL", Output.bytes(storage.walBytes)),
                            ("free disk", Output.bytes(storage.freeDiskBytes)),
                        ]
                    } ?? [])
                    + [("methods", info.methods.joined(separator: "\n" + String(repeating: " ", count: 16)))])
        }
    }
}

/// Runs a client's root command, printing a ``CommandFailure`` as one report instead of
/// ArgumentParser's generic error. Arguments ArgumentParser would mishandle are refused
/// first (see ``RefusedArgument``).
public func runClient<Root: AsyncParsableCommand>(_ root: Root.Type) async {
    RefusedArgument.screenProcessArguments()
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

/// `call SERVICE/METHOD --data JSON`: any method, JSON in and out; an integrator's curl.
public struct CallCommand<Role: ClientRole>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "call",
            abstract: "Call any method with a JSON request (protobuf's JSON mapping) and print the JSON answer.",
            discussion: "For example: call scenic.v1.System/ServerInfo --data '{}'. The point of sale sends its API key, else its session, if it has one.")
    }

    @Argument(help: "The method, as service/method.") var method: String
    @Option(help: "The request as JSON (default {}).") var data: String = "{}"
    @OptionGroup var credentials: CredentialOptions
    @OptionGroup public var connection: ConnectionOptions

    public init() {}

    public func run() async throws {
        let metadata = Role.self == AdminRole.self ? [:] : try credentials.metadataIfAny()
        let answer = try await connection.withClient(Role.self, metadata: metadata) {
            try await ScenicMethods.callJSON($0, method, json: data)
        }
        print(try ProtoJSON.text(answer))
    }
}
