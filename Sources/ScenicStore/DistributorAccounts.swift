import GRDB

/// The distributor account writes: each one transaction that keeps the account, its
/// sessions, the audit log and the SMS outbox in step.
extension SQLiteStore {
    public func distributor(id: Int64) async throws -> DistributorRecord? {
        try await read { try Self.fetchDistributor($0, id: id) }
    }

    public func distributor(phone: String) async throws -> DistributorRecord? {
        try await read { try DistributorRecord.fetchOne($0, sql: "SELECT * FROM distributor WHERE phone = ?", arguments: [phone]) }
    }

    public func distributors(
        status: DistributorRecord.Status?, matching query: String, afterID: Int64, limit: Int
    ) async throws -> [DistributorRecord] {
        try await read { db in
            var sql = "SELECT * FROM distributor WHERE id > ?"
            var arguments: StatementArguments = [afterID]
            if let status {
                sql += " AND status = ?"
                arguments += [status.rawValue]
            }
            if !query.isEmpty {
                sql += " AND (instr(name, ?) > 0 OR instr(phone, ?) > 0)"
                arguments += [query, query]
            }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try DistributorRecord.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    public func createDistributor(
        name: String, phone: String, passwordHash: String, sms: OutgoingSMS, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { db in
            try Self.requirePhoneFree(db, phone: phone, except: nil)
            try db.execute(
                sql: """
                    INSERT INTO distributor (name, phone, password_hash, password_is_initial, created_at, updated_at)
                    VALUES (?, ?, ?, 1, ?, ?)
                    """,
                arguments: [name, phone, passwordHash, stamp.at, stamp.at])
            let id = db.lastInsertedRowID
            try sms.enqueue(db, at: stamp.at)
            try stamp.record(db, target: "distributor:\(id)", summary: "created \"\(name)\", phone \(phone)")
            return try Self.requireDistributor(db, id: id)
        }
    }

    public func updateDistributor(
        id: Int64, name: String?, phone: String?, sms: OutgoingSMS?, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { db in
            let before = try Self.requireDistributor(db, id: id)
            var changes: [String] = []
            if let name, name != before.name {
                try db.execute(sql: "UPDATE distributor SET name = ? WHERE id = ?", arguments: [name, id])
                changes.append("name \"\(before.name)\" → \"\(name)\"")
            }
            if let phone, phone != before.phone {
                try Self.requirePhoneFree(db, phone: phone, except: id)
                try db.execute(sql: "UPDATE distributor SET phone = ? WHERE id = ?", arguments: [phone, id])
                try sms?.enqueue(db, at: stamp.at)
                changes.append("phone \(before.phone) → \(phone)")
            }
            guard !changes.isEmpty else { return before }
            try db.execute(sql: "UPDATE distributor SET updated_at = ? WHERE id = ?", arguments: [stamp.at, id])
            try stamp.record(db, target: "distributor:\(id)", summary: changes.joined(separator: "; "))
            return try Self.requireDistributor(db, id: id)
        }
    }

    public func setDistributorStatus(id: Int64, _ status: DistributorRecord.Status, stamp: AuditStamp) async throws -> DistributorRecord {
        try await write { db in
            let before = try Self.requireDistributor(db, id: id)
            guard before.status != status else { return before }
            try db.execute(
                sql: "UPDATE distributor SET status = ?, updated_at = ? WHERE id = ?",
                arguments: [status.rawValue, stamp.at, id])
            var summary = status == .disabled ? "disabled" : "enabled"
            if status == .disabled {
                let ended = try Self.endSessions(db, distributorID: id, reason: "disabled", at: stamp.at, except: nil)
                summary += "; \(ended) session(s) ended"
            }
            try stamp.record(db, target: "distributor:\(id)", summary: summary)
            return try Self.requireDistributor(db, id: id)
        }
    }

    public func resetPassword(
        id: Int64, passwordHash: String, sms: @Sendable (DistributorRecord) -> OutgoingSMS, stamp: AuditStamp
    ) async throws -> DistributorRecord {
        try await write { db in
            _ = try Self.requireDistributor(db, id: id)
            try db.execute(
                sql: """
                    UPDATE distributor SET password_hash = ?, password_is_initial = 1, updated_at = ? WHERE id = ?
                    """,
                arguments: [passwordHash, stamp.at, id])
            let ended = try Self.endSessions(db, distributorID: id, reason: "password reset", at: stamp.at, except: nil)
            let record = try Self.requireDistributor(db, id: id)
            try sms(record).enqueue(db, at: stamp.at)
            try stamp.record(db, target: "distributor:\(id)", summary: "password reset; \(ended) session(s) ended")
            return record
        }
    }

    static func fetchDistributor(_ db: Database, id: Int64) throws -> DistributorRecord? {
        try db.firstRow("SELECT * FROM distributor WHERE id = ?", id, read: DistributorRecord.init(columns:))
    }

    static func requireDistributor(_ db: Database, id: Int64) throws -> DistributorRecord {
        guard let record = try fetchDistributor(db, id: id) else { throw AccountStoreError.distributorNotFound(id) }
        return record
    }

    private static func requirePhoneFree(_ db: Database, phone: String, except id: Int64?) throws {
        let owner = try Int64.fetchOne(db, sql: "SELECT id FROM distributor WHERE phone = ?", arguments: [phone])
        if let owner, owner != id { throw AccountStoreError.phoneTaken(phone) }
    }

    /// Ends the distributor's open sessions but `except`; returns how many.
    static func endSessions(_ db: Database, distributorID: Int64, reason: String, at: Millis, except: Int64?) throws -> Int {
        try db.execute(
            sql: """
                UPDATE session SET ended_at = ?, end_reason = ?
                WHERE distributor_id = ? AND ended_at IS NULL AND id IS NOT ?
                """,
            arguments: [at, reason, distributorID, except])
        return db.changesCount
    }
}
