import GRDB

/// What a sale, a hold or a ledger entry reads of its distributor: whether it may sell, what
/// it may spend, and where it stands against its low-balance alert. Not its name, phone or
/// password hash, which none of them needs and which would be copied out of SQLite for
/// every one of them (twice a sale).
package struct DistributorStanding: Sendable, Equatable, DistributorMoney {
    package var id: Int64
    package var status: DistributorRecord.Status
    package var passwordIsInitial: Bool
    package var balanceFen: Int64
    package var heldFen: Int64
    package var creditLimitFen: Int64
    package var lowBalanceThresholdFen: Int64
    package var lowBalanceAlerted: Bool

    /// The columns a standing is read from, for `SELECT` and `RETURNING`.
    static let columns =
        "id, status, password_is_initial, balance_fen, held_fen, credit_limit_fen, low_balance_threshold_fen, low_balance_alerted"

    /// Read in the order of ``columns``.
    init(columns row: some ColumnReading) {
        id = row["id"]
        status = DistributorRecord.Status(rawValue: row["status"]) ?? .disabled
        passwordIsInitial = row["password_is_initial"]
        balanceFen = row["balance_fen"]
        heldFen = row["held_fen"]
        creditLimitFen = row["credit_limit_fen"]
        lowBalanceThresholdFen = row["low_balance_threshold_fen"]
        lowBalanceAlerted = row["low_balance_alerted"]
    }
}
