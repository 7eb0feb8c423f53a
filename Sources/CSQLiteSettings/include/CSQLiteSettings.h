#ifndef SCENIC_CSQLITE_SETTINGS_H
#define SCENIC_CSQLITE_SETTINGS_H

/// Sets SQLite's process-wide options for Scenic's use of it, which must precede SQLite's
/// initialization (the first connection opened): connections without a mutex of their
/// own (SQLITE_CONFIG_MULTITHREAD: GRDB never lets two threads use one connection at
/// once) and no memory statistics (SQLITE_CONFIG_MEMSTATUS off: Scenic reads none, and
/// keeping them takes a process-wide mutex at every allocation). sqlite3_config is
/// variadic, which Swift cannot call. Returns SQLITE_OK, or SQLITE_MISUSE when SQLite
/// was already initialized and nothing changed.
int scenic_sqlite_configure(void);

#endif
