import Foundation
import GRDB

/// Whose identity a product's sales carry (real-name tickets) and how many tickets one
/// ID may hold.
public struct RealNameRules: Sendable, Equatable, CustomStringConvertible {
    public enum Mode: String, Sendable, CaseIterable {
        case none
        case perOrder = "per_order"
        case perTicket = "per_ticket"
    }

    /// The visit dates a per-ID limit counts together.
    public enum Period: String, Sendable, CaseIterable {
        case day, week, month
    }

    /// The most a per-ID limit may be: far above any real rule, low enough that a count
    /// never overflows a check.
    public static let maxIDLimit = 1000

    public var mode: Mode
    /// Tickets one ID may hold per period; 0 for no limit.
    public var idLimit: Int
    public var idLimitPeriod: Period

    public init(mode: Mode = .none, idLimit: Int = 0, idLimitPeriod: Period = .day) {
        self.mode = mode
        self.idLimit = idLimit
        self.idLimitPeriod = idLimitPeriod
    }

    init(row: some ColumnReading) {
        mode = Mode(rawValue: row["real_name_mode"] ?? "none") ?? .none
        idLimit = row["id_limit"] ?? 0
        idLimitPeriod = Period(rawValue: row["id_limit_period"] ?? "day") ?? .day
    }

    /// How many visitors a sale of `quantity` tickets names.
    public func visitorsNeeded(quantity: Int) -> Int {
        switch mode {
        case .none: 0
        case .perOrder: 1
        case .perTicket: quantity
        }
    }

    /// Refuses a sale that names other than the visitors its product's mode needs.
    package func requireVisitors(for sale: SaleRequest, productCode: String) throws {
        let needed = visitorsNeeded(quantity: sale.quantity)
        guard sale.visitors.count == needed else {
            throw RealNameError.visitorCount(productCode: productCode, mode: mode, needed: needed, given: sale.visitors.count)
        }
    }

    /// Refuses the sale when its visitor at `index`, whose ID holds `held` tickets of the
    /// period already (every distributor's, not refunded), would hold more than the limit
    /// with this sale's tickets for it, counting the same ID named earlier in the sale.
    package func requireWithinLimit(_ sale: SaleRequest, visitor index: Int, held: Int) throws {
        let ticketsEach = mode == .perOrder ? sale.quantity : 1
        let visitor = sale.visitors[index]
        let earlier = sale.visitors[..<index].filter { $0.idHash == visitor.idHash }.count * ticketsEach
        guard held + earlier + ticketsEach <= idLimit else {
            throw RealNameError.idLimitExceeded(
                index: index, maskedIDNumber: visitor.maskedIDNumber, limit: idLimit, held: held + earlier, period: idLimitPeriod)
        }
    }

    /// The first and last visit date (YYYY-MM-DD) the limit counts together with `visitDate`.
    public func period(around visitDate: String) -> (first: String, last: String) {
        guard let day = CalendarDates.dayNumber(visitDate) else { return (visitDate, visitDate) }
        switch idLimitPeriod {
        case .day:
            return (visitDate, visitDate)
        case .week:
            // 1970-01-01 was a Thursday: ISO weekday 4.
            let monday = day - ((day + 3) % 7 + 7) % 7
            return (CalendarDates.date(dayNumber: monday), CalendarDates.date(dayNumber: monday + 6))
        case .month:
            let first = String(visitDate.prefix(8)) + "01"
            let firstDay = CalendarDates.dayNumber(first) ?? day
            // 31 days after the first of a month is always in the next one.
            let nextFirst = String(CalendarDates.date(dayNumber: firstDay + 31).prefix(8)) + "01"
            return (first, CalendarDates.date(dayNumber: (CalendarDates.dayNumber(nextFirst) ?? day) - 1))
        }
    }

    /// As the audit log shows it.
    public var description: String {
        switch mode {
        case .none: "no real names"
        case .perOrder, .perTicket:
            (mode == .perOrder ? "one visitor per order" : "one visitor per ticket")
                + (idLimit > 0 ? ", at most \(idLimit) per ID a \(idLimitPeriod)" : "")
        }
    }
}

