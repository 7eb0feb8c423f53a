import GRDB

/// A product of the catalog as stored.
public struct ProductRecord: Sendable, Equatable, FetchableRecord {
    public enum Status: String, Sendable {
        case onSale = "on_sale"
        case archived
    }

    public var id: Int64
    public var code: String
    public var name: String
    public var retailPriceFen: Int64
    public var refundable: Bool
    public var validDays: Int
    public var status: Status
    public var createdAt: Millis
    public var updatedAt: Millis
    /// When its tickets may be sold and used (the calendar).
    public var bookingRules: BookingRules
    public var realName: RealNameRules
    /// The refund rules its sales take, and their row (nil: ``RefundPolicy/standard``).
    public var refundPolicy: RefundPolicy
    public var refundPolicyID: Int64?

    /// Every product column and its refund rules.
    package static let select = "SELECT product.*, \(RefundPolicy.joinedColumns) FROM product " + joinRefundPolicy
    package static let joinRefundPolicy = "LEFT JOIN refund_policy ON refund_policy.id = product.refund_policy_id"

    public init(row: Row) throws { self.init(columns: row) }

    package init(columns row: some ColumnReading) {
        id = row["id"]
        code = row["code"]
        name = row["name"]
        retailPriceFen = row["retail_price_fen"]
        refundable = row["refundable"]
        validDays = row["valid_days"]
        status = Status(rawValue: row["status"]) ?? .archived
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
        bookingRules = BookingRules(row: row)
        realName = RealNameRules(row: row)
        refundPolicy = RefundPolicy(joinedRow: row)
        refundPolicyID = row["refund_policy_id"]
    }
}

/// The fields of a new product, validated by the caller.
public struct NewProduct: Sendable, Equatable {
    public var code: String
    public var name: String
    public var retailPriceFen: Int64
    public var refundable: Bool
    public var validDays: Int
    public var realName: RealNameRules

    public init(code: String, name: String, retailPriceFen: Int64, refundable: Bool, validDays: Int, realName: RealNameRules = .init()) {
        self.realName = realName
        self.code = code
        self.name = name
        self.retailPriceFen = retailPriceFen
        self.refundable = refundable
        self.validDays = validDays
    }
}

/// Changes to a product; nil leaves a field as it is.
public struct ProductChanges: Sendable {
    public var name: String?
    public var retailPriceFen: Int64?
    public var refundable: Bool?
    public var validDays: Int?

    public init(name: String? = nil, retailPriceFen: Int64? = nil, refundable: Bool? = nil, validDays: Int? = nil) {
        self.name = name
        self.retailPriceFen = retailPriceFen
        self.refundable = refundable
        self.validDays = validDays
    }

    /// What the changes change in `product`, for the audit log; empty when nothing.
    package func notes(against product: ProductRecord) -> [String] {
        var notes: [String] = []
        if let name, name != product.name { notes.append("name → \"\(name)\"") }
        if let retailPriceFen, retailPriceFen != product.retailPriceFen {
            notes.append("retail \(product.retailPriceFen) → \(retailPriceFen) fen")
        }
        if let refundable, refundable != product.refundable { notes.append(refundable ? "refundable" : "non-refundable") }
        if let validDays, validDays != product.validDays { notes.append("valid days \(product.validDays) → \(validDays)") }
        return notes
    }
}

/// A distributor's authorization to sell a product, with the product it names.
public struct BindingRecord: Sendable, Equatable, FetchableRecord {
    public var distributorID: Int64
    public var product: ProductRecord
    public var settlementPriceFen: Int64
    public var boundAt: Millis
    public var updatedAt: Millis

    /// Reads a row of `binding JOIN product` whose binding columns are prefixed `b_`.
    public init(row: Row) throws { self.init(columns: row) }

    package init(columns row: some ColumnReading) {
        distributorID = row["b_distributor_id"]
        settlementPriceFen = row["b_settlement_price_fen"]
        boundAt = row["b_bound_at"]
        updatedAt = row["b_updated_at"]
        product = ProductRecord(columns: row)
    }

    package static let select = """
        SELECT product.*, binding.distributor_id AS b_distributor_id,
            binding.settlement_price_fen AS b_settlement_price_fen, binding.bound_at AS b_bound_at,
            binding.updated_at AS b_updated_at, \(RefundPolicy.joinedColumns)
        FROM binding JOIN product ON product.id = binding.product_id
        \(ProductRecord.joinRefundPolicy)
        """
}

/// One product code and a settlement price, as a batch names them.
public struct PricedCode: Sendable, Equatable {
    public var code: String
    public var settlementPriceFen: Int64

    public init(code: String, settlementPriceFen: Int64) {
        self.code = code
        self.settlementPriceFen = settlementPriceFen
    }
}

/// What the store found wrong with one item of a batch; the batch wrote nothing.
public struct BatchItemProblem: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case unknownProduct, archivedProduct, alreadyBound, notBound, aboveRetail(retailFen: Int64), codeTaken
    }

    public var index: Int
    public var kind: Kind

    package init(index: Int, kind: Kind) {
        self.index = index
        self.kind = kind
    }
}

/// A batch refused because of what is stored; nothing of it was written.
public struct BatchRejected: Error, Sendable, Equatable {
    public var problems: [BatchItemProblem]

    package init(problems: [BatchItemProblem]) {
        self.problems = problems
    }
}

/// A product change refused because a binding's settlement price would exceed the new retail price.
public struct RetailBelowSettlement: Error, Sendable, Equatable {
    public var code: String
    public var highestSettlementFen: Int64

    package init(code: String, highestSettlementFen: Int64) {
        self.code = code
        self.highestSettlementFen = highestSettlementFen
    }
}

public struct ProductNotFound: Error, Sendable, Equatable {
    public var code: String

    public init(code: String) {
        self.code = code
    }
}
