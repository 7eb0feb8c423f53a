import Foundation

/// The daemon's rules (sign-in, sessions) with their documented defaults, and its clock and calendar.
public struct AccountPolicy: Sendable {
    /// Failed logins in a row, by one Unix user on one phone, before that user must wait
    /// to try the phone again (``LoginThrottle``).
    public var loginFailuresBeforeWait = 5
    /// The longest such wait; each failure past the free ones doubles it up to this.
    public var longestLoginWait: Duration = .seconds(15 * 60)
    /// A session unused this long ends.
    public var sessionIdleTimeout: Duration = .seconds(12 * 3600)
    /// A session ends this long after login, however busy.
    public var sessionLifetime: Duration = .seconds(7 * 24 * 3600)
    public var minimumPasswordLength = 8
    /// How long the back office has to decide a refund that needs approval before the
    /// daemon approves it.
    public var refundApprovalWindow: Duration = .seconds(48 * 3600)
    /// The clock every rule reads; tests move it.
    public var now: @Sendable () -> Date = { Date() }
    /// The scenic area's days: visit dates and "today".
    public var calendar = SceneCalendar()

    /// Today in the scenic area.
    var today: String { calendar.day(of: now()) }

    public init() {}
}

extension Duration {
    var millis: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
