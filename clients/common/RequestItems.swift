import Foundation
import ScenicClient

/// The elements of a request's repeated field (`items`, `visitors`, `products`), each with
/// where the user gave it: the daemon names a bad element by its index
/// (`items[2].settlement_price_fen`), and the user finds it again by what they typed
/// (`--product BOAT=90.00`) or by the line of their file (`products.csv line 4, price`).
public struct RequestItems: Sendable {
    public struct Item: Sendable {
        /// `--product BOAT=90.00`, `visitor 2 (--visitor "Li Si,…")`, `products.csv line 4`.
        public var origin: String
        /// The price the element sets, for a refusal that compares it with another
        /// (ABOVE_RETAIL_PRICE), which the daemon words with the other alone.
        public var priceFen: Int64?
        /// How the daemon names the element in an error's metadata, when not as typed: a
        /// voucher code without the spaces and dashes the user may have typed.
        public var key: String?

        public init(origin: String, priceFen: Int64? = nil, key: String? = nil) {
            self.origin = origin
            self.priceFen = priceFen
            self.key = key
        }
    }

    /// The repeated field's name in the request.
    public var field: String
    public var items: [Item]
    /// The words for the parts of an element a refusal names (`id_number` → `ID number`,
    /// `retail_price_fen` → `price`); "" leaves a part unsaid where the origin shows it
    /// whole (`--product BOAT=90.00`). A part not listed keeps its name.
    public var parts: [String: String]
    /// The metadata entry by which an error about one element names it (a refund's `code`).
    public var metadataKey: String?

    public init(field: String, items: [Item], parts: [String: String] = [:], metadataKey: String? = nil) {
        self.field = field
        self.items = items
        self.parts = parts
        self.metadataKey = metadataKey
    }

    /// Elements named by their origins alone, e.g. positional arguments as typed.
    public init(field: String, origins: [String], parts: [String: String] = [:]) {
        self.init(field: field, items: origins.map { Item(origin: $0) }, parts: parts)
    }

    /// The element a field path names (`items[2]` or `items[2].settlement_price_fen`) and
    /// the words for it (`--product BOAT=90.00`, `products.csv line 4, price`); nil for
    /// a path outside this field, or an index the request did not have.
    public func locate(_ path: String) -> (item: Item, label: String)? {
        let prefix = field + "["
        guard path.hasPrefix(prefix), let close = path.firstIndex(of: "]"),
            let index = Int(path[path.index(path.startIndex, offsetBy: prefix.count)..<close]), items.indices.contains(index)
        else { return nil }
        let item = items[index]
        let part = String(path[path.index(after: close)...].drop { $0 == "." })
        let words = part.isEmpty ? "" : parts[part] ?? part
        return (item, words.isEmpty ? item.origin : item.origin + ", " + words)
    }

    /// `error` as about the whole batch when it is about a part sent alone (a chunk from
    /// element `offset` on), whose elements it numbers from 0, in its message too.
    public func renumbered(_ error: RPCError, from offset: Int) -> RPCError {
        // `field` is a protobuf field name, letters, digits and underscores: no regex syntax.
        guard let path = try? Regex(field + #"\[(\d+)\]"#, as: (Substring, Substring).self) else { return error }
        func shift(_ text: String) -> String {
            text.replacing(path) { match in Int(match.output.1).map { "\(field)[\($0 + offset)]" } ?? String(match.output.0) }
        }
        var error = error
        error.message = shift(error.message)
        for index in error.fieldViolations.indices { error.fieldViolations[index].field = shift(error.fieldViolations[index].field) }
        return error
    }

    /// `message` with the element the error's metadata names written as the user typed it
    /// (`no voucher 1234 5678 9012 3452`, not the daemon's `1234567890123452`).
    func naming(in message: String, metadata: [String: String]) -> String {
        guard let metadataKey, let named = metadata[metadataKey],
            let item = items.first(where: { ($0.key ?? $0.origin) == named })
        else { return message }
        return message.replacingOccurrences(of: named, with: item.origin)
    }
}
