import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Catalog`: what the signed-in distributor may sell.
public struct CatalogService: Sendable {
    public static let service = "scenic.v1.Catalog"

    let store: ScenicStore
    let authenticator: SessionAuthenticator

    public func listSellable(_ request: Scenic_V1_ListSellableRequest, context: CallContext) async throws
        -> Scenic_V1_ListSellableResponse
    {
        let principal = try await authenticator.authenticate(context)
        var response = Scenic_V1_ListSellableResponse()
        response.products = try await store.sellableProducts(distributorID: principal.distributor.id).map { binding in
            var product = Scenic_V1_SellableProduct()
            product.code = binding.product.code
            product.name = binding.product.name
            product.retailPriceFen = binding.product.retailPriceFen
            product.settlementPriceFen = binding.settlementPriceFen
            product.refundRule = binding.product.refundable ? .refundable : .nonRefundable
            product.validDays = Int32(binding.product.validDays)
            return product
        }
        return response
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "ListSellable", handler: listSellable)
    }
}
