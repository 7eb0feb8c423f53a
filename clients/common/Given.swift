/// A command-line value kept with the text the user typed for it: a refusal of the value
/// quotes that text (`--product BOAT=90`), not the value as it was sent (`items[2]`).
public struct Given<Value: Sendable>: Sendable {
    public let text: String
    public let value: Value

    public init(text: String, value: Value) {
        self.text = text
        self.value = value
    }

    /// An option's or argument's transform: `parse`, keeping the text.
    public static func parsing(_ parse: @escaping @Sendable (String) throws -> Value) -> @Sendable (String) throws -> Given<Value> {
        { text in Given(text: text, value: try parse(text)) }
    }
}
