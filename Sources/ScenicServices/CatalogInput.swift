import ScenicProto
import ScenicRPC
import ScenicStore

/// Validation of products and binding batches. Problems become field violations named by
/// their path in the request (e.g. `items[2].settlement_price_fen`), all reported at once.
enum CatalogInput {
    /// The highest retail price accepted: ¥1,000,000.00.
    static let maxPriceFen: Int64 = 100_000_000
    static let codeCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

    static func code(_ raw: String, field: String, into violations: inout [RPCError.FieldViolation]) -> String? {
        let code = raw.trimmingCharacters(in: .whitespaces)
        guard (1...32).contains(code.count), code.allSatisfy(codeCharacters.contains) else {
            violations.append(.init(field: field, description: "must be 1–32 characters of A–Z a–z 0–9 - _ .", reason: "INVALID_CODE"))
            return nil
        }
        return code
    }

    static func price(_ fen: Int64, field: String, into violations: inout [RPCError.FieldViolation]) -> Int64? {
        guard fen > 0 else {
            violations.append(.init(field: field, description: "must be positive", reason: "NOT_POSITIVE"))
            return nil
        }
        guard fen <= maxPriceFen else {
            violations.append(.init(field: field, description: "must be at most \(maxPriceFen) fen", reason: "TOO_LARGE"))
            return nil
        }
        return fen
    }

    static func validDays(_ days: Int32, field: String, into violations: inout [RPCError.FieldViolation]) -> Int? {
        guard (1...366).contains(days) else {
            violations.append(.init(field: field, description: "must be between 1 and 366", reason: "OUT_OF_RANGE"))
            return nil
        }
        return Int(days)
    }

    /// A new product from its request, every field checked; `prefix` names it in a batch.
    static func newProduct(_ request: Scenic_V1_CreateProductRequest, prefix: String = "", into violations: inout [RPCError.FieldViolation])
        -> NewProduct?
    {
        let code = code(request.code, field: prefix + "code", into: &violations)
        let name = AccountInput.name(request.name, field: prefix + "name", maxLength: 128, into: &violations)
        let price = price(request.retailPriceFen, field: prefix + "retail_price_fen", into: &violations)
        let days = validDays(request.validDays == 0 ? 1 : request.validDays, field: prefix + "valid_days", into: &violations)
        let realName = RealNameInput.rules(request.realName, field: prefix + "real_name", into: &violations)
        guard let code, let name, let price, let days else { return nil }
        return NewProduct(
            code: code, name: name, retailPriceFen: price, refundable: request.refundRule != .nonRefundable, validDays: days,
            realName: realName)
    }

    /// Flags every item after the first that repeats a code.
    static func duplicates(_ codes: [String?], field: (Int) -> String, into violations: inout [RPCError.FieldViolation]) {
        var seen = Set<String>()
        for (index, code) in codes.enumerated() {
            guard let code, !seen.insert(code).inserted else { continue }
            violations.append(.init(field: field(index), description: "\(code) appears more than once in the batch", reason: "DUPLICATE_ITEM"))
        }
    }

    /// Turns a store-level rejection into INVALID_ARGUMENT naming each item.
    static func rejection(_ rejected: BatchRejected, field: (Int) -> String) -> RPCError {
        let violations = rejected.problems.map { problem -> RPCError.FieldViolation in
            let (description, reason): (String, String) =
                switch problem.kind {
                case .unknownProduct: ("no such product", "PRODUCT_NOT_FOUND")
                case .archivedProduct: ("the product is archived", "PRODUCT_ARCHIVED")
                case .alreadyBound: ("already bound: change its price with set-price", "ALREADY_BOUND")
                case .notBound: ("not bound to this distributor", "NOT_BOUND")
                case .aboveRetail(let retail): ("must not exceed the retail price of \(retail) fen", "ABOVE_RETAIL_PRICE")
                case .codeTaken: ("a product with this code exists", "CODE_TAKEN")
                }
            return .init(field: field(problem.index), description: description, reason: reason)
        }
        return RPCError.invalidArgument(
            "\(violations.count) item(s) refused; nothing was written", violations: violations)
    }
}

extension ProductNotFound: RPCErrorConvertible {
    public var rpcError: RPCError {
        RPCError(
            .notFound, "no product with code \(code)", reason: "PRODUCT_NOT_FOUND",
            fieldViolations: [.init(field: "code", description: "no such product", reason: "NOT_FOUND")])
    }
}

extension RetailBelowSettlement: RPCErrorConvertible {
    public var rpcError: RPCError {
        RPCError(
            .failedPrecondition,
            "\(code) is bound at a settlement price of \(highestSettlementFen) fen; the retail price cannot go below it",
            reason: "SETTLEMENT_ABOVE_RETAIL", metadata: ["highest_settlement_fen": "\(highestSettlementFen)"],
            fieldViolations: [.init(field: "retail_price_fen", description: "below a bound settlement price", reason: "BELOW_SETTLEMENT")])
    }
}

extension Scenic_V1_Product {
    init(_ record: ProductRecord) {
        self.init()
        id = record.id
        code = record.code
        name = record.name
        retailPriceFen = record.retailPriceFen
        refundRule = record.refundable ? .refundable : .nonRefundable
        validDays = Int32(record.validDays)
        status = record.status == .onSale ? .onSale : .archived
        createdAt = ISOTime.format(record.createdAt)
        updatedAt = ISOTime.format(record.updatedAt)
        realName = .init(record.realName)
        refundPolicy = .init(record.refundPolicy)
    }
}

extension Scenic_V1_Binding {
    init(_ record: BindingRecord) {
        self.init()
        product = .init(record.product)
        settlementPriceFen = record.settlementPriceFen
        boundAt = ISOTime.format(record.boundAt)
        updatedAt = ISOTime.format(record.updatedAt)
    }
}
