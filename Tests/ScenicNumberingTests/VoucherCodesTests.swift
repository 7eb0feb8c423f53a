import Testing

@testable import ScenicNumbering

@Suite("Voucher codes")
struct VoucherCodesTests {
    static let codes = VoucherCodes(key: Array(0..<16))
    static let largest = Int64(VoucherCodes.space) - 1

    @Test("every id comes back from its code, which is well formed, and no two ids share one")
    func roundTrip() {
        let ids = Array(1...2_000) + (0..<2_000).map { _ in Int64.random(in: 1...Self.largest) } + [Self.largest]
        var seen = Set<String>()
        for id in ids {
            let code = Self.codes.code(for: id)
            #expect(VoucherCode.normalize(code) == code)
            #expect(Self.codes.id(for: code) == id)
            seen.insert(code)
        }
        #expect(seen.count == Set(ids).count)
    }

    @Test("the codes vouchers were issued under stay theirs: the permutation is pinned")
    func pinned() {
        #expect([1, 2, 3, 1_000, Self.largest].map(Self.codes.code(for:))
            == ["4349916977357013", "9935782382164215", "6730520533973135", "7417479680276497", "4783359597380031"])
    }

    @Test("consecutive ids give codes with no order, every digit in every place")
    func unordered() {
        let shown = (1...2_000).map { Self.codes.code(for: $0) }
        #expect(shown != shown.sorted())
        // Each of the 15 places takes every digit (a chance of missing one, were the
        // codes random: 150 × 0.9^2000, below 10^-89).
        var seen = [Set<Character>](repeating: [], count: 15)
        for code in shown {
            for (place, digit) in code.prefix(15).enumerated() { seen[place].insert(digit) }
        }
        #expect(seen.allSatisfy { $0.count == 10 })
    }

    @Test("another key gives other codes")
    func keyed() {
        let other = VoucherCodes(key: Array(repeating: 7, count: 16))
        #expect((1...50).filter { other.code(for: $0) == Self.codes.code(for: $0) }.isEmpty)
    }

    @Test("every single-digit error and neighbour swap is caught by the check digit")
    func checkDigit() {
        for id in Int64(1)...200 {
            var digits = Array(Self.codes.code(for: id))
            for place in 0..<16 {
                let original = digits[place]
                for other in "0123456789" where other != original {
                    digits[place] = other
                    #expect(VoucherCode.normalize(String(digits)) == nil)
                }
                digits[place] = original
            }
            for place in 0..<15 where digits[place] != digits[place + 1] {
                digits.swapAt(place, place + 1)
                #expect(VoucherCode.normalize(String(digits)) == nil)
                digits.swapAt(place, place + 1)
            }
        }
        #expect(VoucherCode.normalize("0000 0000-0000 0000") == "0000000000000000")
    }

    @Test("a code of no voucher, or not 16 digits, leads to no id")
    func noID() {
        // The number 0 is walked to, from no id: the code whose inverse is 0.
        var zero: UInt64 = 0
        repeat { zero = KeyedPermutation(key: Array(0..<16), bits: 50, domain: 1).forward(zero) } while zero >= VoucherCodes.space
        #expect(Self.codes.id(for: VoucherCode.code(of: zero)) == nil)
        for text in ["", "123", "12345678901234567", "abcdefghijklmnop"] {
            #expect(Self.codes.id(for: text) == nil)
        }
    }
}
