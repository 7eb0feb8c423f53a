/// Typed calls for the catalog and bindings (admin socket) and what a point of sale may sell.
extension ScenicClient {
    public func createProduct(_ request: Scenic_V1_CreateProductRequest) async throws -> Scenic_V1_Product {
        try await call(service: "scenic.v1.ProductAdmin", method: "Create", request: request)
    }

    public func importProducts(_ rows: [Scenic_V1_CreateProductRequest], dryRun: Bool) async throws -> Scenic_V1_ImportProductsResponse {
        var request = Scenic_V1_ImportProductsRequest()
        request.products = rows
        request.dryRun = dryRun
        return try await call(service: "scenic.v1.ProductAdmin", method: "Import", request: request)
    }

    public func listProducts(_ request: Scenic_V1_ListProductsRequest) async throws -> Scenic_V1_ListProductsResponse {
        try await call(service: "scenic.v1.ProductAdmin", method: "List", request: request)
    }

    public func product(code: String) async throws -> Scenic_V1_Product {
        var request = Scenic_V1_ProductCodeRequest()
        request.code = code
        return try await call(service: "scenic.v1.ProductAdmin", method: "Get", request: request)
    }

    public func updateProduct(_ request: Scenic_V1_UpdateProductRequest) async throws -> Scenic_V1_Product {
        try await call(service: "scenic.v1.ProductAdmin", method: "Update", request: request)
    }

    public func archiveProduct(code: String) async throws -> Scenic_V1_Product {
        var request = Scenic_V1_ProductCodeRequest()
        request.code = code
        return try await call(service: "scenic.v1.ProductAdmin", method: "Archive", request: request)
    }

    /// Replaces a product's real-name rules: whether its sales name visitors, and the per-ID limit.
    public func setRealName(_ request: Scenic_V1_SetRealNameRequest) async throws -> Scenic_V1_Product {
        try await call(service: "scenic.v1.ProductAdmin", method: "SetRealName", request: request)
    }

    /// Replaces a product's refund rules (deadline, fees, approval) for its sales from now
    /// on; a policy left unset is the default. Vouchers already sold keep theirs.
    public func setRefundPolicy(_ request: Scenic_V1_SetRefundPolicyRequest) async throws -> Scenic_V1_Product {
        try await call(service: "scenic.v1.ProductAdmin", method: "SetRefundPolicy", request: request)
    }

    /// Binds products to a distributor (`setPrice: false`) or changes their settlement prices.
    public func bind(
        distributorID: Int64, _ items: [(code: String, settlementPriceFen: Int64)], setPrice: Bool = false
    ) async throws -> Scenic_V1_BindingsResponse {
        var request = Scenic_V1_BindProductsRequest()
        request.distributorID = distributorID
        request.items = items.map { code, price in
            var item = Scenic_V1_BindingItem()
            item.productCode = code
            item.settlementPriceFen = price
            return item
        }
        return try await call(service: "scenic.v1.BindingAdmin", method: setPrice ? "SetPrices" : "Bind", request: request)
    }

    public func unbind(distributorID: Int64, codes: [String]) async throws -> Scenic_V1_BindingsResponse {
        var request = Scenic_V1_UnbindProductsRequest()
        request.distributorID = distributorID
        request.productCodes = codes
        return try await call(service: "scenic.v1.BindingAdmin", method: "Unbind", request: request)
    }

    public func bindings(distributorID: Int64) async throws -> Scenic_V1_BindingsResponse {
        var request = Scenic_V1_ListBindingsRequest()
        request.distributorID = distributorID
        return try await call(service: "scenic.v1.BindingAdmin", method: "List", request: request)
    }

    /// What the signed-in distributor may sell now.
    public func sellableProducts() async throws -> Scenic_V1_ListSellableResponse {
        try await call(service: "scenic.v1.Catalog", method: "ListSellable", request: Scenic_V1_ListSellableRequest())
    }
}
