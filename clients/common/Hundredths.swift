import Foundation

/// A number with at most two decimals read as a count of hundredths, from its digits and
/// never through a float: yuan in fen, a percent in basis points.
enum Hundredths {
    /// "98" → 9800, "98.5" → 9850, "0.01" → 1; nil for anything else (signs, commas,
    /// three decimals, more than nine integer digits).
    static func parse(_ text: String) -> Int64? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, (1...9).contains(whole.count),
            whole.allSatisfy(\.isASCIIDigit), let units = Int64(whole)
        else { return nil }
        var hundredths: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit), let value = Int64(fraction) else {
                return nil
            }
            hundredths = fraction.count == 1 ? value * 10 : value
        }
        return units * 100 + hundredths
    }
}
