import GRDB

/// Statements run on every call of their kind (events, calendar counters, sessions),
/// compiled once per connection and reused: that saves SQLite's parse and plan on every
/// call (about a fifth of a millisecond a sale when the sale's statements were compiled
/// each time, measured with Benchmarks/floors' sqlite-sale-floor). The sale's own
/// statements go further and are stepped directly (``SteppedRow``).
extension Database {
    func executeCached(_ sql: String, _ arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func fetchOneCached<Record: FetchableRecord>(_: Record.Type, _ sql: String, _ arguments: StatementArguments) throws -> Record? {
        try Record.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}
