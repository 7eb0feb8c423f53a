import GRDB

/// A result row whose columns are read by name: a GRDB `Row`, or the current row of a
/// statement stepped through SQLite's C API (``SteppedRow``).
///
/// The records the sale path reads decode from either with one initializer, so the
/// writer's hot reads can skip GRDB's `Row` without a second decoder to keep in step.
package protocol ColumnReading {
    /// The value of the column named `column` (case-insensitive); nil for an optional
    /// `Value` when the column is NULL or absent.
    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(of column: String) -> Value
}

extension ColumnReading {
    /// The value of the column named `column`, as ``value(of:)`` reads it.
    package subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ column: String) -> Value {
        value(of: column)
    }
}

extension Row: ColumnReading {
    package func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(of column: String) -> Value {
        self[column]
    }
}
