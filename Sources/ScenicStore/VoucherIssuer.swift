import GRDB
import ScenicNumbering

/// Gives each new voucher its id and code: the next id after the last voucher's, and the
/// code ``VoucherCodes`` makes of it, unless that code is one an earlier version drew at
/// random and kept in `legacy_voucher_code`, in which case the next id after it.
struct VoucherIssuer: Sendable {
    let codes: VoucherCodes
    /// Whether `legacy_voucher_code` holds any code. Only opening a store writes that table
    /// (its migration, or the new key of a restored backup), so what the opening found holds
    /// for the store's life, and a store without legacy codes never looks there.
    let keepsLegacyCodes: Bool

    func next(_ db: Database) throws -> (id: Int64, code: String) {
        guard var id = try db.firstRow("SELECT coalesce(max(id), 0) + 1 AS next FROM voucher", read: { $0["next"] as Int64 }) else {
            throw DatabaseError(message: "no next voucher id")
        }
        while true {
            let code = codes.code(for: id)
            guard keepsLegacyCodes, try db.firstRow("SELECT 1 AS kept FROM legacy_voucher_code WHERE code = ?", code, read: { _ in true }) != nil
            else { return (id, code) }
            id += 1
        }
    }
}
