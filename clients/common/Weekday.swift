import ArgumentParser
import Foundation

/// ISO weekdays (1 = Monday … 7 = Sunday), the numbers the calendar's requests carry, as
/// people type and read them.
public enum Weekday {
    /// Monday first, as `--weekdays` takes them and tables show them.
    public static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// `sat,sun`, `6,7` or a mix, in any case → ISO numbers in the order given.
    public static func list(_ text: String) throws -> [Int32] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let word = item.trimmingCharacters(in: .whitespaces).lowercased()
            if let index = names.firstIndex(of: word) { return Int32(index + 1) }
            if let number = Int32(word), (1...7).contains(number) { return number }
            throw ValidationError("\(text): weekdays are mon,tue,wed,thu,fri,sat,sun or 1 (Monday) to 7 (Sunday), comma separated")
        }
    }

    /// "sat" for 6; "?" outside 1…7.
    public static func name(_ iso: Int) -> String {
        (1...7).contains(iso) ? names[iso - 1] : "?"
    }
}
