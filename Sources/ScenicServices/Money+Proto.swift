import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

extension Scenic_V1_LedgerEntry {
    init(_ record: LedgerEntryRecord, numbers: PublicNumbers) {
        self.init()
        id = numbers.number(for: record.id)
        distributorID = record.distributorID
        at = ISOTime.format(record.at)
        kind =
            switch record.kind {
            case .recharge: .recharge
            case .sale: .sale
            case .refund: .refund
            case .adjustment: .adjustment
            case .dateChange: .dateChange
            }
        feeFen = record.feeFen
        amountFen = record.amountFen
        balanceAfterFen = record.balanceAfterFen
        orderID = record.orderID.map(numbers.number(for:)) ?? 0
        voucherCode = record.voucherCode
        note = record.note
        actor = record.actor
    }
}

extension Scenic_V1_Voucher {
    /// `today` decides whether a valid voucher shows as expired.
    init(_ record: VoucherRecord, today: String, numbers: PublicNumbers) {
        self.init()
        code = record.code
        orderID = numbers.number(for: record.orderID)
        distributorID = record.distributorID
        distributorName = record.distributorName
        productCode = record.productCode
        productName = record.productName
        soldAt = ISOTime.format(record.soldAt)
        visitDate = record.visitDate
        validUntil = record.validUntil
        settlementPriceFen = record.settlementPriceFen
        retailPriceFen = record.retailPriceFen
        refundRule = record.refundable ? .refundable : .nonRefundable
        status =
            switch record.status {
            case .valid where record.refundPending: .refundPending
            case .valid: today > record.validUntil ? .expired : .valid
            case .redeemed: .redeemed
            case .refunded: .refunded
            }
        redeemedAt = record.redeemedAt.map(ISOTime.format) ?? ""
        redeemedBy = record.redeemedBy ?? ""
        refundedAt = record.refundedAt.map(ISOTime.format) ?? ""
        slot = record.slot ?? ""
        if let visitor = record.visitor { self.visitor = .init(masked: visitor) }
        if record.refundable { refundPolicy = .init(record.refundPolicy) }
        refundFeeFen = record.refundFeeFen
    }
}

/// The ledger and voucher listings both sockets share; only whose rows differs.
enum MoneyListing {
    static func ledger(
        store: any Store, distributorID: Int64, request: Scenic_V1_ListLedgerRequest, calendar: SceneCalendar,
        numbers: PublicNumbers
    ) async throws -> Scenic_V1_ListLedgerResponse {
        let paging = try Paging(size: request.pageSize, token: request.pageToken, numbers: numbers)
        var violations: [RPCError.FieldViolation] = []
        let from = day(request.fromDate, field: "from_date", calendar.start(of:), into: &violations)
        let until = day(request.toDate, field: "to_date", calendar.end(of:), into: &violations)
        ordered(from, until, into: &violations)
        try AccountInput.check(violations)
        let entries = try await store.ledger(
            .init(distributorID: distributorID, from: from, until: until, afterID: paging.cursor ?? 0, limit: paging.size))
        var response = Scenic_V1_ListLedgerResponse()
        response.entries = entries.map { Scenic_V1_LedgerEntry($0, numbers: numbers) }
        response.nextPageToken = paging.nextToken(lastID: entries.last?.id, count: entries.count)
        return response
    }

    static func vouchers(
        store: any Store, distributorID: Int64?, filter: Scenic_V1_VoucherFilter, calendar: SceneCalendar, today: String,
        numbers: PublicNumbers
    ) async throws -> Scenic_V1_ListVouchersResponse {
        let paging = try Paging(size: filter.pageSize, token: filter.pageToken, numbers: numbers)
        var violations: [RPCError.FieldViolation] = []
        var query = VoucherQuery(limit: paging.size)
        query.beforeID = paging.cursor ?? .max
        query.distributorID = distributorID
        query.productCode = filter.productCode
        switch filter.status {
        case .valid:
            query.status = .valid
            query.notExpiredOn = today
            query.refundPending = false
        case .refundPending:
            query.status = .valid
            query.refundPending = true
        case .expired:
            query.status = .valid
            query.expiredBefore = today
        case .redeemed: query.status = .redeemed
        case .refunded: query.status = .refunded
        default: break
        }
        if !filter.code.isEmpty {
            guard let code = VoucherCode.normalize(filter.code) else {
                throw VoucherAdminService.invalidCode(field: "code")
            }
            query.code = code
        }
        if filter.byVisitDate {
            let from = day(filter.fromDate, field: "from_date", calendar.start(of:), into: &violations)
            let to = day(filter.toDate, field: "to_date", calendar.end(of:), into: &violations)
            ordered(from, to, into: &violations)
            query.fromVisitDate = filter.fromDate.isEmpty ? nil : filter.fromDate
            query.toVisitDate = filter.toDate.isEmpty ? nil : filter.toDate
        } else {
            query.fromSoldAt = day(filter.fromDate, field: "from_date", calendar.start(of:), into: &violations)
            query.untilSoldAt = day(filter.toDate, field: "to_date", calendar.end(of:), into: &violations)
            ordered(query.fromSoldAt, query.untilSoldAt, into: &violations)
        }
        try AccountInput.check(violations)
        let vouchers = try await store.vouchers(query)
        var response = Scenic_V1_ListVouchersResponse()
        response.vouchers = vouchers.map { Scenic_V1_Voucher($0, today: today, numbers: numbers) }
        response.nextPageToken = paging.nextToken(lastID: vouchers.last?.id, count: vouchers.count)
        return response
    }

