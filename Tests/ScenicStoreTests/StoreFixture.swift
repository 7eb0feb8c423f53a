import Foundation
import GRDB
import Testing

@testable import ScenicStore

/// A seller and its sales, written straight into a store, for tests below the services.
enum StoreFixture {
    /// Distributor 7, who may sell product GATE (id 3) at ¥88.00 with ¥1,000.00.
    static let seller = """
        INSERT INTO distributor (id, name, phone, password_hash, password_is_initial, balance_fen, created_at, updated_at)
        VALUES (7, 'West Lake Travel', '13800138000', 'h', 0, 100000, 1, 2);
        INSERT INTO product (id, code, name, retail_price_fen, refundable, valid_days, created_at, updated_at)
            VALUES (3, 'GATE', 'Gate', 12000, 1, 1, 1, 1);
        INSERT INTO binding VALUES (7, 3, 8800, 1, 1);
        """

    static func seed(_ store: SQLiteStore) async throws {
        try await store.pool.write { try $0.execute(sql: seller) }
    }

    static func sell(_ store: SQLiteStore, _ quantity: Int) async throws -> [String] {
        let sale = SaleRequest(
            distributorID: 7, productCode: "GATE", quantity: quantity, visitDate: "2027-01-16", buyerName: "", buyerPhone: "",
            now: SceneNow(today: "2027-01-15", minuteOfDay: 600))
        guard case .first(let sold) = try await store.sell(sale, key: nil, at: 1_000, encode: { _ in Data() }) else {
            Issue.record("a sale without a request id is always a first answer")
            return []
        }
        return sold.voucherCodes
    }

    static func voucherID(_ store: SQLiteStore, _ code: String) async throws -> Int64? {
        try await store.read { db in try? SQLiteStore.requireVoucher(db, code: code, distributorID: 7).id }
    }
}
