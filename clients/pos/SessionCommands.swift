import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-pos login`: signs in with the phone and password; keeps the token in the session file.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Log in with your phone number and password.")

    @Option(help: "Your phone number, the login the back office registered.") var phone: String
    @Flag(help: "Read the password from standard input instead of a prompt.") var passwordStdin = false
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let password = try PasswordInput.read(prompt: "Password: ", fromStandardInput: passwordStdin)
        let login = try await connection.withClient(PointOfSaleRole.self) { try await $0.login(phone: phone, password: password) }
        try SessionFile(token: login.sessionToken, phone: phone, expiresAt: login.expiresAt).save(to: session.path)
        var shown = login
        shown.sessionToken = ""  // kept in the session file, never printed
        try Output.emit(shown, json: connection.json) {
            var text = "Logged in as \(login.distributorName) until \(login.expiresAt)."
            if login.passwordChangeRequired {
                text += "\nThis is an initial password: choose your own with `scenic-pos passwd` before anything else."
            }
            return text
        }
    }
}

/// `scenic-pos passwd`: replaces the password (required after an initial one).
struct Passwd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change your password (at least 8 characters).",
        discussion: "With --password-stdin, the old and the new password are read as two lines.")

    @Flag(help: "Read the old and the new password from standard input, one per line.") var passwordStdin = false
    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        let old = try PasswordInput.read(prompt: "Current password: ", fromStandardInput: passwordStdin)
        let new = try PasswordInput.read(prompt: "New password: ", fromStandardInput: passwordStdin)
        if !passwordStdin {
            let again = try PasswordInput.read(prompt: "New password again: ", fromStandardInput: false)
            guard again == new else { throw InputError("the new passwords do not match") }
        }
        try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) {
            try await $0.changePassword(old: old, new: new)
        }
        if connection.json { print("{}") } else { print("Password changed.") }
    }
}

/// `scenic-pos whoami`: the distributor the call's credential (a login or an API key) belongs to, and the balance.
struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show your name, phone, status and balance.")

    @OptionGroup var credentials: CredentialOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let metadata = try credentials.metadata()
        let me = try await connection.withClient(PointOfSaleRole.self, metadata: metadata) { try await $0.whoAmI() }
        try Output.emit(me, json: connection.json) {
            var rows = [
                ("distributor", "\(me.name) (id \(me.distributorID))"),
                ("phone", me.phone),
                ("status", me.status == .active ? "active" : "disabled"),
            ]
            rows += MoneyViews.balanceRows(
                balanceFen: me.balanceFen, heldFen: me.heldFen, creditLimitFen: me.creditLimitFen, creditUsedFen: me.creditUsedFen,
                availableFen: me.availableFen)
            // A session is the usual way; a key is worth naming, since it may sell unattended.
            if me.credential.hasPrefix("api-key:") { rows.append(("calling with", "API key " + me.credential.dropFirst("api-key:".count))) }
            return Output.fields(rows)
        }
    }
}

/// `scenic-pos logout`: ends the session on the daemon and removes the session file.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End your session.")

    @OptionGroup var session: SessionOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let saved = try SessionFile.load(from: session.path)
        do {
            try await connection.withClient(PointOfSaleRole.self, metadata: saved.metadata) { try await $0.logout() }
        } catch let failure as CommandFailure where failure.error.code == .unauthenticated {
            // Already over on the daemon's side; forgetting it here is all that is left.
        }
        SessionFile.remove(at: session.path)
        if connection.json { print("{}") } else { print("Logged out.") }
    }
}
