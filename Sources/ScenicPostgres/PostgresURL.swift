import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is and how to log in to it, read from a connection URL of
/// the form libpq and `psql` take:
///
///     postgresql://[user[:password]@][host[:port][,host[:port]...]][/database][?parameter=value&...]
///
/// A host that starts with `/` (percent-encoded in the host part, `%2Frun%2Fpostgresql`,
/// or given as `?host=/run/postgresql`) is the folder of the server's Unix socket. With
/// no host at all the server is reached through Debian's socket folder,
/// `/var/run/postgresql`. The parameters understood are `host`, `port`, `user`,
/// `password`, `dbname`, `sslmode` (`disable`, `prefer`, `require`),
/// `target_session_attrs` (`any`, `read-write`: with several hosts, the first that takes
/// writes) and `connect_timeout` (seconds); any other is refused, so a misspelt one is
/// not silently ignored.
public struct PostgresURL: Sendable, Equatable {
    /// One server to try.
    public enum Host: Sendable, Equatable, CustomStringConvertible {
        case tcp(name: String, port: Int)
        /// The server's socket is `folder/.s.PGSQL.<port>`.
        case unixSocket(folder: String, port: Int)

        /// As the URL names it: `name:port`, `[v6 address]:port` or `folder:port`.
        public var description: String {
            switch self {
            case .tcp(let name, let port): name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
            case .unixSocket(let folder, let port): "\(folder):\(port)"
            }
        }
    }

    /// Whether the connection is encrypted. Unix sockets never are.
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    /// The servers, in the order they are tried.
    public var hosts: [Host]
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Only a server that takes writes will do: a standby is passed over.
    public var requiresReadWrite: Bool
    public var connectTimeout: Duration

    public static let defaultSocketFolder = "/var/run/postgresql"
    public static let defaultPort = 5432

