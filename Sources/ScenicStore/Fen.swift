/// Amounts in fen written for people, in messages and texts: ¥98.00, -¥4.50.
public enum Fen {
    public static func yuanText(_ fen: Int64) -> String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(fen < 0 ? "-" : "")¥\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
