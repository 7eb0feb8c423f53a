/// Something wrong with what the user gave the command (a file, a prompt answer) found
/// while running it: reported as `error: …` with exit status 1, without the usage text.
public struct InputError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
