import Foundation
import Logging
import ScenicStore

/// What keeps the event feed: old events dropped after their days, and the event of each
/// voucher whose last valid day passed unused. The daemon runs it at start and hourly.
public struct EventFeed: Sendable {
    public static let defaultDays = 30

    let store: any Store
    let days: Int
    let calendar: SceneCalendar
    let now: @Sendable () -> Date

    public init(store: any Store, days: Int = Self.defaultDays, calendar: SceneCalendar, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.days = days
        self.calendar = calendar
        self.now = now
    }

    /// Writes the expiry events due and drops events older than the days kept.
    public func sweep() async throws {
        let clock = now()
        _ = try await store.recordExpiredVouchers(today: calendar.day(of: clock), at: clock.millis)
        _ = try await store.dropEvents(before: clock.millis - Int64(days) * 86_400_000)
    }

    public func run(every interval: Duration = .seconds(3600), logger: Logger) async {
        await Periodic.run(every: interval, logger: logger, task: "event feed upkeep") { try await sweep() }
    }
}
