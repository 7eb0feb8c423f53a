import GRDB
import ScenicNumbering
import Synchronization

/// The SQL function `voucher_id(code)` of every connection: the store's ``VoucherCodes``
/// read backwards, so that every statement finds a voucher by code inside SQL.
///
/// Connections are made (and get the functions) before the store's key is read from the
/// database it opens; the key is handed over once, right after the migrations.
final class VoucherCodeFunctions: Sendable {
    private let codes = Mutex<VoucherCodes?>(nil)

    func use(_ codes: VoucherCodes) {
        self.codes.withLock { $0 = codes }
    }

    func register(in db: Database) {
        db.add(function: DatabaseFunction("voucher_id", argumentCount: 1, pure: true) { [self] values in
            guard let code = String.fromDatabaseValue(values[0]) else { return nil }
            return try requireCodes().id(for: code)
        })
    }

    private func requireCodes() throws -> VoucherCodes {
        guard let codes = codes.withLock({ $0 }) else {
            throw DatabaseError(message: "voucher codes are used before the store's key is read")
        }
        return codes
    }
}
