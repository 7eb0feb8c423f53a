import Testing

@testable import ScenicNumbering

@Suite("Public numbers")
struct PublicNumbersTests {
    static let numbers = PublicNumbers(key: Array(0..<16))

    @Test("every id comes back from its number, and no two ids share one")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        let ids = Array(1...2_000) + (0..<2_000).map { _ in Int64.random(in: 1...PublicNumbers.largest, using: &generator) }
            + [PublicNumbers.largest]
        var seen = Set<Int64>()
        for id in ids {
            let number = Self.numbers.number(for: id)
            #expect((1...PublicNumbers.largest).contains(number))
            #expect(Self.numbers.id(for: number) == id)
            seen.insert(number)
        }
        #expect(seen.count == Set(ids).count)
    }

    @Test("the numbers rows were shown under stay theirs: the permutation is pinned")
    func pinned() {
        // Order and ledger numbers are printed on receipts and kept by distributors: a
        // change to the permutation would give every one of them another meaning.
        #expect([1, 2, 3, 1_000, PublicNumbers.largest].map(Self.numbers.number(for:))
            == [238_811_120_162_829, 105_150_683_656_268, 47_648_170_392_238, 96_880_525_869_173, 82_556_953_126_811])
    }

    @Test("consecutive ids give numbers with no order to count by")
    func unordered() {
        let shown = (1...100).map { Self.numbers.number(for: $0) }
        #expect(shown != shown.sorted())
        #expect(Set(zip(shown, shown.dropFirst()).map { $1 - $0 }).count > 90)
    }

    @Test("another key shows the same ids under other numbers")
    func keyed() {
        let other = PublicNumbers(key: Array(repeating: 7, count: 16))
        #expect((1...50).filter { other.number(for: $0) == Self.numbers.number(for: $0) }.isEmpty)
    }

    @Test("a number outside 1...2^48-1 names no id")
    func outside() {
        for number: Int64 in [0, -1, PublicNumbers.largest + 1, .max, .min] {
            #expect(Self.numbers.id(for: number) == nil)
        }
    }
}
