import Foundation
import Logging
import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.RefundAdmin`: the back office decides refunds that need approval (审核).
public struct RefundAdminService: Sendable {
    public static let service = "scenic.v1.RefundAdmin"

    let store: any Store
    let policy: AccountPolicy
    let numbers: PublicNumbers

    public func list(
        _ request: Scenic_V1_ListRefundApprovalsRequest, context: CallContext
    ) async throws -> Scenic_V1_ListRefundApprovalsResponse {
        try await Self.list(
            store: store, distributorID: request.distributorID == 0 ? nil : request.distributorID, request: request, numbers: numbers)
    }

    public func approve(_ request: Scenic_V1_DecideRefundRequest, context: CallContext) async throws -> Scenic_V1_RefundApproval {
        try await decide(request, approve: true, context: context)
    }

    public func reject(_ request: Scenic_V1_DecideRefundRequest, context: CallContext) async throws -> Scenic_V1_RefundApproval {
        guard !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw RPCError.invalidArgument(violations: [.init(field: "reason", description: "must say why", reason: "EMPTY")])
        }
        return try await decide(request, approve: false, context: context)
    }

    private func decide(_ request: Scenic_V1_DecideRefundRequest, approve: Bool, context: CallContext) async throws -> Scenic_V1_RefundApproval {
        guard let id = numbers.id(for: request.id) else { throw RefundApprovalError.notFound(shown: request.id) }
        let stamp = context.adminStamp(at: policy.now().millis)
        let key = try RequestIdentity.key(request, scope: stamp.actor, context: context)
        let numbers = numbers
        let make: @Sendable (RefundApprovalRecord) -> Scenic_V1_RefundApproval = { .init($0, numbers: numbers) }
        do {
            let outcome = try await store.decideRefund(
                id: id, approve: approve, reason: request.reason.trimmingCharacters(in: .whitespaces), key: key, stamp: stamp,
                encode: { try make($0).serializedData() })
            return try RequestIdentity.response(outcome, make)
        } catch let error as RefundApprovalError {
            throw error.rpcError(numbers: numbers)
        }
    }

    /// A page of approvals, newest first, of one distributor or (nil) all.
    static func list(
        store: any Store, distributorID: Int64?, request: Scenic_V1_ListRefundApprovalsRequest, numbers: PublicNumbers
    ) async throws -> Scenic_V1_ListRefundApprovalsResponse {
        let paging = try Paging(size: request.pageSize, token: request.pageToken, numbers: numbers)
        let status: RefundApprovalRecord.Status? =
            switch request.status {
            case .pending: .pending
            case .approved: .approved
            case .rejected: .rejected
            default: nil
            }
        let approvals = try await store.refundApprovals(
            distributorID: distributorID, status: status, beforeID: paging.cursor ?? .max, limit: paging.size)
        var response = Scenic_V1_ListRefundApprovalsResponse()
        response.approvals = approvals.map { .init($0, numbers: numbers) }
        response.nextPageToken = paging.nextToken(lastID: approvals.last?.id, count: approvals.count)
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "List", handler: list)
        router.register(service: Self.service, method: "Approve", handler: approve)
        router.register(service: Self.service, method: "Reject", handler: reject)
    }
}

/// Approves the refunds no one decided in time, on a clock: the documented answer to a
/// request the back office leaves waiting.
public struct RefundAutoApproval: Sendable {
    let store: any Store
    let now: @Sendable () -> Date

    public init(store: any Store, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Approves every request past its time; returns how many. Asks a reader first, so
    /// that a minute with nothing due does not take the writer.
    @discardableResult
    public func sweep() async throws -> Int {
        let at = now().millis
        guard let due = try await store.nextRefundApprovalDue(), due <= at else { return 0 }
        return try await store.approveOverdueRefunds(
            stamp: AuditStamp(actor: "daemon", method: "\(RefundAdminService.service)/Approve", at: at))
    }

    public func run(every interval: Duration = .seconds(60), logger: Logger) async {
        await Periodic.run(every: interval, logger: logger, task: "refund auto-approval") {
            let approved = try await sweep()
            if approved > 0 { logger.info("refunds approved when their time ran out", metadata: ["refunds": "\(approved)"]) }
        }
    }
}

extension RefundApprovalError {
    /// A refusal naming `shown`, the number the caller knows the request by.
    static func notFound(shown: Int64) -> RPCError {
        RPCError(.notFound, "no refund request \(shown)", reason: "REFUND_REQUEST_NOT_FOUND", metadata: ["id": "\(shown)"])
    }

    /// Ids are shown as public numbers, and named so in refusals.
    func rpcError(numbers: PublicNumbers) -> RPCError {
        switch self {
        case .notFound(let id):
            return RefundApprovalError.notFound(shown: numbers.number(for: id))
        case .notPending(let id, let status):
            return RPCError(
                .failedPrecondition, "refund request \(numbers.number(for: id)) was already \(status.rawValue)", reason: "NOT_PENDING",
                metadata: ["id": "\(numbers.number(for: id))", "status": status.rawValue])
        }
    }
}

extension Scenic_V1_RefundApproval {
    init(_ record: RefundApprovalRecord, numbers: PublicNumbers) {
        self.init()
        id = numbers.number(for: record.id)
        voucherCode = record.voucherCode
        distributorID = record.distributorID
        distributorName = record.distributorName
        productCode = record.productCode
        visitDate = record.visitDate
        settlementPriceFen = record.settlementPriceFen
        feeFen = record.feeFen
        refundFen = record.refundFen
        status =
            switch record.status {
            case .pending: .pending
            case .approved: .approved
            case .rejected: .rejected
            }
        requestedAt = ISOTime.format(record.requestedAt)
        decidedAt = record.decidedAt.map(ISOTime.format) ?? ""
        decidedBy = record.decidedBy ?? ""
        reason = record.reason
        approveBy = ISOTime.format(record.approveBy)
    }
}
