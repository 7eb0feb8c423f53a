import ArgumentParser
import ScenicClient

/// The page of a list of refund requests, and the statuses it may be filtered by; each
/// command declares `--status` itself, since the back office and a point of sale want
/// different defaults.
public struct RefundApprovalListOptions: ParsableArguments {
    @Option(help: "Rows per page (1–500).") public var pageSize: Int32 = 50
    @Option(help: "Where to continue, from the previous page.") public var pageToken: String = ""

    /// `--status pending|approved|rejected|all`.
    public enum Status: String, ExpressibleByArgument, CaseIterable, Sendable {
        case pending, approved, rejected, all

        var proto: Scenic_V1_RefundApprovalStatus {
            switch self {
            case .pending: .pending
            case .approved: .approved
            case .rejected: .rejected
            case .all: .unspecified
            }
        }
    }

    public init() {}

    public func request(status: Status, distributorID: Int64 = 0) -> Scenic_V1_ListRefundApprovalsRequest {
        var request = Scenic_V1_ListRefundApprovalsRequest()
        request.status = status.proto
        request.distributorID = distributorID
        request.pageSize = pageSize
        request.pageToken = pageToken
        return request
    }
}
