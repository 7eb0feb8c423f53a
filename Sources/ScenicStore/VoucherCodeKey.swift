import GRDB
import Logging

/// The key voucher codes are made under, and what a restored backup does to it.
///
/// A voucher's code is its id under a key (``VoucherCodes``), and ids are taken in order. A
/// backup put back in place has lost the vouchers sold after it was taken, and the next
/// sales take their ids again: under the same key they would get the very codes that
/// buyers of the lost vouchers still hold. So the first store to open a copy made by
/// ``SQLiteStore/backup(to:)`` keeps every code it has in `legacy_voucher_code` (they stay
/// valid) and makes new codes under a new random key.
enum VoucherCodeKey {
    /// Keeps every code the store holds and sets a new key: a restored copy's first opening.
    static func rekey(_ db: Database, logger: Logger) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO legacy_voucher_code SELECT code, id FROM voucher")
        try db.execute(sql: "UPDATE store_info SET voucher_code_key = randomblob(16), is_backup_copy = 0")
        let kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM legacy_voucher_code") ?? 0
        logger.notice("opened a restored backup: new voucher codes are made under a new key", metadata: ["codes_kept": "\(kept)"])
    }
}
