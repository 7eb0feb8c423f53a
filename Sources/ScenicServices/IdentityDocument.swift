import Foundation

/// A visitor's identity document, checked and normalized.
///
/// Real-name tickets (实名制) carry the number of the document the visitor shows at the
/// gate, so a number is checked as far as its form allows when it is typed: a mistyped
/// resident ID is caught at the sale, not by a gate attendant with a queue behind them.
/// Only `parse` makes one, so every value holds a number that passed its checks.
public struct IdentityDocument: Sendable, Equatable, Hashable {
    /// The kinds of document a Chinese scenic area accepts for a real-name ticket.
    public enum Kind: String, Sendable, CaseIterable {
        /// 居民身份证, the mainland resident identity card.
        case residentID = "resident-id"
        /// A passport of any country.
        case passport = "passport"
        /// 港澳居民来往内地通行证, the Home Return Permit of Hong Kong and Macao residents.
        case hongKongMacaoPermit = "hk-macao-permit"
        /// 台湾居民来往大陆通行证, the permit of Taiwan residents.
        case taiwanPermit = "taiwan-permit"
        /// 外国人永久居留身份证, the foreign permanent resident ID card.
        case foreignPermanentResident = "foreign-permanent-resident"
    }

    /// Why a number is refused; `description` is a short English sentence for a user.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The number has too few or too many characters; `expected` says how many it needs.
        case wrongLength(expected: String)
        /// The number has the right length but not the right characters; `expected` says which.
        case badCharacters(expected: String)
        /// The last character is not the MOD 11-2 check character of the ones before it.
        case badCheckCharacter
        /// The birth date in the number is not a date, is before 1900, or is after today.
        case impossibleBirthDate
        /// The first two digits of a resident ID are not a province-level region.
        case unknownRegion

