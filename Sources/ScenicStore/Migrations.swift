import GRDB

/// The schema, one named migration per change, applied in order at start-up. A
/// migration that has shipped is never edited: a change is a new migration.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_store_info") { db in
            // One row describing the store itself.
            try db.execute(sql: """
                CREATE TABLE store_info (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ) STRICT;
                INSERT INTO store_info (id) VALUES (1);
                """)
        }
        return migrator
    }
}