    /// Flags `to_date` when the period it ends starts no earlier than it ends.
    static func ordered(_ start: Millis?, _ end: Millis?, into violations: inout [RPCError.FieldViolation]) {
        if let start, let end, start >= end {
            violations.append(.init(field: "to_date", description: "must not be before from_date", reason: "OUT_OF_RANGE"))
        }
    }

    /// A YYYY-MM-DD bound turned into an instant by `bound`; nil when empty.
    static func day(
        _ text: String, field: String, _ bound: (String) -> Millis?, into violations: inout [RPCError.FieldViolation]
    ) -> Millis? {
        guard !text.isEmpty else { return nil }
        guard let millis = bound(text) else {
            violations.append(.init(field: field, description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
            return nil
        }
        return millis
    }
}

extension MoneyListing {
    /// The instants a report's required `from_date`…`to_date` (inclusive days) span.
    static func period(from: String, to: String, calendar: SceneCalendar) throws -> (Millis, Millis) {
        var violations: [RPCError.FieldViolation] = []
        let start = day(from, field: "from_date", calendar.start(of:), into: &violations)
        let end = day(to, field: "to_date", calendar.end(of:), into: &violations)
        for (field, value) in [("from_date", from), ("to_date", to)] where value.isEmpty {
            violations.append(.init(field: field, description: "is required", reason: "EMPTY"))
        }
        ordered(start, end, into: &violations)
        try AccountInput.check(violations)
        guard let start, let end else { throw RPCError.invalidArgument("a period is required", violations: []) }
        return (start, end)
    }

    /// The statement of `distributorID` for the request's dates (both required).
    static func statement(
        store: any Store, distributorID: Int64, request: Scenic_V1_StatementRequest, policy: AccountPolicy
    ) async throws -> Scenic_V1_StatementResponse {
        let (from, until) = try period(from: request.fromDate, to: request.toDate, calendar: policy.calendar)
        let statement = try await store.statement(distributorID: distributorID, from: from, until: until, today: policy.today)
        func movement(_ value: Movement) -> Scenic_V1_Movement {
            var movement = Scenic_V1_Movement()
            movement.count = value.count
            movement.amountFen = value.amountFen
            return movement
        }
        var response = Scenic_V1_StatementResponse()
        response.distributorID = statement.distributor.id
        response.distributorName = statement.distributor.name
        response.fromDate = request.fromDate
        response.toDate = request.toDate
        response.openingBalanceFen = statement.openingBalanceFen
        response.recharges = movement(statement.recharges)
        response.adjustments = movement(statement.adjustments)
        response.sales = movement(statement.sales)
        response.refunds = movement(statement.refunds)
        response.closingBalanceFen = statement.closingBalanceFen
        response.computedClosingFen = statement.computedClosingFen
        response.balanced = statement.computedClosingFen == statement.closingBalanceFen
        response.vouchersValid = statement.vouchersValid
        response.vouchersRedeemed = statement.vouchersRedeemed
        response.vouchersRefunded = statement.vouchersRefunded
        response.vouchersExpired = statement.vouchersExpired
        response.heldFen = statement.distributor.heldFen
        response.refundFeesFen = statement.refundFeesFen
        response.dateChanges = movement(statement.dateChanges)
        response.creditLimitFen = statement.distributor.creditLimitFen
        response.creditUsedFen = max(0, -statement.closingBalanceFen)
        return response
    }
}