/// A visitor as a sale hands it to the store: sealed by the caller, who holds the key.
public struct SealedVisitor: Sendable, Equatable {
    /// The document's kind, as `visitor.id_type` stores it.
    public var idType: String
    public var maskedName: String
    public var maskedIDNumber: String
    /// A keyed hash of the document's kind and number: what per-ID limits and the gate
    /// look a visitor up by, without the number.
    public var idHash: Data
    /// The name and number, encrypted and authenticated.
    public var sealed: Data

    public init(idType: String, maskedName: String, maskedIDNumber: String, idHash: Data, sealed: Data) {
        self.idType = idType
        self.maskedName = maskedName
        self.maskedIDNumber = maskedIDNumber
        self.idHash = idHash
        self.sealed = sealed
    }
}

/// A real-name ticket's visitor as stored: masked forms always, the sealed data until
/// its retention ends.
public struct VisitorRecord: Sendable, Equatable {
    public var idType: String
    public var maskedName: String
    public var maskedIDNumber: String
    /// Nil once erased.
    public var sealed: Data?

    /// Reads the `v_`-prefixed columns ``VoucherRecord/select`` joins in; nil for a voucher without one.
    init?(voucherRow row: Row) {
        guard let idType: String = row["v_id_type"] else { return nil }
        self.idType = idType
        maskedName = row["v_masked_name"]
        maskedIDNumber = row["v_masked_id"]
        sealed = row["v_sealed"]
    }
}

/// How the gate names what it checks in.
public enum CheckInTarget: Sendable, Equatable {
    /// A voucher by code; with a visitor's ID hash, only if it is that visitor's.
    case code(String, idHash: Data?)
    /// The one ticket of this visitor valid now.
    case visitor(idHash: Data)
}

/// Refusals of real-name sales and of the gate's ID checks; nothing was written.
public enum RealNameError: Error, Sendable, Equatable {
    /// The product's mode asks for `needed` visitors; the sale named `given`.
    case visitorCount(productCode: String, mode: RealNameRules.Mode, needed: Int, given: Int)
    /// Visitor `index` already holds `held` of the `limit` tickets of its period.
    case idLimitExceeded(index: Int, maskedIDNumber: String, limit: Int, held: Int, period: RealNameRules.Period)
    /// Moving voucher `index` of a date change would give its ID more than `limit` in the new period.
    case idLimitExceededByChange(index: Int, maskedIDNumber: String, limit: Int, held: Int, period: RealNameRules.Period)
    case noTicketForID
    case severalTickets(codes: [String])
    case visitorMismatch(code: String)
    case notRealName(code: String)
    case personalDataErased(code: String)
    /// The store's personal data was sealed under another key than the one given.
    case keyMismatch
}

extension VoucherRecord {
    /// Of a visitor's tickets (latest visit date first), each with its product's booking
    /// rules, the one that admits now. When none does, the refusal of the ticket the visitor
    /// most likely means: one of today's, else the next to come, else the last.
    package static func visitorsTicket(among tickets: [(voucher: VoucherRecord, rules: BookingRules)], now: SceneNow) throws -> VoucherRecord {
        let admitting = tickets.filter { (try? $0.voucher.requireAdmits(now: now, rules: $0.rules)) != nil }.map(\.voucher)
        if admitting.count > 1 { throw RealNameError.severalTickets(codes: admitting.map(\.code)) }
        if let only = admitting.first { return only }
        let today = now.today
        let meant =
            tickets.first { $0.voucher.visitDate <= today && today <= $0.voucher.validUntil }
            ?? tickets.filter { $0.voucher.visitDate > today }.last
            ?? tickets.first
        guard let meant else { throw RealNameError.noTicketForID }
        try meant.voucher.requireAdmits(now: now, rules: meant.rules)
        return meant.voucher
    }
}
