import Foundation
import ScenicClient

/// Distributors ready to sell: each with the bench product bound, a large balance, and a
/// signed-in session.
struct Fixture: Sendable {
    struct Seller: Sendable {
        let id: Int64
        let token: String
        let phone: String
        let password: String
    }

    static let productCode = "BENCH"
    /// Settlement price per ticket, in fen.
    static let priceFen: Int64 = 100
    /// The largest single recharge the daemon accepts (¥1,000,000.00).
    static let rechargeFen: Int64 = 100_000_000

    let sellers: [Seller]
    /// Today in the daemon's time zone: the visit date of every sale.
    let today: String

    /// Creates `count` distributors through the admin socket and signs each in through
    /// the point-of-sale socket. Phone numbers are drawn at random so a daemon that
    /// already has data can be used too.
    static func make(count: Int, adminSocket: String, posSocket: String, rechargesEach: Int = 1) async throws -> Fixture {
        let admin = try await ScenicClient.connect(socketPath: adminSocket, defaultTimeout: .seconds(60))
        defer { Task { await admin.close() } }
        var product = Scenic_V1_CreateProductRequest()
        product.code = productCode
        product.name = "Bench gate ticket"
        product.retailPriceFen = 12_000
        product.validDays = 30
        do {
            _ = try await admin.createProduct(product)
        } catch let error as RPCError where error.code == .alreadyExists {}
        let prefix = Int.random(in: 100...999)
        let sellers = try await withThrowingTaskGroup(of: Seller.self) { group in
            for index in 0..<count {
                group.addTask {
                    let phone = "139\(prefix)\(String(format: "%05d", index))"
                    let created = try await admin.createDistributor(name: "Bench seller \(index)", phone: phone)
                    let id = created.distributor.id
                    _ = try await admin.bind(distributorID: id, [(productCode, priceFen)])
                    for charge in 0..<rechargesEach {
                        var recharge = Scenic_V1_RechargeRequest()
                        recharge.distributorID = id
                        recharge.amountFen = rechargeFen
                        recharge.requestID = "bench-opening-\(id)-\(charge)"
                        _ = try await admin.recharge(recharge)
                    }
                    let pos = try await ScenicClient.connect(socketPath: posSocket)
                    defer { Task { await pos.close() } }
                    let token = try await pos.login(phone: phone, password: created.initialPassword).sessionToken
                    let session = try await ScenicClient.connect(socketPath: posSocket, metadata: [ScenicClient.sessionMetadataKey: token])
                    defer { Task { await session.close() } }
                    try await session.changePassword(old: created.initialPassword, new: "bench password \(index)")
                    return Seller(id: id, token: token, phone: phone, password: "bench password \(index)")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.id < $1.id }
        }
        let zone = try await admin.serverInfo().timeZone
        return Fixture(sellers: sellers, today: Self.today(in: zone))
    }

    /// Puts the bench product's `date` on the calendar: `capacity` tickets, and as many
    /// for each seller's allotment.
    func limit(capacity: Int, on date: String, adminSocket: String) async throws {
        let admin = try await ScenicClient.connect(socketPath: adminSocket, defaultTimeout: .seconds(60))
        defer { Task { await admin.close() } }
        var dates = Scenic_V1_DateRange()
        dates.fromDate = date
        dates.toDate = date
        var request = Scenic_V1_SetCapacityRequest()
        request.productCode = Self.productCode
        request.dates = dates
        request.capacity = Int32(capacity)
        _ = try await admin.setCapacity(request)
        for seller in sellers {
            var allotment = Scenic_V1_SetAllotmentRequest()
            allotment.productCode = Self.productCode
            allotment.dates = dates
            allotment.distributorID = seller.id
            allotment.allotment = Int32(capacity)
            _ = try await admin.setAllotment(allotment)
        }
    }

    static func today(in zone: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
