import ArgumentParser

/// Load generator and crash tester for scenicd: real processes, real sockets, real SQLite.
@main
struct ScenicBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenic-bench",
        abstract: "Measure scenicd under load, or kill it under load and check nothing was lost.",
        subcommands: [LoadCommand.self, CrashCommand.self, CrashWorkerCommand.self])
}
