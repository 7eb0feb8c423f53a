import ScenicNumbering
import ScenicRPC

/// Cursor pagination: a page token is the public number (``PublicNumbers``) of the last
/// row of the previous page, so that it tells a distributor nothing about other rows.
struct Paging {
    static let defaultSize = 50
    static let maxSize = 500

    let size: Int
    let cursor: Int64?
    private let numbers: PublicNumbers

    /// Validates `page_size` (0 means the default) and `page_token`.
    init(size: Int32, token: String, numbers: PublicNumbers) throws {
        var violations: [RPCError.FieldViolation] = []
        if size < 0 || Int(size) > Self.maxSize {
            violations.append(.init(field: "page_size", description: "must be between 0 and \(Self.maxSize)", reason: "OUT_OF_RANGE"))
        }
        var cursor: Int64?
        if !token.isEmpty {
            cursor = Int64(token).flatMap(numbers.id(for:))
            if cursor == nil {
                violations.append(.init(field: "page_token", description: "is not a token this server gave", reason: "INVALID_PAGE_TOKEN"))
            }
        }
        try AccountInput.check(violations)
        self.size = size == 0 ? Self.defaultSize : Int(size)
        self.cursor = cursor
        self.numbers = numbers
    }

    /// The next page's token: set only when the page came back full.
    func nextToken(lastID: Int64?, count: Int) -> String {
        guard count == size, let lastID else { return "" }
        return String(numbers.number(for: lastID))
    }
}
