import GRDB

/// The money paths run the same few statements for every sale: compiling each once per
/// connection and reusing it saves SQLite's parse and plan on every call (about a fifth
/// of a millisecond per sale, measured with Benchmarks/floors' sqlite-sale-floor).
extension Database {
    func executeCached(_ sql: String, _ arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func fetchOneCached<Record: FetchableRecord>(_: Record.Type, _ sql: String, _ arguments: StatementArguments) throws -> Record? {
        try Record.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchOneCached(_: Row.Type, _ sql: String, _ arguments: StatementArguments) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func fetchOneCached<Value: DatabaseValueConvertible & StatementColumnConvertible>(
        _: Value.Type, _ sql: String, _ arguments: StatementArguments
    ) throws -> Value? {
        try Value.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}
