import Foundation
import ScenicProto
import ScenicRPC
import ScenicStore

/// `scenic.v1.Catalog`: what the signed-in distributor may sell.
public struct CatalogService: Sendable {
    public static let service = "scenic.v1.Catalog"

    let store: any Store
    let policy: AccountPolicy
    let authenticator: SessionAuthenticator

    public func listSellable(_ request: Scenic_V1_ListSellableRequest, context: CallContext) async throws
        -> Scenic_V1_ListSellableResponse
    {
        let principal = try await authenticator.authenticate(context, scope: .read)
        var response = Scenic_V1_ListSellableResponse()
        response.products = try await store.sellableProducts(distributorID: principal.distributor.id).map { binding in
            var product = Scenic_V1_SellableProduct()
            product.code = binding.product.code
            product.name = binding.product.name
            product.retailPriceFen = binding.product.retailPriceFen
            product.settlementPriceFen = binding.settlementPriceFen
            product.refundRule = binding.product.refundable ? .refundable : .nonRefundable
            product.validDays = Int32(binding.product.validDays)
            product.realName = .init(binding.product.realName)
            return product
        }
        return response
    }

    /// The calendar of a product the caller may sell, with its own prices and allotment.
    public func availability(_ request: Scenic_V1_AvailabilityRequest, context: CallContext) async throws
        -> Scenic_V1_AvailabilityResponse
    {
        let principal = try await authenticator.authenticate(context, scope: .read)
        let code = request.productCode.trimmingCharacters(in: .whitespaces)
        // Another product is as unknown as one that does not exist.
        guard try await store.sellableProducts(distributorID: principal.distributor.id).contains(where: { $0.product.code == code })
        else { throw MoneyError.productNotAuthorized(code) }
        return try await CalendarView.availability(store: store, request: request, distributorID: principal.distributor.id, policy: policy)
    }

    func register(in router: inout Router) {
        router.register(service: Self.service, method: "ListSellable", handler: listSellable)
        router.register(service: Self.service, method: "Availability", handler: availability)
    }
}
