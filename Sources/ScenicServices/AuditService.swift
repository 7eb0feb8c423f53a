import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Audit` and `scenic.v1.Sms`: what the back office changed, and what was texted.
public struct AuditService: Sendable {
    public static let auditService = "scenic.v1.Audit"
    public static let smsService = "scenic.v1.Sms"

    let store: any Store
    let numbers: PublicNumbers

    public func listAudit(_ request: Scenic_V1_ListAuditRequest, context: CallContext) async throws -> Scenic_V1_ListAuditResponse {
        let paging = try Paging(size: request.pageSize, token: request.pageToken, numbers: numbers)
        var filter = AuditFilter()
        filter.actor = request.actor
        filter.method = request.method
        filter.target = request.target
        var violations: [RPCError.FieldViolation] = []
        for (field, text) in [("since", request.since), ("until", request.until)] where !text.isEmpty {
            guard let millis = ISOTime.parse(text) else {
                violations.append(.init(field: field, description: "must be RFC 3339 or YYYY-MM-DD", reason: "INVALID_TIME"))
                continue
            }
            if field == "since" { filter.since = millis } else { filter.until = millis }
        }
        try AccountInput.check(violations)
        let entries = try await store.auditEntries(filter, beforeID: paging.cursor ?? .max, limit: paging.size)
        var response = Scenic_V1_ListAuditResponse()
        response.entries = entries.map { entry in
            var proto = Scenic_V1_AuditEntry()
            proto.id = entry.id
            proto.at = ISOTime.format(entry.at)
            proto.actor = entry.actor
            proto.method = entry.method
            proto.target = entry.target
            proto.summary = entry.summary
            return proto
        }
        response.nextPageToken = paging.nextToken(lastID: entries.last?.id, count: entries.count)
        return response
    }

    public func listSMS(_ request: Scenic_V1_ListSmsRequest, context: CallContext) async throws -> Scenic_V1_ListSmsResponse {
        let paging = try Paging(size: request.pageSize, token: request.pageToken, numbers: numbers)
        let status: SMSRecord.Status? =
            switch request.status {
            case .pending: .pending
            case .delivered: .delivered
            case .failed: .failed
            default: nil
            }
        let messages = try await store.smsMessages(status: status, beforeID: paging.cursor ?? .max, limit: paging.size)
        var response = Scenic_V1_ListSmsResponse()
        response.messages = messages.map { message in
            var proto = Scenic_V1_SmsMessage()
            proto.id = message.id
            proto.phone = message.phone
            proto.body = message.body
            proto.status =
                switch message.status {
                case .pending: .pending
                case .delivered: .delivered
                case .failed: .failed
                }
            proto.tries = Int32(message.tries)
            proto.lastError = message.lastError
            proto.createdAt = ISOTime.format(message.createdAt)
            proto.deliveredAt = message.deliveredAt.map(ISOTime.format) ?? ""
            return proto
        }
        response.nextPageToken = paging.nextToken(lastID: messages.last?.id, count: messages.count)
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.auditService, method: "List", handler: listAudit)
        router.register(service: Self.smsService, method: "List", handler: listSMS)
    }
}
