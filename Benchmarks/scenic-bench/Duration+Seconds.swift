extension Duration {
    /// The duration in seconds, for figures printed as fractions of one.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
