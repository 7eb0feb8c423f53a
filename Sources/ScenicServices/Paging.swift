import ScenicRPC

/// Cursor pagination: a page token is the id of the last row of the previous page.
struct Paging {
    static let defaultSize = 50
    static let maxSize = 500

    let size: Int
    let cursor: Int64?

    /// Validates `page_size` (0 means the default) and `page_token`.
    init(size: Int32, token: String) throws {
        var violations: [RPCError.FieldViolation] = []
        if size < 0 || Int(size) > Self.maxSize {
            violations.append(.init(field: "page_size", description: "must be between 0 and \(Self.maxSize)", reason: "OUT_OF_RANGE"))
        }
        var cursor: Int64?
        if !token.isEmpty {
            cursor = Int64(token)
            if cursor == nil {
                violations.append(.init(field: "page_token", description: "is not a token this server gave", reason: "INVALID_PAGE_TOKEN"))
            }
        }
        try AccountInput.check(violations)
        self.size = size == 0 ? Self.defaultSize : Int(size)
        self.cursor = cursor
    }

    /// The next page's token: set only when the page came back full.
    func nextToken(lastID: Int64?, count: Int) -> String {
        guard count == size, let lastID else { return "" }
        return String(lastID)
    }
}
