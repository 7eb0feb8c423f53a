import ScenicClient

/// A refusal's words as a client prints them, amounts in yuan. The daemon writes some
/// amounts in fen (`must not exceed the retail price of 8000 fen`), the unit of the wire,
/// and its metadata carries them as fen. A reason whose facts the client knows is worded
/// from them; any other text has each "N fen" written in yuan.
enum RefusalWording {
    /// The error's message.
    static func message(_ error: RPCError) -> String {
        if error.reason == "INSUFFICIENT_BALANCE", let available = fen(error.metadata["balance_fen"]),
            let required = fen(error.metadata["required_fen"])
        {
            // The daemon counts the balance holds do not keep aside, as a sale and a hold may spend.
            return "available balance \(Output.money(available)), this sale needs \(Output.money(required))"
        }
        if error.reason == "CREDIT_IN_USE", let used = fen(error.metadata["credit_used_fen"]), let held = fen(error.metadata["held_fen"]) {
            let covered = Output.money(used) + " owed" + (held > 0 ? " and \(Output.money(held)) held" : "")
            return "the credit line is in use: \(covered) must stay covered"
        }
        return yuan(in: error.message)
    }

    /// A field violation's description. `priceFen` is the price the element it names set,
    /// when the command knows it.
    static func problem(_ violation: RPCError.FieldViolation, priceFen: Int64?) -> String {
        if violation.reason == "ABOVE_RETAIL_PRICE", let retail = amounts(in: violation.description).first {
            // The daemon names the retail price only: the settlement price is the one given.
            let settlement = priceFen.map { " " + Output.money($0) } ?? ""
            return "the settlement price\(settlement) must not exceed the retail price \(Output.money(retail))"
        }
        return yuan(in: violation.description)
    }

    /// `text` with every amount in fen written in yuan: "at most 100000000 fen" → "at most
    /// ¥1000000.00", and both ends of a range, "1 to 100000000 fen" → "¥0.01 to ¥1000000.00".
    static func yuan(in text: String) -> String {
        text.replacing(/(?:(-?\d+) to )?(-?\d+) fen\b/) { match in
            guard let upper = Int64(match.output.2) else { return String(match.output.0) }
            guard let from = match.output.1 else { return Output.money(upper) }
            guard let lower = Int64(from) else { return String(match.output.0) }
            return "\(Output.money(lower)) to \(Output.money(upper))"
        }
    }

    /// The amounts in fen `text` writes, in order.
    static func amounts(in text: String) -> [Int64] {
        text.matches(of: /(-?\d+) fen\b/).compactMap { Int64($0.output.1) }
    }

    private static func fen(_ text: String?) -> Int64? {
        text.flatMap { Int64($0) }
    }
}
