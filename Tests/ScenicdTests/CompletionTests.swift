import Foundation
import Testing

/// The shell completions `make install` puts in place come from the built clients
/// themselves (ArgumentParser's `--generate-completion-script`): each must write one,
/// naming its commands, without an error.
@Suite("Shell completions")
struct CompletionTests {
    @Test("bash and zsh completions of both clients name their subcommands", arguments: [
        ("scenic-admin", "bash", ["distributor", "bind", "set-price", "calendar", "import", "set-credit", "refund-rules", "refunds"]),
        ("scenic-admin", "zsh", ["distributor", "bind", "set-price", "calendar", "import", "set-credit", "refund-rules", "refunds"]),
        ("scenic-pos", "bash", ["sell", "refund", "hold", "availability", "change-date", "refunds"]),
        ("scenic-pos", "zsh", ["sell", "refund", "hold", "availability", "change-date", "refunds"]),
    ])
    func script(program: String, shell: String, commands: [String]) async throws {
        let result = try await CommandResult.run(program, ["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(shell == "zsh" ? "#compdef \(program)" : "#!/bin/bash"), "\(result.stdout.prefix(80))")
        for command in commands {
            #expect(result.stdout.contains(command), "\(program) \(shell): no \(command)")
        }
    }

    @Test("the bash completions are bash that parses", arguments: ["scenic-admin", "scenic-pos"])
    func bashParses(program: String) async throws {
        let script = try await CommandResult.run(program, ["--generate-completion-script", "bash"])
        let check = try await CommandResult.run(absolute: "/bin/bash", ["-n"], input: script.stdout)
        #expect(check.status == 0, "\(check.stderr)")
    }
}
