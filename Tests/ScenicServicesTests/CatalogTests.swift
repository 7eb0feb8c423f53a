import Foundation
import ScenicProto
import ScenicRPC
import Testing

@testable import ScenicServices
@testable import ScenicStore

extension Harness {
    @discardableResult
    func product(_ code: String, retailFen: Int64 = 12_000, refundable: Bool = true) async throws -> Scenic_V1_Product {
        var request = Scenic_V1_CreateProductRequest()
        request.code = code
        request.name = "Product \(code)"
        request.retailPriceFen = retailFen
        request.refundRule = refundable ? .refundable : .nonRefundable
        return try await call(admin, ProductAdminService.service, "Create", request)
    }

    func bind(_ distributorID: Int64, _ items: [(String, Int64)], method: String = "Bind") async throws -> Scenic_V1_BindingsResponse {
        var request = Scenic_V1_BindProductsRequest()
        request.distributorID = distributorID
        request.items = items.map { code, fen in
            var item = Scenic_V1_BindingItem()
            item.productCode = code
            item.settlementPriceFen = fen
            return item
        }
        return try await call(admin, BindingAdminService.service, method, request)
    }

    func sellable(token: String) async throws -> [String] {
        let response: Scenic_V1_ListSellableResponse = try await call(
            pos, CatalogService.service, "ListSellable", Scenic_V1_ListSellableRequest(), token: token)
        return response.products.map { "\($0.code)=\($0.settlementPriceFen)" }
    }
}

@Suite("Products and bindings")
struct CatalogTests {
    @Test(
        "a batch of three with one bad item binds nothing and names the bad item",
        arguments: [
            (("B", Int64(0)), "items[1].settlement_price_fen", "NOT_POSITIVE"),
            (("B", Int64(12_001)), "items[1].settlement_price_fen", "ABOVE_RETAIL_PRICE"),
            (("NOPE", Int64(100)), "items[1].product_code", "PRODUCT_NOT_FOUND"),
            (("OLD", Int64(100)), "items[1].product_code", "PRODUCT_ARCHIVED"),
            (("A", Int64(100)), "items[1].product_code", "DUPLICATE_ITEM"),
            (("b c", Int64(100)), "items[1].product_code", "INVALID_CODE"),
        ])
    func badItemBindsNothing(bad: (String, Int64), field: String, reason: String) async throws {
        let harness = try await Harness()
        let (id, _, _) = try await harness.activeDistributor()
        for code in ["A", "B", "C", "OLD"] { try await harness.product(code) }
        var archive = Scenic_V1_ProductCodeRequest()
        archive.code = "OLD"
        let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Archive", archive)

        let error = try await expectFailure(.invalidArgument) {
            _ = try await harness.bind(id, [("A", 9_800), bad, ("C", 5_000)])
        }
        #expect(error.fieldViolations.map(\.field) == [field])
        #expect(error.fieldViolations.first?.reason == reason)
        #expect(try await harness.rowCount("binding") == 0)
    }

    @Test("binding twice is refused; set-price changes the price; unbind of an unbound product is NOT_FOUND and all or nothing")
    func bindSetPriceUnbind() async throws {
        let harness = try await Harness()
        let (id, token, _) = try await harness.activeDistributor()
        for code in ["A", "B"] { try await harness.product(code) }
        _ = try await harness.bind(id, [("A", 9_800), ("B", 5_000)])
        #expect(try await harness.sellable(token: token) == ["A=9800", "B=5000"])

        let again = try await expectFailure(.invalidArgument) { _ = try await harness.bind(id, [("A", 9_000)]) }
        #expect(again.fieldViolations.first?.reason == "ALREADY_BOUND")
        _ = try await harness.bind(id, [("A", 9_000)], method: "SetPrices")
        #expect(try await harness.sellable(token: token) == ["A=9000", "B=5000"])

        var unbind = Scenic_V1_UnbindProductsRequest()
        unbind.distributorID = id
        unbind.productCodes = ["A", "C"]
        try await expectFailure(.notFound, reason: "BINDING_NOT_FOUND") {
            let _: Scenic_V1_BindingsResponse = try await harness.call(harness.admin, BindingAdminService.service, "Unbind", unbind)
        }
        #expect(try await harness.sellable(token: token).count == 2)
        unbind.productCodes = ["A"]
        let left: Scenic_V1_BindingsResponse = try await harness.call(harness.admin, BindingAdminService.service, "Unbind", unbind)
        #expect(left.bindings.map(\.product.code) == ["B"])
        // Gone from the point of sale at once.
        #expect(try await harness.sellable(token: token) == ["B=5000"])
    }

