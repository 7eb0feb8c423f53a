import ArgumentParser
import ScenicClient

/// What the calling tasks ask of the daemon.
enum LoadProfile: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Point-of-sale sales, one ticket each, with a request id.
    case sell
    /// 80 % sales, 15 % a page of the seller's voucher list, 5 % its balance.
    case mixed
    /// Health checks: the transport and dispatch alone.
    case health
    /// Admin voucher list, one distributor, a date range, pages of 50.
    case voucherPage = "voucher-page"
    /// Admin statement of one distributor over 40 days.
    case statement

    /// Whether the profile sells, and so needs distributors set up.
    var needsSellers: Bool { self == .sell || self == .mixed }
    var usesAdminSocket: Bool { self == .voucherPage || self == .statement }
}

/// One calling task's view: its connection and what it needs to build requests.
struct CallPlan: Sendable {
    let profile: LoadProfile
    let client: ScenicClient
    let today: String
    /// The distributor the admin profiles look at.
    let distributorID: Int64
    let label: String
    let dateRange: (from: String, to: String)

    /// Makes the `number`th call of this task.
    func call(_ number: Int) async throws {
        switch profile {
        case .sell:
            try await sell(number)
        case .mixed:
            switch number % 20 {
            case 0..<16: try await sell(number)
            case 16..<19:
                var filter = Scenic_V1_VoucherFilter()
                filter.pageSize = 50
                _ = try await client.myVouchers(filter)
            default:
                _ = try await client.balance()
            }
        case .health:
            _ = try await client.health()
        case .voucherPage:
            var filter = Scenic_V1_VoucherFilter()
            filter.distributorID = distributorID
            filter.fromDate = dateRange.from
            filter.toDate = dateRange.to
            filter.pageSize = 50
            _ = try await client.vouchers(filter)
        case .statement:
            _ = try await client.statement(distributorID: distributorID, from: dateRange.from, to: dateRange.to)
        }
    }

    private func sell(_ number: Int) async throws {
        var request = Scenic_V1_SellRequest()
        request.productCode = Fixture.productCode
        request.quantity = 1
        request.visitDate = today
        request.requestID = "\(label)-\(number)"
        _ = try await client.sell(request)
    }
}
