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

    let store: ScenicStore
    let policy: AccountPolicy
    let numbers: PublicNumbers
    let authenticator: SessionAuthenticator
    let personalData: PersonalDataVault

    public func sell(_ request: Scenic_V1_SellRequest, context: CallContext) async throws -> Scenic_V1_SellResponse {
        let principal = try await authenticator.authenticate(context)
        let clock = policy.now()
        let now = policy.calendar.now(of: clock)
        var violations: [RPCError.FieldViolation] = []
        let code = CatalogInput.code(request.productCode, field: "product_code", into: &violations)
        if !(1...Self.maxQuantity).contains(Int(request.quantity)) {
            violations.append(.init(field: "quantity", description: "must be 1 to \(Self.maxQuantity)", reason: "OUT_OF_RANGE"))
        }
        if policy.calendar.start(of: request.visitDate) == nil {
            violations.append(.init(field: "visit_date", description: "must be a date written YYYY-MM-DD", reason: "INVALID_DATE"))
        } else if let visit = CalendarDates.dayNumber(request.visitDate), let today = CalendarDates.dayNumber(now.today),
            visit - today > Self.maxDaysAhead
        {
            violations.append(.init(
                field: "visit_date", description: "must be at most \(Self.maxDaysAhead) days ahead", reason: "OUT_OF_RANGE"))
        }
        if !request.slot.isEmpty, TimeSlot(request.slot) == nil {
            violations.append(.init(field: "slot", description: "must be a time slot written HH:MM-HH:MM", reason: "INVALID_SLOT"))
        }
        let buyerName = request.buyerName.isEmpty ? "" : AccountInput.name(request.buyerName, field: "buyer_name", into: &violations)
        let buyerPhone = request.buyerPhone.isEmpty ? "" : AccountInput.phone(request.buyerPhone, field: "buyer_phone", into: &violations)
        let visitors = try RealNameInput.visitors(request.visitors, today: now.today, vault: personalData, into: &violations)
        try AccountInput.check(violations)
        guard let code, let buyerName, let buyerPhone else { return .init() }

        let key = try RequestIdentity.key(
            request, scope: "distributor:\(principal.distributor.id)", context: context, digest: personalData.keyedDigest)
        let sale = SaleRequest(
            distributorID: principal.distributor.id, productCode: code, quantity: Int(request.quantity), visitDate: request.visitDate,
            slot: request.slot.isEmpty ? "" : TimeSlot(request.slot)!.description, buyerName: buyerName, buyerPhone: buyerPhone,
            voucherCodes: (0..<request.quantity).map { _ in VoucherCode.generate() }, visitors: visitors, now: now)
        let numbers = numbers
        let outcome = try await store.sell(
            sale, key: key, at: clock.millis, encode: { try Self.response($0, numbers: numbers).serializedData() })
        return try RequestIdentity.response(outcome) { Self.response($0, numbers: numbers) }
    }

    public func balance(_ request: Scenic_V1_BalanceRequest, context: CallContext) async throws -> Scenic_V1_BalanceResponse {
        let principal = try await authenticator.authenticate(context)
        var response = Scenic_V1_BalanceResponse()
        response.balanceFen = try await store.balance(distributorID: principal.distributor.id)
        return response
    }

    public func listLedger(_ request: Scenic_V1_ListLedgerRequest, context: CallContext) async throws -> Scenic_V1_ListLedgerResponse {
        let principal = try await authenticator.authenticate(context)
        return try await MoneyListing.ledger(store: store, distributorID: principal.distributor.id, request: request, calendar: policy.calendar, numbers: numbers)
    }

    public func listVouchers(_ request: Scenic_V1_VoucherFilter, context: CallContext) async throws -> Scenic_V1_ListVouchersResponse {
        let principal = try await authenticator.authenticate(context)
        return try await MoneyListing.vouchers(
            store: store, distributorID: principal.distributor.id, filter: request, calendar: policy.calendar, today: policy.today, numbers: numbers)
    }

    public func statement(_ request: Scenic_V1_StatementRequest, context: CallContext) async throws -> Scenic_V1_StatementResponse {
        let principal = try await authenticator.authenticate(context)
        return try await MoneyListing.statement(store: store, distributorID: principal.distributor.id, request: request, policy: policy)
    }

    public func refund(_ request: Scenic_V1_RefundRequest, context: CallContext) async throws -> Scenic_V1_RefundResponse {
        let principal = try await authenticator.authenticate(context)
        guard (1...Self.maxQuantity).contains(request.voucherCodes.count) else {
            throw RPCError.invalidArgument(violations: [
                .init(field: "voucher_codes", description: "must hold 1 to \(Self.maxQuantity) codes", reason: "OUT_OF_RANGE")
            ])
        }
        var violations: [RPCError.FieldViolation] = []
        let parsed = request.voucherCodes.enumerated().map { index, text in
            let code = VoucherCode.normalize(text)
            if code == nil {
                violations.append(.init(field: "voucher_codes[\(index)]", description: "not 16 digits with a valid check digit", reason: "INVALID_VOUCHER_CODE"))
            }
            return code
        }
        CatalogInput.duplicates(parsed, field: { "voucher_codes[\($0)]" }, into: &violations)
        let codes = parsed.compactMap { $0 }
        try AccountInput.check(violations)
        let today = policy.today
        let key = try RequestIdentity.key(request, scope: "distributor:\(principal.distributor.id)", context: context)
        let numbers = numbers
        let make: @Sendable ([VoucherRecord], Int64) -> Scenic_V1_RefundResponse = { vouchers, balance in
            var response = Scenic_V1_RefundResponse()
            response.vouchers = vouchers.map { Scenic_V1_Voucher($0, today: today, numbers: numbers) }
            response.refundedFen = vouchers.reduce(0) { $0 + $1.settlementPriceFen }
            response.balanceAfterFen = balance
            return response
        }
        let outcome = try await store.refund(
            distributorID: principal.distributor.id, codes: codes, today: today, key: key, at: policy.now().millis,
            encode: { try make($0, $1).serializedData() })
        return try RequestIdentity.response(outcome) { make($0.0, $0.1) }
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
    }
}