    @Test("an archived product leaves the point of sale at once; its binding stays listed for the back office")
    func archiveHides() async throws {
        let harness = try await Harness()
        let (id, token, _) = try await harness.activeDistributor()
        try await harness.product("A")
        _ = try await harness.bind(id, [("A", 100)])
        var archive = Scenic_V1_ProductCodeRequest()
        archive.code = "A"
        let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Archive", archive)
        #expect(try await harness.sellable(token: token).isEmpty)
        var list = Scenic_V1_ListBindingsRequest()
        list.distributorID = id
        let bindings: Scenic_V1_BindingsResponse = try await harness.call(harness.admin, BindingAdminService.service, "List", list)
        #expect(bindings.bindings.first?.product.status == .archived)
    }

    @Test("the retail price cannot drop below a bound settlement price")
    func retailAboveSettlement() async throws {
        let harness = try await Harness()
        let (id, _, _) = try await harness.activeDistributor()
        try await harness.product("A", retailFen: 12_000)
        _ = try await harness.bind(id, [("A", 9_800)])
        var update = Scenic_V1_UpdateProductRequest()
        update.code = "A"
        update.retailPriceFen = 9_000
        try await expectFailure(.failedPrecondition, reason: "SETTLEMENT_ABOVE_RETAIL") {
            let _: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Update", update)
        }
        update.retailPriceFen = 9_800
        let updated: Scenic_V1_Product = try await harness.call(harness.admin, ProductAdminService.service, "Update", update)
        #expect(updated.retailPriceFen == 9_800)
    }

    @Test("the catalog needs a session, and a fresh one after an initial password")
    func catalogNeedsSession() async throws {
        let harness = try await Harness()
        try await expectFailure(.unauthenticated, reason: "SESSION_REQUIRED") { _ = try await harness.sellable(token: "") }
        let created = try await harness.create()
        let login = try await harness.login(password: created.initialPassword)
        try await expectFailure(.failedPrecondition, reason: "PASSWORD_CHANGE_REQUIRED") {
            _ = try await harness.sellable(token: login.sessionToken)
        }
    }

    @Test("import is all or nothing and names every bad row")
    func importAllOrNothing() async throws {
        let harness = try await Harness()
        try await harness.product("TAKEN")
        var request = Scenic_V1_ImportProductsRequest()
        request.products = [("OK1", 100), ("TAKEN", 100), ("OK2", -5), ("OK1", 100)].map { code, fen in
            var row = Scenic_V1_CreateProductRequest()
            row.code = code
            row.name = code
            row.retailPriceFen = Int64(fen)
            return row
        }
        let error = try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_ImportProductsResponse = try await harness.call(harness.admin, ProductAdminService.service, "Import", request)
        }
        #expect(Set(error.fieldViolations.map(\.field)) == ["products[2].retail_price_fen", "products[3].code"])
        #expect(try await harness.rowCount("product") == 1)
        request.products.removeLast(2)
        let taken = try await expectFailure(.invalidArgument) {
            let _: Scenic_V1_ImportProductsResponse = try await harness.call(harness.admin, ProductAdminService.service, "Import", request)
        }
        #expect(taken.fieldViolations.map(\.field) == ["products[1].code"])
        #expect(try await harness.rowCount("product") == 1)
    }
}
