import Foundation
import GRDB
import PostgresNIO
import ScenicStore

/// PostgreSQL's rows handed to the records' own decoders: the columns are named as in
/// SQLite, so each record reads a row of either store the same way.
extension GRDB.Row {
    /// The row's cells as SQLite would hold them: integers, text, blobs, booleans as 0 or
    /// 1, and dates as their YYYY-MM-DD text.
    convenience init(postgres row: PostgresRow) throws {
        var columns: [String: (any DatabaseValueConvertible)?] = [:]
        for cell in row { columns[cell.columnName] = try Self.value(of: cell) }
        self.init(columns)
    }

    private static func value(of cell: PostgresCell) throws -> (any DatabaseValueConvertible)? {
        guard cell.bytes != nil else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return try cell.decode(Int64.self)
        case .bool: return try cell.decode(Bool.self)
        case .text, .varchar, .name, .bpchar: return try cell.decode(String.self)
        case .bytea: return try cell.decode(Data.self)
        case .float4, .float8: return try cell.decode(Double.self)
        // A sum of integers: an integer again while it fits.
        case .numeric:
            let number = try cell.decode(Decimal.self)
            let integer = NSDecimalNumber(decimal: number).int64Value
            if Decimal(integer) == number { return integer }
            return NSDecimalNumber(decimal: number).doubleValue
        case .date: return try cell.decode(CivilDate.self).text
        default: throw PostgresRowUnreadable(column: cell.columnName, type: "\(cell.dataType)")
        }
    }
}

/// A column of a type no record reads.
struct PostgresRowUnreadable: Error, CustomStringConvertible {
    let column: String
    let type: String
    var description: String { "column \(column) is of type \(type), which no record reads" }
}

/// A calendar date as the store writes it, YYYY-MM-DD, sent to and read from PostgreSQL's
/// `date` (days since 2000-01-01).
struct CivilDate: PostgresEncodable, PostgresDecodable {
    let text: String

    init(_ text: String) { self.text = text }

    /// 2000-01-01 as a day number since 1970-01-01.
    private static let postgresEpoch = 10_957

    static var psqlType: PostgresDataType { .date }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) throws {
        guard let day = CalendarDates.dayNumber(text) else { throw CivilDateInvalid(text: text) }
        byteBuffer.writeInteger(Int32(day - Self.postgresEpoch))
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .date, format == .binary, buffer.readableBytes == 4, let days = buffer.readInteger(as: Int32.self) else {
            throw PostgresDecodingError.Code.typeMismatch
        }
        text = CalendarDates.date(dayNumber: Int(days) + Self.postgresEpoch)
    }
}

/// A date that is not YYYY-MM-DD.
struct CivilDateInvalid: Error, CustomStringConvertible {
    let text: String
    var description: String { "\"\(text)\" is not a YYYY-MM-DD date" }
}
