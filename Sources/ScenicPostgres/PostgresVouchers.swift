import Foundation
import GRDB
import PostgresNIO
import ScenicNumbering
import ScenicStore

/// Vouchers: the lists, and redemption at the gate. A redemption locks its voucher's row,
/// so the same code shown at two gates on two daemons is let in once.
extension PostgresStore {
    public func vouchers(_ query: VoucherQuery) async throws -> [VoucherRecord] {
        // A code that is no code of this store's finds nothing.
        let codeID: Int64? = query.code.isEmpty ? nil : (voucherCodes.id(for: query.code) ?? 0)
        return try await read { transaction in
            try await transaction.all(
                VoucherRecord.self,
                .sql(
                    VoucherRecord.select + """
                         WHERE voucher.id < $1
                            AND ($2::bigint IS NULL OR voucher.distributor_id = $2)
                            AND ($3 = '' OR voucher.product_id = (SELECT id FROM product WHERE code = $3))
                            AND ($4::text IS NULL OR voucher.status = $4)
                            AND ($5::text IS NULL OR voucher.valid_until < $5::date)
                            AND ($6::text IS NULL OR voucher.valid_until >= $6::date)
                            AND ($7::bigint IS NULL OR voucher.sold_at >= $7)
                            AND ($8::bigint IS NULL OR voucher.sold_at < $8)
                            AND ($9::text IS NULL OR voucher.visit_date >= $9::date)
                            AND ($10::text IS NULL OR voucher.visit_date <= $10::date)
                            AND ($11::bigint IS NULL OR (voucher.id = $11 AND voucher.code = $12))
                            AND ($13::boolean IS NULL OR $13 = (voucher.id IN
                                (SELECT voucher_id FROM refund_approval WHERE status = 'pending')))
                        ORDER BY voucher.id DESC LIMIT $14
                        """,
                    query.beforeID, query.distributorID, query.productCode, query.status?.rawValue, query.expiredBefore,
                    query.notExpiredOn, query.fromSoldAt, query.untilSoldAt, query.fromVisitDate, query.toVisitDate, codeID,
                    query.code, query.refundPending, query.limit))
        }
    }

    public func redeem(
        code: String, now: SceneNow, key: RequestKey?, stamp: AuditStamp, encode: @escaping @Sendable (VoucherRecord) throws -> Data
    ) async throws -> Once<VoucherRecord> {
        try await write { transaction in
            try await transaction.once(key, at: stamp.at, encode: encode) {
                let voucher = try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: nil, locked: true)
                return try await transaction.admit(voucher, now: now, stamp: stamp, codes: voucherCodes)
            }
        }
    }

    public func undoRedemption(code: String, reason: String, window: Millis, stamp: AuditStamp) async throws -> VoucherRecord {
        try await write { transaction in
            let voucher = try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: nil, locked: true)
            guard voucher.status == .redeemed, let redeemedAt = voucher.redeemedAt else { throw MoneyError.notRedeemed(code) }
            guard stamp.at - redeemedAt <= window else { throw MoneyError.undoWindowClosed(code) }
            try await transaction.run("UPDATE voucher SET status = 'valid', redeemed_at = NULL, redeemed_by = NULL WHERE id = \(voucher.id)")
            try await transaction.append(EventRecord.voucher(.redemptionUndone, voucher, at: stamp.at))
            try await transaction.record(stamp, target: "voucher:\(code)", summary: "redemption undone: \(reason)")
            return try await transaction.requireVoucher(code: code, codes: voucherCodes, distributorID: nil)
        }
    }
}

extension PostgresTransaction {
    /// Redeems the locked `voucher` if it admits now: valid, its day (or days), its slot.
    func admit(_ voucher: VoucherRecord, now: SceneNow, stamp: AuditStamp, codes: VoucherCodes) async throws -> VoucherRecord {
        let rules = try await rows(
            "SELECT slot_admission, admission_grace_minutes FROM product WHERE id = \(voucher.productID)"
        ).first.map(BookingRules.init(row:)) ?? BookingRules()
        try voucher.requireAdmits(now: now, rules: rules)
        try await run(
            "UPDATE voucher SET status = 'redeemed', redeemed_at = \(stamp.at), redeemed_by = \(stamp.actor) WHERE id = \(voucher.id)")
        try await append(EventRecord.voucher(.voucherRedeemed, voucher, at: stamp.at))
        return try await requireVoucher(code: voucher.code, codes: codes, distributorID: nil)
    }

    /// The voucher of `code`, found by the id the code is made from; one of another
    /// distributor is as missing as one that does not exist. `locked` holds its row, taken
    /// in a statement of its own before the voucher is read: a read sharing the lock's
    /// statement would see a refund request filed while it waited as not there.
    func requireVoucher(code: String, codes: VoucherCodes, distributorID: Int64?, locked: Bool = false) async throws -> VoucherRecord {
        guard let id = codes.id(for: code) else { throw MoneyError.voucherNotFound(code) }
        if locked { try await run("SELECT 1 FROM voucher WHERE id = \(id) FOR NO KEY UPDATE") }
        let sql = VoucherRecord.select + " WHERE voucher.id = $1 AND voucher.code = $2"
        guard let voucher = try await one(VoucherRecord.self, .sql(sql, id, code)),
            distributorID == nil || voucher.distributorID == distributorID
        else { throw MoneyError.voucherNotFound(code) }
        return voucher
    }
}
