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
    /// Point-of-sale logins with the right password, a password hash each: the opening-time
    /// rush. At the daemon's scrypt cost (`--daemon-arguments="--scrypt-log-n 17"` for production's);
    /// refusals (`HASHING_BUSY`) count as failures.
    case login

    /// Whether the profile needs distributors set up.
    var needsSellers: Bool { self == .sell || self == .mixed || self == .login }
    /// Whether its connections carry a seller's session.
    var signedIn: Bool { self == .sell || self == .mixed }
    var usesAdminSocket: Bool { self == .voucherPage || self == .statement }
}

/// One calling task's view: its connection and what it needs to build requests.
struct CallPlan: Sendable {
    let profile: LoadProfile
    let client: ScenicClient
    let today: String
    /// The distributor the admin profiles look at.
    let distributorID: Int64
    let dateRange: (from: String, to: String)
    /// Who the login profile logs in as.
    let account: (phone: String, password: String)

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
        case .login:
            do {
                _ = try await client.login(phone: account.phone, password: account.password)
            } catch let error as RPCError where error.reason == "HASHING_BUSY" {
                // As a point of sale does: wait as told before trying again, rather than spin.
                try await Task.sleep(for: .seconds(Int(error.metadata["retry_after_seconds"] ?? "") ?? 1))
                throw error
            }
        }
    }

    private func sell(_ number: Int) async throws {
        var request = Scenic_V1_SellRequest()
        request.productCode = Fixture.productCode
        request.quantity = 1
        request.visitDate = today
        request.requestID = RequestID.make()
        _ = try await client.sell(request)
    }
}
