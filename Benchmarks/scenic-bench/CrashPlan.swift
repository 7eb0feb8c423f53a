import Foundation

/// One money operation of the crash test, with the request id that makes retrying it safe.
struct CrashOperation: Codable, Sendable, Hashable {
    enum Kind: String, Codable, Sendable { case sell, recharge, refund }
    var id: String
    var kind: Kind
    /// Index into the fixture's sellers.
    var seller: Int
    var quantity: Int32 = 0
    var amountFen: Int64 = 0
    var codes: [String] = []
}

/// The daemon's answer to an operation, kept to check what the database holds and that
/// a replay answers the same.
struct CrashAcknowledgement: Codable, Sendable, Equatable {
    var id: String
    var orderID: Int64 = 0
    var codes: [String] = []
    var entryID: Int64 = 0
    var refundedFen: Int64 = 0
    /// Set when the daemon refused the operation outright (never expected here).
    var refusal: String?
}

/// What one worker process is given: whom to call as, and what.
struct WorkerPlan: Codable, Sendable {
    var adminSocket: String
    var posSocket: String
    var tokens: [String]
    var sellerIDs: [Int64]
    var visitDate: String
    var operations: [CrashOperation]
}

/// Reads the JSON-lines files the workers write their answers to.
enum JSONLines {
    static func read<T: Decodable>(_ type: T.Type, from path: String) -> [T] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        // A worker may be stopped mid-line; a partial last line is not an answer.
        return text.split(separator: "\n").compactMap { try? decoder.decode(T.self, from: Data($0.utf8)) }
    }
}
