import Foundation
import Logging
import ScenicStore

/// Erases visitors' sealed names and ID numbers a number of days after their tickets'
/// last valid day, leaving the masked forms; the daemon runs it at start and every hour.
public struct PersonalDataRetention: Sendable {
    /// The default days personal data is kept after a ticket's validity ends.
    public static let defaultDays = 30
    /// An ID hash is kept at least this long: a per-ID limit of a month counts visits up to
    /// 31 days back from the newest date it can still sell.
    static let hashDays = 31

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

    /// Erases what is due; answers how many visitors lost data.
    @discardableResult
    public func sweep() async throws -> Int {
        guard let today = CalendarDates.dayNumber(calendar.day(of: now())) else { return 0 }
        return try await store.erasePersonalData(
            sealedBefore: CalendarDates.date(dayNumber: today - days),
            hashesBefore: CalendarDates.date(dayNumber: today - max(days, Self.hashDays)))
    }

    /// Sweeps now and then every `interval` until cancelled.
    public func run(every interval: Duration = .seconds(3600), logger: Logger) async {
        await Periodic.run(every: interval, logger: logger, task: "personal data erasure") {
            let erased = try await sweep()
            if erased > 0 { logger.info("personal data erased", metadata: ["visitors": "\(erased)", "after_days": "\(days)"]) }
        }
    }
}
