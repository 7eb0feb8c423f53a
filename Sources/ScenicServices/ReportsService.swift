import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Reports`: statements, sales reports, and low-balance alerts.
public struct ReportsService: Sendable {
    public static let service = "scenic.v1.Reports"

    let store: any Store
    let policy: AccountPolicy

    public func statement(_ request: Scenic_V1_StatementRequest, context: CallContext) async throws -> Scenic_V1_StatementResponse {
        try await MoneyListing.statement(store: store, distributorID: request.distributorID, request: request, policy: policy)
    }

    public func sales(_ request: Scenic_V1_SalesReportRequest, context: CallContext) async throws -> Scenic_V1_SalesReportResponse {
        let (from, until) = try MoneyListing.period(from: request.fromDate, to: request.toDate, calendar: policy.calendar)
        let grouping: SalesGrouping =
            switch request.groupBy {
            case .product: .product
            case .distributor: .distributor
            default: .day(utcOffsetSeconds: policy.calendar.timeZone.secondsFromGMT(for: Date(millis: from)))
            }
        let rows = try await store.salesReport(from: from, until: until, by: grouping)
        var response = Scenic_V1_SalesReportResponse()
        response.rows = rows.map { row in
            var proto = Scenic_V1_SalesReportRow()
            proto.key = row.key
            proto.label = row.label
            proto.ticketsSold = row.ticketsSold
            proto.ticketsRefunded = row.ticketsRefunded
            proto.ticketsRedeemed = row.ticketsRedeemed
            proto.settlementRevenueFen = row.settlementRevenueFen
            return proto
        }
        response.total.key = "total"
        response.total.ticketsSold = rows.reduce(0) { $0 + $1.ticketsSold }
        response.total.ticketsRefunded = rows.reduce(0) { $0 + $1.ticketsRefunded }
        response.total.ticketsRedeemed = rows.reduce(0) { $0 + $1.ticketsRedeemed }
        response.total.settlementRevenueFen = rows.reduce(0) { $0 + $1.settlementRevenueFen }
        return response
    }

    public func setLowBalanceAlert(_ request: Scenic_V1_SetLowBalanceAlertRequest, context: CallContext) async throws -> Scenic_V1_Distributor {
        guard (0...AccountService.maxRechargeFen).contains(request.thresholdFen) else {
            throw RPCError.invalidArgument(
                "the threshold is 0 to \(AccountService.maxRechargeFen) fen",
                violations: [.init(field: "threshold_fen", description: "must be 0 to \(AccountService.maxRechargeFen) fen", reason: "OUT_OF_RANGE")])
        }
        let record = try await store.setLowBalanceThreshold(
            distributorID: request.distributorID, thresholdFen: request.thresholdFen, stamp: context.adminStamp(at: policy.now().millis))
        return .init(record)
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Statement", handler: statement)
        router.register(service: Self.service, method: "Sales", handler: sales)
        router.register(service: Self.service, method: "SetLowBalanceAlert", handler: setLowBalanceAlert)
    }
}
