import Foundation
import ScenicServices
import Testing

@Suite struct SceneCalendarTests {
    let shanghai = SceneCalendar()

    @Test func dayIsTheSceneAreasDayZeroPadded() {
        // 2026-03-04T16:30:00Z is 00:30 on the 5th in Shanghai (UTC+8).
        #expect(shanghai.day(of: Date(timeIntervalSince1970: 1_772_641_800)) == "2026-03-05")
        #expect(shanghai.day(of: Date(timeIntervalSince1970: 1_772_641_800 - 3_600)) == "2026-03-04")
    }

    @Test func startAndEndOfADay() {
        #expect(shanghai.start(of: "2026-03-05") == 1_772_640_000_000)
        #expect(shanghai.end(of: "2026-03-05") == 1_772_726_400_000)
        #expect(shanghai.start(of: "2024-02-29") != nil)
    }

    @Test(arguments: ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01", "", "2026-01-01T00"])
    func notADay(_ text: String) {
        #expect(shanghai.start(of: text) == nil)
        #expect(shanghai.end(of: text) == nil)
    }
}
