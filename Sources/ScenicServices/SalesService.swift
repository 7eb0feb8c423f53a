import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Sales`: the point of sale sells, refunds and reads its own money and vouchers.
public struct SalesService: Sendable {
    public static let service = "scenic.v1.Sales"
    public static let maxQuantity = 100
    /// How far ahead a visit date may be: a year and a day, so that the same date next
    /// year is always on sale. A ticket's validity must fit the calendar too.
    public static let maxDaysAhead = 366

    let store: any Store
    let policy: AccountPolicy
    let numbers: PublicNumbers
    let authenticator: SessionAuthenticator
    let personalData: PersonalDataVault
    /// Called after a hold was made, with its expiry, so that the expiry is watched.
    let holdMade: @Sendable (_ expiresAt: Millis) -> Void

    public func sell(_ request: Scenic_V1_SellRequest, context: CallContext) async throws -> Scenic_V1_SellResponse {
        let principal = try await authenticator.authenticate(context, scope: .sell)
        let clock = policy.now()
        let now = policy.calendar.now(of: clock)
        var violations: [RPCError.FieldViolation] = []
        let tickets = tickets(
            productCode: request.productCode, quantity: request.quantity, visitDate: request.visitDate, slot: request.slot, today: now.today,
            into: &violations)
        let buyer = buyer(name: request.buyerName, phone: request.buyerPhone, into: &violations)
        let visitors = try RealNameInput.visitors(request.visitors, today: now.today, vault: personalData, into: &violations)
        try AccountInput.check(violations)
        guard let tickets, let buyer else { return .init() }

        let key = try RequestIdentity.key(
            request, scope: "distributor:\(principal.distributor.id)", context: context, digest: personalData.keyedDigest)
        let sale = SaleRequest(
            distributorID: principal.distributor.id, productCode: tickets.code, quantity: tickets.quantity, visitDate: request.visitDate,
            slot: tickets.slot, buyerName: buyer.name, buyerPhone: buyer.phone, visitors: visitors, now: now)
        let numbers = numbers
        let outcome = try await store.sell(
            sale, key: key, at: clock.millis, encode: { try Self.response($0, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Self.response($0, numbers: numbers) }
    }

    public func balance(_ request: Scenic_V1_BalanceRequest, context: CallContext) async throws -> Scenic_V1_BalanceResponse {
        let principal = try await authenticator.authenticate(context, scope: .read)
        let money = try await store.money(distributorID: principal.distributor.id)
        var response = Scenic_V1_BalanceResponse()
        response.balanceFen = money.balanceFen
        response.heldFen = money.heldFen
        response.availableFen = money.availableFen
        response.creditLimitFen = money.creditLimitFen
        response.creditUsedFen = money.creditUsedFen
        return response
    }

    /// The product, quantity, visit date and slot of a sale or a hold, each checked by its
    /// field; nil when one is wrong.
    func tickets(
        productCode: String, quantity: Int32, visitDate: String, slot: String, today: String, into violations: inout [RPCError.FieldViolation]
    ) -> (code: String, quantity: Int, slot: String)? {
        let code = CatalogInput.code(productCode, field: "product_code", into: &violations)
        if !(1...Self.maxQuantity).contains(Int(quantity)) {
            violations.append(.init(field: "quantity", description: "must be 1 to \(Self.maxQuantity)", reason: "OUT_OF_RANGE"))
        }
        if policy.calendar.start(of: visitDate) == nil {
            violations.append(.init(field: "visit_date", description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
        } else if let visit = CalendarDates.dayNumber(visitDate), let today = CalendarDates.dayNumber(today), visit - today > Self.maxDaysAhead {
            violations.append(.init(
                field: "visit_date", description: "must be at most \(Self.maxDaysAhead) days ahead", reason: "OUT_OF_RANGE"))
        }
        let parsedSlot = slot.isEmpty ? nil : TimeSlot(slot)
        if !slot.isEmpty, parsedSlot == nil {
            violations.append(.init(field: "slot", description: "must be a time slot written HH:MM-HH:MM", reason: "INVALID_SLOT"))
        }
        guard let code, (1...Self.maxQuantity).contains(Int(quantity)), slot.isEmpty || parsedSlot != nil else { return nil }
        return (code, Int(quantity), parsedSlot?.description ?? "")
    }

    /// The optional buyer of a sale.
    func buyer(name: String, phone: String, into violations: inout [RPCError.FieldViolation]) -> (name: String, phone: String)? {
        let name = name.isEmpty ? "" : AccountInput.name(name, field: "buyer_name", into: &violations)
        let phone = phone.isEmpty ? "" : AccountInput.phone(phone, field: "buyer_phone", into: &violations)
        guard let name, let phone else { return nil }
        return (name, phone)
    }

    public func listLedger(_ request: Scenic_V1_ListLedgerRequest, context: CallContext) async throws -> Scenic_V1_ListLedgerResponse {
        let principal = try await authenticator.authenticate(context, scope: .read)
        return try await MoneyListing.ledger(store: store, distributorID: principal.distributor.id, request: request, calendar: policy.calendar, numbers: numbers)
    }

    public func listVouchers(_ request: Scenic_V1_VoucherFilter, context: CallContext) async throws -> Scenic_V1_ListVouchersResponse {
        let principal = try await authenticator.authenticate(context, scope: .read)
        return try await MoneyListing.vouchers(
            store: store, distributorID: principal.distributor.id, filter: request, calendar: policy.calendar, today: policy.today, numbers: numbers)
    }

    public func statement(_ request: Scenic_V1_StatementRequest, context: CallContext) async throws -> Scenic_V1_StatementResponse {
        let principal = try await authenticator.authenticate(context, scope: .read)
        return try await MoneyListing.statement(store: store, distributorID: principal.distributor.id, request: request, policy: policy)
    }

    public func refund(_ request: Scenic_V1_RefundRequest, context: CallContext) async throws -> Scenic_V1_RefundResponse {
        let principal = try await authenticator.authenticate(context, scope: .refund)
        let codes = try Self.voucherCodes(request.voucherCodes)
        let clock = policy.now()
        let today = policy.calendar.day(of: clock)
        let key = try RequestIdentity.key(request, scope: "distributor:\(principal.distributor.id)", context: context)
        let numbers = numbers
        let make: @Sendable (RefundOutcome) -> Scenic_V1_RefundResponse = { outcome in
            var response = Scenic_V1_RefundResponse()
            response.vouchers = outcome.vouchers.map { Scenic_V1_Voucher($0, today: today, numbers: numbers) }
            response.refundedFen = outcome.refundedFen
            response.feeFen = outcome.feeFen
            response.balanceAfterFen = outcome.balanceAfterFen
            response.approvals = outcome.approvals.map { .init($0, numbers: numbers) }
            return response
        }
        let outcome = try await store.refund(
            distributorID: principal.distributor.id, codes: codes, now: policy.calendar.now(of: clock),
            approvalWindow: policy.refundApprovalWindow.millis, key: key, at: clock.millis, encode: { try make($0).serializedData() })
        return try RequestIdentity.response(outcome, make)
    }

    /// Moves the caller's vouchers to another visit date.
    public func changeDate(_ request: Scenic_V1_ChangeDateRequest, context: CallContext) async throws -> Scenic_V1_ChangeDateResponse {
        let principal = try await authenticator.authenticate(context, scope: .sell)
        var violations: [RPCError.FieldViolation] = []
        let codes = Self.voucherCodes(request.voucherCodes, into: &violations)
        let clock = policy.now()
        let now = policy.calendar.now(of: clock)
        if policy.calendar.start(of: request.toDate) == nil {
            violations.append(.init(field: "to_date", description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
        } else if let to = CalendarDates.dayNumber(request.toDate), let today = CalendarDates.dayNumber(now.today), to - today > Self.maxDaysAhead {
            violations.append(.init(field: "to_date", description: "must be at most \(Self.maxDaysAhead) days ahead", reason: "OUT_OF_RANGE"))
        }
        let slot = request.slot.isEmpty ? nil : TimeSlot(request.slot)
        if !request.slot.isEmpty, slot == nil {
            violations.append(.init(field: "slot", description: "must be a time slot written HH:MM-HH:MM", reason: "INVALID_SLOT"))
        }
        try AccountInput.check(violations)
        let key = try RequestIdentity.key(request, scope: "distributor:\(principal.distributor.id)", context: context)
        let change = DateChangeRequest(
            distributorID: principal.distributor.id, codes: codes, toDate: request.toDate, slot: slot?.description ?? "", now: now)
        let numbers = numbers
        let make: @Sendable (DateChangeRecord) -> Scenic_V1_ChangeDateResponse = { record in
            var response = Scenic_V1_ChangeDateResponse()
            response.vouchers = record.vouchers.map { Scenic_V1_Voucher($0, today: now.today, numbers: numbers) }
            response.differenceFen = record.differenceFen
            response.balanceAfterFen = record.balanceAfterFen
            return response
        }
        let outcome = try await store.changeDate(change, key: key, at: clock.millis, encode: { try make($0).serializedData() })
        return try RequestIdentity.response(outcome, make)
    }

    /// The caller's refund approvals, newest first.
    public func listRefundApprovals(
        _ request: Scenic_V1_ListRefundApprovalsRequest, context: CallContext
    ) async throws -> Scenic_V1_ListRefundApprovalsResponse {
        let principal = try await authenticator.authenticate(context, scope: .read)
        return try await RefundAdminService.list(store: store, distributorID: principal.distributor.id, request: request, numbers: numbers)
    }

    /// 1–100 voucher codes, each well formed and named once; refused by field otherwise.
    static func voucherCodes(_ texts: [String]) throws -> [String] {
        var violations: [RPCError.FieldViolation] = []
        let codes = voucherCodes(texts, into: &violations)
        try AccountInput.check(violations)
        return codes
    }

    static func voucherCodes(_ texts: [String], into violations: inout [RPCError.FieldViolation]) -> [String] {
        guard (1...maxQuantity).contains(texts.count) else {
            violations.append(.init(field: "voucher_codes", description: "must hold 1 to \(maxQuantity) codes", reason: "OUT_OF_RANGE"))
            return []
        }
        let parsed = texts.enumerated().map { index, text in
            let code = VoucherCode.normalize(text)
            if code == nil {
                violations.append(.init(
                    field: "voucher_codes[\(index)]", description: "not 16 digits with a valid check digit", reason: "INVALID_VOUCHER_CODE"))
            }
            return code
        }
        CatalogInput.duplicates(parsed, field: { "voucher_codes[\($0)]" }, into: &violations)
        return parsed.compactMap { $0 }
    }

    static func response(_ sale: SaleRecord, numbers: PublicNumbers) -> Scenic_V1_SellResponse {
        var response = Scenic_V1_SellResponse()
        response.orderID = numbers.number(for: sale.orderID)
        response.voucherCodes = sale.voucherCodes
        response.amountFen = sale.amountFen
        response.balanceAfterFen = sale.balanceAfterFen
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Sell", handler: sell)
        router.register(service: Self.service, method: "Balance", handler: balance)
        router.register(service: Self.service, method: "ListLedger", handler: listLedger)
        router.register(service: Self.service, method: "ListVouchers", handler: listVouchers)
        router.register(service: Self.service, method: "Refund", handler: refund)
        router.register(service: Self.service, method: "Statement", handler: statement)
        router.register(service: Self.service, method: "Hold", handler: hold)
        router.register(service: Self.service, method: "ConfirmHold", handler: confirmHold)
        router.register(service: Self.service, method: "ReleaseHold", handler: releaseHold)
        router.register(service: Self.service, method: "ChangeDate", handler: changeDate)
        router.register(service: Self.service, method: "ListRefundApprovals", handler: listRefundApprovals)
    }
}
