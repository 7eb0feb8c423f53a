import ScenicPostgres
import Testing

@Suite("PostgreSQL connection URLs")
struct PostgresURLTests {
    @Test("a TCP host with port, user, password and database")
    func tcp() throws {
        let url = try PostgresURL("postgresql://scenic:s%40cret@db.example:6432/park?sslmode=require")
        #expect(url.hosts == [.tcp(name: "db.example", port: 6432)])
        #expect(url.user == "scenic")
        #expect(url.password == "s@cret")
        #expect(url.database == "park")
        #expect(url.tls == .require)
        #expect(!url.requiresReadWrite)
        #expect(url.redacted == "postgresql://scenic@db.example:6432/park")
    }

    @Test("a Unix socket folder, percent-encoded as the host or given as ?host=")
    func unixSocket() throws {
        let encoded = try PostgresURL("postgresql://postgres@%2Ftmp%2Fpg/scenic")
        #expect(encoded.hosts == [.unixSocket(folder: "/tmp/pg", port: 5432)])
        let parameter = try PostgresURL("postgresql:///scenic?host=/tmp/pg&port=5433&user=postgres")
        #expect(parameter.hosts == [.unixSocket(folder: "/tmp/pg", port: 5433)])
        #expect(parameter.user == "postgres")
        #expect(parameter.database == "scenic")
    }

    @Test("no host: Debian's socket folder; no user: the default one; no database: the user's name")
    func defaults() throws {
        let url = try PostgresURL("postgresql://", defaultUser: "scenic")
        #expect(url.hosts == [.unixSocket(folder: "/var/run/postgresql", port: 5432)])
        #expect(url.user == "scenic")
        #expect(url.database == "scenic")
        #expect(url.password == nil)
        #expect(url.tls == .prefer)
        #expect(url.connectTimeout == .seconds(10))
    }

    @Test("a primary and a standby: both hosts in order, each with its port, writes required")
    func severalHosts() throws {
        let url = try PostgresURL(
            "postgres://scenic@pg-a:5432,pg-b:5433,[fd00::7]/scenic?target_session_attrs=read-write&connect_timeout=3")
        #expect(url.hosts == [.tcp(name: "pg-a", port: 5432), .tcp(name: "pg-b", port: 5433), .tcp(name: "fd00::7", port: 5432)])
        #expect(url.requiresReadWrite)
        #expect(url.connectTimeout == .seconds(3))
        let ports = try PostgresURL("postgresql:///scenic?host=/run/a,/run/b&port=5432,5433")
        #expect(ports.hosts == [.unixSocket(folder: "/run/a", port: 5432), .unixSocket(folder: "/run/b", port: 5433)])
    }

    @Test(
        "what cannot be read is refused, naming the part at fault",
        arguments: [
            ("mysql://localhost/scenic", "scheme"),
            ("postgresql://localhost:99999/scenic", "port"),
            ("postgresql://localhost:x/scenic", "port"),
            ("postgresql://localhost/scenic?sslmode=verify-full", "sslmode"),
            ("postgresql://localhost/scenic?target_session_attrs=standby", "target_session_attrs"),
            ("postgresql://localhost/scenic?connect_timeout=0", "connect_timeout"),
            ("postgresql://localhost/scenic?pool_size=4", "pool_size"),
            ("postgresql://a,,b/scenic", "host"),
            ("postgresql:///scenic?host=/a,/b&port=1,2,3", "port"),
            ("postgresql://us%ZZer@localhost/scenic", "user"),
        ])
    func refused(text: String, field: String) {
        let error = #expect(throws: PostgresURLError.self) { try PostgresURL(text) }
        #expect(error?.field == field, "\(String(describing: error))")
    }
}
