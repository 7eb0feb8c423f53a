import Testing

@testable import ScenicCLI

@Suite("--timeout")
struct ConnectionOptionsTests {
    @Test("a timeout that is not finite, not above zero, or over a day is a usage error", arguments: [
        "1e10", "inf", "nan", "0", "86400.5",
    ])
    func refused(timeout: String) {
        #expect(throws: (any Error).self) { try ConnectionOptions.parse(["--timeout", timeout]) }
    }

    @Test("a timeout in range becomes that duration", arguments: [
        ("0.25", Duration.milliseconds(250)), ("30", .seconds(30)), ("86400", .seconds(86_400)),
    ])
    func accepted(timeout: String, duration: Duration) throws {
        #expect(try ConnectionOptions.parse(["--timeout", timeout]).timeoutDuration == duration)
    }

    @Test("a timeout set in code is clamped rather than trapping", arguments: [
        (Double.nan, Duration.zero), (-1, .zero), (.infinity, .seconds(86_400)), (1e300, .seconds(86_400)),
    ])
    func clamped(timeout: Double, duration: Duration) {
        var options = ConnectionOptions()
        options.timeout = timeout
        #expect(options.timeoutDuration == duration)
    }
}
