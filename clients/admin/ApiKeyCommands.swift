import ArgumentParser
import ScenicCLI
import ScenicClient

/// `scenic-admin distributor api-key create|list|revoke`: keys with which a distributor's
/// machines call the point-of-sale socket without a person's password.
extension DistributorCommand {
    struct ApiKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api-key",
            abstract: "API keys: how a distributor's machines call the point of sale without a password.",
            discussion: """
                A key may sell (sell, hold, confirm and release holds), refund, and read (the catalog, \
                availability, balance, ledger, vouchers, statements and events). The daemon keeps only its \
                SHA-256: the secret is shown once, at creation. A revoked key is refused from the very next call.
                """,
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a key for a distributor; its secret is shown this once.")

            @Argument(help: "The distributor's id.") var id: Int64
            @Option(help: "What the key is for, 1–64 characters, e.g. \"OTA backend\".") var name: String
            @Option(help: "What the key may do: sell, refund, read, comma separated (default: all three).", transform: ApiKeyScopeArgument.list)
            var scopes: [Scenic_V1_ApiKeyScope]?
            @Option(help: "The last day the key works, YYYY-MM-DD (default: no expiry).") var expires: String = ""
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                var request = Scenic_V1_CreateApiKeyRequest()
                request.distributorID = id
                request.name = name
                request.scopes = scopes ?? []
                request.expiresOn = expires
                let created = try await connection.withClient(AdminRole.self) { try await $0.createApiKey(request) }
                try Output.emit(created, json: connection.json) {
                    ApiKeyView.fields(created.key, secret: created.secret)
                        + "\nThis secret will not be shown again: store it now in a file only its user may read (for scenic-pos --api-key-file FILE)."
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A distributor's keys, newest first, revoked ones included.")
            @Argument(help: "The distributor's id.") var id: Int64
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let page = try await connection.withClient(AdminRole.self) { try await $0.apiKeys(distributorID: id) }
                try Output.emit(page, json: connection.json) {
                    Output.table(
                        ["ID", "NAME", "PREFIX", "SCOPES", "CREATED", "LAST USED", "EXPIRES", "REVOKED"],
                        page.keys.map {
                            ["\($0.id)", $0.name, $0.prefix, ApiKeyScopeArgument.words($0.scopes), $0.createdAt,
                             $0.lastUsedAt.isEmpty ? "never" : $0.lastUsedAt, ApiKeyView.expiry($0), $0.revokedAt]
                        })
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a key: the very next call made with it is refused.")
            @Argument(help: "The key's id (see `api-key list`).") var keyID: Int64
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let key = try await connection.withClient(AdminRole.self) { try await $0.revokeApiKey(id: keyID) }
                try Output.emit(key, json: connection.json) { ApiKeyView.fields(key) }
            }
        }
    }
}

/// `--scopes sell,refund,read`.
enum ApiKeyScopeArgument: String, CaseIterable {
    case sell, refund, read

    var proto: Scenic_V1_ApiKeyScope {
        switch self {
        case .sell: .sell
        case .refund: .refund
        case .read: .read
        }
    }

    /// `sell,read` in any case → the scopes in the order given.
    static func list(_ text: String) throws -> [Scenic_V1_ApiKeyScope] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            guard let scope = Self(rawValue: item.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationError("\(text): scopes are sell, refund and read, comma separated")
            }
            return scope.proto
        }
    }

    /// "sell, read"; "none" for a key that may do nothing.
    static func words(_ scopes: [Scenic_V1_ApiKeyScope]) -> String {
        let words = scopes.map { scope in allCases.first { $0.proto == scope }?.rawValue ?? "?" }
        return words.isEmpty ? "none" : words.joined(separator: ", ")
    }
}

/// How an API key reads in a terminal; never its secret, which the daemon does not keep.
enum ApiKeyView {
    /// With `secret` only when the key was just created, the one time it is known.
    static func fields(_ key: Scenic_V1_ApiKey, secret: String? = nil) -> String {
        var rows = [
            ("id", "\(key.id)"),
            ("distributor", "\(key.distributorID)"),
            ("name", key.name),
            ("prefix", key.prefix),
            ("scopes", ApiKeyScopeArgument.words(key.scopes)),
            ("created", key.createdAt),
            ("last used", key.lastUsedAt.isEmpty ? "never" : key.lastUsedAt),
            ("expires", expiry(key)),
            ("revoked", key.revokedAt.isEmpty ? "no" : key.revokedAt),
        ]
        if let secret { rows.append(("secret", secret)) }
        return Output.fields(rows)
    }

    /// "after 2026-12-31", or "never".
    static func expiry(_ key: Scenic_V1_ApiKey) -> String {
        key.expiresOn.isEmpty ? "never" : "after " + key.expiresOn
    }
}