        /// Lower case and without a full stop, so that a caller can put it after the name of the field.
        public var description: String {
            switch self {
            case .wrongLength(let expected): "must be \(expected)"
            case .badCharacters(let expected): "must be \(expected)"
            case .badCheckCharacter: "the check character (the last) does not match the first 17"
            case .impossibleBirthDate: "the birth date in it is not a real date"
            case .unknownRegion: "the first two digits are not a province code"
            }
        }
    }

    /// Which document this is.
    public let kind: Kind
    /// Upper case, with spaces and hyphens the user typed removed.
    public let number: String

    private init(kind: Kind, number: String) {
        self.kind = kind
        self.number = number
    }

    /// Checks `text` as a document of `kind`. `today` (YYYY-MM-DD in the scenic area) bounds a birth date.
    public static func parse(_ text: String, kind: Kind, today: String) -> Result<IdentityDocument, Problem> {
        let number = normalize(text)
        let problem: Problem? =
            switch kind {
            case .residentID: residentIDProblem(number, today: today)
            case .passport: passportProblem(number)
            case .hongKongMacaoPermit: hongKongMacaoPermitProblem(number)
            case .taiwanPermit: taiwanPermitProblem(number)
            case .foreignPermanentResident: foreignPermanentResidentProblem(number, today: today)
            }
        if let problem { return .failure(problem) }
        return .success(IdentityDocument(kind: kind, number: number))
    }

    /// The number as lists show it: the first 3 and last 4 characters, the rest `*` (same length).
    ///
    /// Never more than half the characters are shown, so that a list cannot give away
    /// most of a number. A number shorter than 14 characters, where 3 and 4 would be more
    /// than half, shows half of its length rounded down, split between the start and the
    /// end with the odd one at the end: `H1*****78` for a 9-character permit, `P***45`
    /// for a 6-character passport.
    public var masked: String {
        let characters = Array(number)
        let shown = min(7, characters.count / 2)
        let tail = (shown + 1) / 2
        let head = shown - tail
        let hidden = characters.count - head - tail
        return String(characters.prefix(head)) + String(repeating: "*", count: hidden) + String(characters.suffix(tail))
    }

    // MARK: - Normalization

    /// Spaces and hyphens are what people type to group a long number, and full-width
    /// spaces are what a Chinese input method types for a space. Only ASCII letters are
    /// folded to upper case: a full upper-casing would turn a stray "ß" into "SS" and so
    /// change the length reported back to the user.
    private static func normalize(_ text: String) -> String {
        let kept = text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.filter {
            $0 != "-" && !CharacterSet.whitespaces.contains($0)
        }
        return String(String.UnicodeScalarView(kept.map { ("a"..."z").contains($0) ? Unicode.Scalar(UInt8($0.value - 32)) : $0 }))
    }

    // MARK: - Each kind's rules

    private static func residentIDProblem(_ number: String, today: String) -> Problem? {
        guard number.count == 18 else { return .wrongLength(expected: "18 characters") }
        let bytes = Array(number.utf8)
        guard bytes.count == 18, bytes[..<17].allSatisfy(isDigit), isDigit(bytes[17]) || bytes[17] == x else {
            return .badCharacters(expected: "17 digits then a digit or X")
        }
        guard provinces.contains(value(bytes[0..<2])) else { return .unknownRegion }
        return birthDateAndCheckProblem(bytes, today: today)
    }

    private static func passportProblem(_ number: String) -> Problem? {
        guard (5...17).contains(number.count) else { return .wrongLength(expected: "5 to 17 characters") }
        let bytes = Array(number.utf8)
        guard bytes.count == number.count, bytes.allSatisfy({ isDigit($0) || isLetter($0) }), bytes.contains(where: isDigit) else {
            return .badCharacters(expected: "letters and digits, at least one of them a digit")
        }
        return nil
    }

    /// The current permit is H or M and 8 digits; the old one, still in some wallets, had 10.
    private static func hongKongMacaoPermitProblem(_ number: String) -> Problem? {
        guard [9, 11].contains(number.count) else { return .wrongLength(expected: "9 or 11 characters") }
        let bytes = Array(number.utf8)
        guard bytes.count == number.count, bytes[0] == UInt8(ascii: "H") || bytes[0] == UInt8(ascii: "M"),
            bytes.dropFirst().allSatisfy(isDigit)
        else { return .badCharacters(expected: "H or M then 8 or 10 digits") }
        return nil
    }

    /// The current permit has 8 digits; the old one had 10.
    private static func taiwanPermitProblem(_ number: String) -> Problem? {
        guard [8, 10].contains(number.count) else { return .wrongLength(expected: "8 or 10 characters") }
        let bytes = Array(number.utf8)
        guard bytes.count == number.count, bytes.allSatisfy(isDigit) else { return .badCharacters(expected: "digits only") }
        return nil
    }

    /// The 2017 card has 3 letters (issuing place and nationality) and 12 digits. The 2023
    /// card is laid out like a resident ID, with a leading 9 instead of a province code,
    /// so its birth date and check character are checked as a resident ID's are.
    private static func foreignPermanentResidentProblem(_ number: String, today: String) -> Problem? {
        let bytes = Array(number.utf8)
        switch number.count {
        case 15:
            guard bytes.count == 15, bytes[..<3].allSatisfy(isLetter), bytes[3...].allSatisfy(isDigit) else {
                return .badCharacters(expected: "3 letters then 12 digits")
            }
            return nil
        case 18:
            guard bytes.count == 18, bytes[0] == UInt8(ascii: "9"), bytes[..<17].allSatisfy(isDigit),
                isDigit(bytes[17]) || bytes[17] == x
            else { return .badCharacters(expected: "9, then 16 digits, then a digit or X") }
            return birthDateAndCheckProblem(bytes, today: today)
        default:
            return .wrongLength(expected: "15 or 18 characters")
        }
    }

    // MARK: - GB 11643-1999

    /// Province-level codes of GB/T 2260, with 71 Taiwan and 81, 82, 83 as used on the
    /// residence permits of Hong Kong, Macao and Taiwan residents.
    private static let provinces: Set<Int> = Set(
        [11...15, 21...23, 31...37, 41...46, 50...54, 61...65, 71...71, 81...83].joined()
    )
    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters = Array("10X98765432".utf8)
    private static let x = UInt8(ascii: "X")

    /// `bytes` are 17 digits and a digit or X. The birth date comes before the check
    /// character, so that a number with a date of the 30th of February is reported as
    /// that, not as a typing mistake somewhere.
    private static func birthDateAndCheckProblem(_ bytes: [UInt8], today: String) -> Problem? {
        let year = value(bytes[6..<10]), month = value(bytes[10..<12]), day = value(bytes[12..<14])
        guard year >= 1900, isRealDate(year: year, month: month, day: day),
            (year, month, day) <= todayParts(today)
        else { return .impossibleBirthDate }
        let sum = zip(bytes[..<17], weights).reduce(0) { $0 + Int($1.0 - UInt8(ascii: "0")) * $1.1 }
        return bytes[17] == checkCharacters[sum % 11] ? nil : .badCheckCharacter
    }

    private static func isRealDate(year: Int, month: Int, day: Int) -> Bool {
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(month) && (1...lengths[month - 1]).contains(day)
    }

    /// `today` comes from the scenic area's calendar, never from a user, so a malformed one is a bug.
    private static func todayParts(_ today: String) -> (Int, Int, Int) {
        let bytes = Array(today.utf8)
        precondition(
            bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
                && [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { isDigit(bytes[$0]) },
            "today \"\(today)\" is not YYYY-MM-DD")
        return (value(bytes[0..<4]), value(bytes[5..<7]), value(bytes[8..<10]))
    }

    // MARK: - ASCII

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isLetter(_ byte: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }

    private static func value(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
