import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.BindingAdmin`: which products a distributor may sell, at which settlement price.
public struct BindingAdminService: Sendable {
    public static let service = "scenic.v1.BindingAdmin"
    /// Items one batch takes.
    public static let maxBatch = 10_000

    let store: any Store
    let policy: AccountPolicy

    public func bind(_ request: Scenic_V1_BindProductsRequest, context: CallContext) async throws -> Scenic_V1_BindingsResponse {
        try await apply(request, change: .bind, context: context)
    }

    public func setPrices(_ request: Scenic_V1_BindProductsRequest, context: CallContext) async throws -> Scenic_V1_BindingsResponse {
        try await apply(request, change: .setPrice, context: context)
    }

    public func unbind(_ request: Scenic_V1_UnbindProductsRequest, context: CallContext) async throws -> Scenic_V1_BindingsResponse {
        var violations: [RPCError.FieldViolation] = []
        try Self.checkBatchSize(request.productCodes.count, field: "product_codes")
        let parsed = request.productCodes.enumerated().map { index, code in
            CatalogInput.code(code, field: "product_codes[\(index)]", into: &violations)
        }
        CatalogInput.duplicates(parsed, field: { "product_codes[\($0)]" }, into: &violations)
        let codes = parsed.compactMap { $0 }
        try AccountInput.check(violations)
        do {
            let bindings = try await store.unbind(
                distributorID: request.distributorID, codes: codes, stamp: context.adminStamp(at: policy.now().millis))
            return Self.response(bindings)
        } catch let rejected as BatchRejected {
            var error = CatalogInput.rejection(rejected) { "product_codes[\($0)]" }
            error.code = .notFound
            error.reason = "BINDING_NOT_FOUND"
            throw error
        }
    }

    public func list(_ request: Scenic_V1_ListBindingsRequest, context: CallContext) async throws -> Scenic_V1_BindingsResponse {
        Self.response(try await store.bindings(distributorID: request.distributorID))
    }

    private func apply(
        _ request: Scenic_V1_BindProductsRequest, change: BindingChange, context: CallContext
    ) async throws -> Scenic_V1_BindingsResponse {
        var violations: [RPCError.FieldViolation] = []
        try Self.checkBatchSize(request.items.count, field: "items")
        var items: [PricedCode] = []
        for (index, item) in request.items.enumerated() {
            let code = CatalogInput.code(item.productCode, field: "items[\(index)].product_code", into: &violations)
            let price = CatalogInput.price(item.settlementPriceFen, field: "items[\(index)].settlement_price_fen", into: &violations)
            if let code, let price { items.append(PricedCode(code: code, settlementPriceFen: price)) }
        }
        CatalogInput.duplicates(request.items.map(\.productCode), field: { "items[\($0)].product_code" }, into: &violations)
        try AccountInput.check(violations)
        do {
            let bindings = try await store.applyBindings(
                distributorID: request.distributorID, items, change: change, stamp: context.adminStamp(at: policy.now().millis))
            return Self.response(bindings)
        } catch let rejected as BatchRejected {
            throw CatalogInput.rejection(rejected) { index in
                if case .aboveRetail = rejected.problems.first(where: { $0.index == index })?.kind {
                    return "items[\(index)].settlement_price_fen"
                }
                return "items[\(index)].product_code"
            }
        }
    }

    private static func checkBatchSize(_ count: Int, field: String) throws {
        guard (1...maxBatch).contains(count) else {
            throw RPCError.invalidArgument(
                "a batch takes 1 to \(maxBatch) items",
                violations: [.init(field: field, description: "must hold 1 to \(maxBatch) items", reason: "OUT_OF_RANGE")])
        }
    }

    private static func response(_ bindings: [BindingRecord]) -> Scenic_V1_BindingsResponse {
        var response = Scenic_V1_BindingsResponse()
        response.bindings = bindings.map(Scenic_V1_Binding.init)
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Bind", handler: bind)
        router.register(service: Self.service, method: "SetPrices", handler: setPrices)
        router.register(service: Self.service, method: "Unbind", handler: unbind)
        router.register(service: Self.service, method: "List", handler: list)
    }
}
