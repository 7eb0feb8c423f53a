import ArgumentParser

/// Money as people type it: yuan with at most two decimals, turned into integer fen
/// without ever passing through a float.
public enum Yuan {
    /// "98" → 9800, "98.5" → 9850, "0.01" → 1; nil for anything else (signs, commas,
    /// three decimals, more than nine integer digits).
    public static func fen(_ text: String) -> Int64? {
        Hundredths.parse(text)
    }

    /// `CODE=YUAN`, as `--product` and `set-price` take it.
    public static func pricedCode(_ text: String) throws -> (code: String, fen: Int64) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let fen = fen(parts[1]) else {
            throw ValidationError("\(text): expected CODE=YUAN, e.g. GATE-ADULT=98.00")
        }
        return (parts[0], fen)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// `--price 98.00` and the like.
public enum YuanArgument {
    public static func parse(_ text: String) throws -> Int64 {
        guard let fen = Yuan.fen(text) else {
            // Reached with `--price=-5` or after `--`; a plain `-5` is refused before parsing.
            let hint = text.hasPrefix("-") ? "amounts are never negative" : "e.g. 98.00"
            throw ValidationError("\(text) is not an amount in yuan: \(hint)")
        }
        return fen
    }
}

