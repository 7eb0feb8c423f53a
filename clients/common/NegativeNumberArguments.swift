/// Finds negative numbers among the arguments. ArgumentParser reads `-5` as an option
/// named `5` and then complains about whatever argument it left unfilled; since no id,
/// amount, count or price the clients take is ever negative, saying so is the clear answer.
public enum NegativeNumberArguments {
    /// The first of `arguments` (program name left out) that is a negative number, up to a
    /// `--`, after which ArgumentParser takes everything as a value anyway.
    public static func first(in arguments: [String]) -> RefusedArgument? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { return nil }
            if isNegativeNumber(argument) {
                return RefusedArgument(
                    position: index + 1,
                    reason: "(\(argument)) is a negative number, and no amount, id or count is ever negative"
                        + " (a balance is lowered with scenic-admin distributor adjust ID --debit YUAN --reason TEXT)")
            }
        }
        return nil
    }

    /// `-5`, `-5.00`, `-0.5`, `-.5`: a dash then digits, with a decimal point or not.
    static func isNegativeNumber(_ argument: String) -> Bool {
        guard argument.hasPrefix("-") else { return false }
        let rest = argument.dropFirst()
        return rest.contains(where: \.isASCIIDigit) && rest.allSatisfy { $0.isASCIIDigit || $0 == "." }
    }
}
