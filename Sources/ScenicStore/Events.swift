import Foundation
import GRDB

/// The event feed: rows written in the transaction of the change they report (so a
/// change and its event commit together or not at all), read in id order. SQLite's one
/// writer commits ids in increasing order, so a follower that resumes after the last id
/// it saw never skips an event that committed late.
extension SQLiteStore {
    public func events(after: Int64, limit: Int, distributorID: Int64?) async throws -> (events: [EventRecord], oldestKept: Int64) {
        try await read { db in
            // With none kept, the id after the last one used: a follower behind it still
            // learns that it missed events.
            let oldest = try Int64.fetchOne(
                db,
                sql: """
                    SELECT coalesce((SELECT min(id) FROM event), (SELECT seq + 1 FROM sqlite_sequence WHERE name = 'event'), 0)
                    """) ?? 0
            let events: [EventRecord]
            if let distributorID {
                // Two index walks merged, rather than an OR that would read every event.
                events = try EventRecord.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM (
                            SELECT * FROM (SELECT * FROM event WHERE distributor_id = ? AND id > ? ORDER BY id LIMIT ?)
                            UNION ALL
                            SELECT * FROM (SELECT * FROM event WHERE distributor_id IS NULL AND id > ? ORDER BY id LIMIT ?)
                        ) ORDER BY id LIMIT ?
                        """,
                    arguments: [distributorID, after, limit, after, limit, limit])
            } else {
                events = try EventRecord.fetchAll(db, sql: "SELECT * FROM event WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit])
            }
            return (events, oldest)
        }
    }

    /// Drops events older than `before`; answers how many.
    @discardableResult
    public func dropEvents(before: Millis) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM event WHERE at < ?", arguments: [before])
            return db.changesCount
        }
    }

    /// Writes a `voucher_expired` event for each voucher still valid whose last valid day
    /// is after the last day done and before `today`; answers how many.
    ///
    /// The vouchers are found on a reader, not in the write transaction: no index leads to
    /// them (one would cost every sale a page), and the scan must not hold up sales. What it
    /// finds cannot change meanwhile, since a voucher past its last day can no longer be
    /// redeemed or refunded.
    @discardableResult
    public func recordExpiredVouchers(today: String, at: Millis) async throws -> Int {
        let (done, through, expired) = try await read { db -> (String, String, [VoucherRecord]) in
            let done = try String.fetchOne(db, sql: "SELECT expiry_events_through FROM store_info") ?? ""
            let through = try String.fetchOne(db, sql: "SELECT date(?, '-1 day')", arguments: [today]) ?? today
            guard through > done else { return (done, through, []) }
            let expired = try VoucherRecord.fetchAll(
                db, sql: VoucherRecord.select + " WHERE voucher.status = 'valid' AND voucher.valid_until > ? AND voucher.valid_until <= ?",
                arguments: [done, through])
            return (done, through, expired)
        }
        guard through > done else { return 0 }
        return try await write { db in
            // Another sweep got here first.
            guard try String.fetchOne(db, sql: "SELECT expiry_events_through FROM store_info") == done else { return 0 }
            for voucher in expired { try EventRecord.voucher(.voucherExpired, voucher, at: at).append(db) }
            try db.execute(sql: "UPDATE store_info SET expiry_events_through = ?", arguments: [through])
            return expired.count
        }
    }

    static func availabilityChanged(
        _ db: Database, productCode: String, dates: CalendarDates?, distributorID: Int64? = nil, at: Millis
    ) throws {
        try EventRecord.availabilityChanged(productCode: productCode, dates: dates, distributorID: distributorID, at: at).append(db)
    }
}

extension EventRecord {
    /// Tells every distributor (or the one an allotment is for) that a product's calendar
    /// changed on some dates (nil: its booking rules, for every date).
    package static func availabilityChanged(productCode: String, dates: CalendarDates?, distributorID: Int64? = nil, at: Millis) -> EventRecord {
        var event = EventRecord(kind: .availabilityChanged, at: at, distributorID: distributorID)
        event.productCode = productCode
        event.dates = dates.map { "\($0.from)..\($0.to)" } ?? ""
        return event
    }
}
