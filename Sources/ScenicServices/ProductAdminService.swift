import ScenicNumbering
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.ProductAdmin`: the scenic area's catalog.
public struct ProductAdminService: Sendable {
    public static let service = "scenic.v1.ProductAdmin"
    /// Rows one Import call takes; a frame of that many rows stays well under 4 MiB.
    public static let maxImportRows = 20_000

    let store: any Store
    let policy: AccountPolicy
    let numbers: PublicNumbers

    public func create(_ request: Scenic_V1_CreateProductRequest, context: CallContext) async throws -> Scenic_V1_Product {
        var violations: [RPCError.FieldViolation] = []
        let product = CatalogInput.newProduct(request, into: &violations)
        try AccountInput.check(violations)
        guard let product else { return .init() }
        do {
            let created = try await store.createProducts([product], stamp: context.adminStamp(at: now))
            return .init(created[0])
        } catch is BatchRejected {
            throw RPCError(
                .alreadyExists, "a product with code \(product.code) exists", reason: "CODE_TAKEN",
                fieldViolations: [.init(field: "code", description: "a product with this code exists", reason: "CODE_TAKEN")])
        }
    }

    public func importProducts(_ request: Scenic_V1_ImportProductsRequest, context: CallContext) async throws
        -> Scenic_V1_ImportProductsResponse
    {
        var violations: [RPCError.FieldViolation] = []
        guard (1...Self.maxImportRows).contains(request.products.count) else {
            throw RPCError.invalidArgument(
                "an import takes 1 to \(Self.maxImportRows) products",
                violations: [.init(field: "products", description: "must hold 1 to \(Self.maxImportRows) rows", reason: "OUT_OF_RANGE")])
        }
        let products = request.products.enumerated().compactMap { index, row in
            CatalogInput.newProduct(row, prefix: "products[\(index)].", into: &violations)
        }
        // Indexed over the request's rows, not the valid ones, so that paths name the right row.
        CatalogInput.duplicates(
            request.products.map { $0.code.trimmingCharacters(in: .whitespaces) }, field: { "products[\($0)].code" },
            into: &violations)
        try AccountInput.check(violations)
        do {
            _ = try await store.createProducts(products, stamp: context.adminStamp(at: now), dryRun: request.dryRun)
        } catch let rejected as BatchRejected {
            throw CatalogInput.rejection(rejected) { "products[\($0)].code" }
        }
        var response = Scenic_V1_ImportProductsResponse()
        response.checked = Int32(products.count)
        response.created = request.dryRun ? 0 : Int32(products.count)
        return response
    }

    public func list(_ request: Scenic_V1_ListProductsRequest, context: CallContext) async throws -> Scenic_V1_ListProductsResponse {
        let paging = try Paging(size: request.pageSize, token: request.pageToken, numbers: numbers)
        let status: ProductRecord.Status? =
            switch request.status {
            case .onSale: .onSale
            case .archived: .archived
            default: nil
            }
        let records = try await store.products(
            status: status, matching: request.query.trimmingCharacters(in: .whitespaces), afterID: paging.cursor ?? 0,
            limit: paging.size)
        var response = Scenic_V1_ListProductsResponse()
        response.products = records.map(Scenic_V1_Product.init)
        response.nextPageToken = paging.nextToken(lastID: records.last?.id, count: records.count)
        return response
    }

    public func get(_ request: Scenic_V1_ProductCodeRequest, context: CallContext) async throws -> Scenic_V1_Product {
        guard let record = try await store.product(code: request.code) else { throw ProductNotFound(code: request.code) }
        return .init(record)
    }

    public func update(_ request: Scenic_V1_UpdateProductRequest, context: CallContext) async throws -> Scenic_V1_Product {
        var violations: [RPCError.FieldViolation] = []
        var changes = ProductChanges()
        if !request.name.isEmpty { changes.name = AccountInput.name(request.name, maxLength: 128, into: &violations) }
        if request.retailPriceFen != 0 {
            changes.retailPriceFen = CatalogInput.price(request.retailPriceFen, field: "retail_price_fen", into: &violations)
        }
        if request.validDays != 0 { changes.validDays = CatalogInput.validDays(request.validDays, field: "valid_days", into: &violations) }
        switch request.refundRule {
        case .refundable: changes.refundable = true
        case .nonRefundable: changes.refundable = false
        default: break
        }
        try AccountInput.check(violations)
        return .init(try await store.updateProduct(code: request.code, changes, stamp: context.adminStamp(at: now)))
    }

    public func archive(_ request: Scenic_V1_ProductCodeRequest, context: CallContext) async throws -> Scenic_V1_Product {
        .init(try await store.archiveProduct(code: request.code, stamp: context.adminStamp(at: now)))
    }

    public func setRealName(_ request: Scenic_V1_SetRealNameRequest, context: CallContext) async throws -> Scenic_V1_Product {
        var violations: [RPCError.FieldViolation] = []
        let rules = RealNameInput.rules(request.rules, field: "rules", into: &violations)
        try AccountInput.check(violations)
        return .init(try await store.setRealNameRules(productCode: request.code, rules, stamp: context.adminStamp(at: now)))
    }

    /// Replaces the refund rules new sales of the product take.
    public func setRefundPolicy(_ request: Scenic_V1_SetRefundPolicyRequest, context: CallContext) async throws -> Scenic_V1_Product {
        var violations: [RPCError.FieldViolation] = []
        let refundPolicy = RefundPolicyInput.policy(request, into: &violations)
        try AccountInput.check(violations)
        return .init(try await store.setRefundPolicy(productCode: request.code, refundPolicy, stamp: context.adminStamp(at: now)))
    }

    private var now: Millis { policy.now().millis }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "Create", handler: create)
        router.register(service: Self.service, method: "Import", handler: importProducts)
        router.register(service: Self.service, method: "List", handler: list)
        router.register(service: Self.service, method: "Get", handler: get)
        router.register(service: Self.service, method: "Update", handler: update)
        router.register(service: Self.service, method: "Archive", handler: archive)
        router.register(service: Self.service, method: "SetRealName", handler: setRealName)
        router.register(service: Self.service, method: "SetRefundPolicy", handler: setRefundPolicy)
    }
}