    /// Reads `text`; `defaultUser` stands where the URL names no user (libpq takes the
    /// operating system's user name).
    public init(_ text: String, defaultUser: String = ProcessInfo.processInfo.userName) throws(PostgresURLError) {
        var rest = Substring(text)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.hasPrefix($0) }) else {
            throw PostgresURLError(field: "scheme", reason: "a PostgreSQL URL starts with postgresql://")
        }
        rest = rest.dropFirst(scheme.count)
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decode(credentials[..<colon], field: "user")
                password = try Self.decode(credentials[credentials.index(after: colon)...], field: "password")
            } else {
                user = try Self.decode(credentials, field: "user")
            }
        }
        var hostNames: [(name: String, port: Int?)] = []
        if !rest.isEmpty {
            for host in rest.split(separator: ",", omittingEmptySubsequences: false) { hostNames.append(try Self.hostAndPort(host)) }
        }
        var database = path.isEmpty ? nil : try Self.decode(path, field: "database")
        var tls = TLSMode.prefer
        var requiresReadWrite = false
        var connectTimeout = Duration.seconds(10)
        var ports: [Int]?

        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], field: "parameter")
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", field: name)
            switch name {
            case "host": hostNames = value.split(separator: ",", omittingEmptySubsequences: false).map { (String($0), nil) }
            case "port":
                var list: [Int] = []
                for port in value.split(separator: ",") { list.append(try Self.port(port)) }
                ports = list
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresURLError(field: "sslmode", reason: "is disable, prefer or require, not \"\(value)\"")
                }
                tls = mode
            case "target_session_attrs":
                switch value {
                case "any": requiresReadWrite = false
                case "read-write": requiresReadWrite = true
                default: throw PostgresURLError(field: "target_session_attrs", reason: "is any or read-write, not \"\(value)\"")
                }
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw PostgresURLError(field: "connect_timeout", reason: "is a whole number of seconds above 0, not \"\(value)\"")
                }
                connectTimeout = .seconds(seconds)
            default:
                throw PostgresURLError(field: name, reason: "is not a parameter Scenic understands")
            }
        }

        if hostNames.isEmpty { hostNames = [(Self.defaultSocketFolder, nil)] }
        if let ports, ports.count != 1, ports.count != hostNames.count {
            throw PostgresURLError(field: "port", reason: "names \(ports.count) ports for \(hostNames.count) hosts")
        }
        hosts = []
        for (index, host) in hostNames.enumerated() {
            guard !host.name.isEmpty else { throw PostgresURLError(field: "host", reason: "is empty") }
            let port = host.port ?? ports.map { $0.count == 1 ? $0[0] : $0[index] } ?? Self.defaultPort
            hosts.append(host.name.hasPrefix("/") ? .unixSocket(folder: host.name, port: port) : .tcp(name: host.name, port: port))
        }
        self.user = user.flatMap { $0.isEmpty ? nil : $0 } ?? defaultUser
        self.password = password
        self.database = database.flatMap { $0.isEmpty ? nil : $0 } ?? self.user
        self.tls = tls
        self.requiresReadWrite = requiresReadWrite
        self.connectTimeout = connectTimeout
    }

    /// The URL as a log may show it: the password left out.
    public var redacted: String {
        "postgresql://\(user)@\(hosts.map(\.description).joined(separator: ","))/\(database)"
    }

    private static func hostAndPort(_ text: Substring) throws(PostgresURLError) -> (name: String, port: Int?) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let name = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw PostgresURLError(field: "host", reason: "\"\(text)\" is not host:port") }
            return (name, after.isEmpty ? nil : try port(after.dropFirst()))
        }
        let decoded = try decode(text, field: "host")
        if !decoded.hasPrefix("/"), let colon = text.lastIndex(of: ":") {
            return (try decode(text[..<colon], field: "host"), try port(text[text.index(after: colon)...]))
        }
        return (decoded, nil)
    }

    private static func port(_ text: Substring) throws(PostgresURLError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw PostgresURLError(field: "port", reason: "is a number from 1 to 65535, not \"\(text)\"")
        }
        return port
    }

    private static func decode(_ text: Substring, field: String) throws(PostgresURLError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw PostgresURLError(field: field, reason: "has a broken %-escape")
        }
        return decoded
    }
}

/// A connection URL that cannot be read, and the part of it at fault.
public struct PostgresURLError: Error, Equatable, CustomStringConvertible {
    /// The part of the URL or the query parameter at fault.
    public let field: String
    public let reason: String

    public var description: String { "database URL: \(field) \(reason)" }
}

extension PostgresURL {
    /// What postgres-nio's pool needs to reach `host` as this URL says.
    public func clientConfiguration(host: Host, maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch host {
        case .unixSocket(let folder, let port):
            configuration = .init(unixSocketPath: Self.socketPath(folder, port), username: user, password: password, database: database)
        case .tcp(let name, let port):
            let tls: PostgresClient.Configuration.TLS =
                switch self.tls {
                case .disable: .disable
                case .prefer: .prefer(.makeClientConfiguration())
                case .require: .require(.makeClientConfiguration())
                }
            configuration = .init(host: name, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = Self.startupParameters
        return configuration
    }

    /// What one connection of its own needs to reach `host` as this URL says.
    public func connectionConfiguration(host: Host) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch host {
        case .unixSocket(let folder, let port):
            configuration = .init(unixSocketPath: Self.socketPath(folder, port), username: user, password: password, database: database)
        case .tcp(let name, let port):
            let tls: PostgresConnection.Configuration.TLS =
                switch self.tls {
                case .disable: .disable
                case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            configuration = .init(host: name, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
        configuration.options.additionalStartupParameters = Self.startupParameters
        return configuration
    }

    private static let startupParameters = [("application_name", "scenicd")]

    private static func socketPath(_ folder: String, _ port: Int) -> String { "\(folder)/.s.PGSQL.\(port)" }
}
