import Logging
import PostgresNIO
import ScenicStore

/// The event feed on a shared database. Transactions that write events take turns on an
/// advisory lock from their first event to their commit, so events commit in id order
/// and a follower that resumes after the last id it saw skips none. Each commit notifies
/// `scenic_events`, which rings the event bell of every daemon's store.
extension PostgresStore {
    /// The channel the commits of events notify.
    static let eventChannel = "scenic_events"
    /// The advisory lock the transactions writing events take turns on: "events" read as a number.
    static let eventLock: Int64 = 0x6576_656E_7473

    public func events(after: Int64, limit: Int, distributorID: Int64?) async throws -> (events: [EventRecord], oldestKept: Int64) {
        try await read { transaction in
            // With none kept, the id after the last one drawn: a follower behind it still
            // learns that it missed events.
            let oldest = try await transaction.value(
                Int64.self,
                """
                SELECT coalesce((SELECT min(id) FROM event),
                    (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM event_id_seq))
                """) ?? 0
            let events = try await transaction.all(
                EventRecord.self,
                """
                SELECT * FROM event
                WHERE id > \(after) AND (\(distributorID)::bigint IS NULL OR distributor_id = \(distributorID) OR distributor_id IS NULL)
                ORDER BY id LIMIT \(limit)
                """)
            return (events, oldest)
        }
    }

    /// Drops events older than `before`; answers how many.
    @discardableResult
    public func dropEvents(before: Millis) async throws -> Int {
        try await write { try await $0.rows("DELETE FROM event WHERE at < \(before) RETURNING id").count }
    }

    /// Writes a `voucher_expired` event for each voucher still valid whose last valid day
    /// is after the last day done and before `today`; answers how many. Daemons sweeping
    /// at once take turns on the store's row, and the later finds the days done.
    @discardableResult
    public func recordExpiredVouchers(today: String, at: Millis) async throws -> Int {
        try await write { transaction in
            let row = try await transaction.rows("SELECT expiry_events_through FROM store_info FOR UPDATE").first
            let done: String = row?["expiry_events_through"] ?? ""
            let through = CalendarDates.dayNumber(today).map { CalendarDates.date(dayNumber: $0 - 1) } ?? today
            guard through > done else { return 0 }
            // One statement, so that the lock the transactions writing events take turns on
            // is held for it alone, not for a round trip a voucher.
            try await transaction.takeEventTurn()
            let written = try await transaction.rows(
                """
                INSERT INTO event (at, kind, distributor_id, voucher_code, product_code, amount_fen)
                SELECT \(at), \(EventRecord.Kind.voucherExpired.rawValue), voucher.distributor_id, voucher.code, product.code,
                    voucher.settlement_price_fen
                FROM voucher JOIN product ON product.id = voucher.product_id
                WHERE voucher.status = 'valid' AND voucher.valid_until > \(CivilDate(done.isEmpty ? "1970-01-01" : done))
                    AND voucher.valid_until <= \(CivilDate(through))
                ORDER BY voucher.id
                RETURNING id
                """
            ).count
            if written > 0 { try await transaction.run("SELECT pg_notify(\(PostgresStore.eventChannel), '')") }
            try await transaction.run("UPDATE store_info SET expiry_events_through = \(CivilDate(through))")
            return written
        }
    }

    /// Rings `bell` whenever a transaction that wrote events commits, on any daemon, until
    /// cancelled; listens again after a lost connection, ringing once in case it missed one.
    static func ringOnEvents(_ bell: EventBell, database: PostgresDatabase, logger: Logger) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do {
                    try await database.withConnection { connection in
                        try await connection.listen(on: eventChannel) { notifications in
                            bell.ring()
                            for try await _ in notifications { bell.ring() }
                        }
                    }
                } catch {
                    guard !Task.isCancelled else { return }
                    logger.warning("event notifications lost; listening again", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}

extension PostgresTransaction {
    /// Waits for the transactions writing events before this one to commit, and holds
    /// the others back until this one does.
    func takeEventTurn() async throws {
        try await run("SELECT pg_advisory_xact_lock(\(PostgresStore.eventLock))")
    }

    /// Writes the event in the transaction of the change it reports, after the
    /// transactions writing events before it have committed.
    func append(_ event: EventRecord) async throws {
        try await takeEventTurn()
        try await run(
            """
            INSERT INTO event (at, kind, distributor_id, voucher_code, hold_id, product_code, amount_fen, balance_fen, dates)
            VALUES (\(event.at), \(event.kind.rawValue), \(event.distributorID), \(event.voucherCode), \(event.holdID),
                \(event.productCode), \(event.amountFen), \(event.balanceFen), \(event.dates))
            """)
        try await run("SELECT pg_notify(\(PostgresStore.eventChannel), '')")
    }
}
