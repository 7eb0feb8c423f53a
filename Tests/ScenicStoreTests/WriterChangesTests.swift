import Foundation
import Testing

@testable import ScenicStore

@Suite("What the writer's transactions tell memory")
struct WriterChangesTests {
    struct Refused: Error {}

    @Test("the event feed's bell rings after a commit that wrote an event, not after one rolled back or one without events")
    func bellRingsOnCommittedEvents() async throws {
        let store = try SQLiteStore.open(at: ScenicStoreTests.temporaryPath())
        let stamp = AuditStamp(actor: "admin", method: "test", at: 1_000)
        let distributorID = try await store.createDistributor(
            name: "Lakeside Travel", phone: "13800000001", passwordHash: "hash",
            sms: OutgoingSMS(phone: "13800000001", body: "welcome", holdsSecret: false), stamp: stamp
        ).id
        let rings = store.eventBell.rings
        await #expect(throws: Refused.self) {
            try await store.write { db in
                try EventRecord(kind: .recharge, at: 2_000, distributorID: distributorID).append(db)
                throw Refused()
            }
        }
        #expect(store.eventBell.rings == rings)
        try await store.write { db in try db.execute(sql: "UPDATE distributor SET name = 'Lakeside Tours'") }
        #expect(store.eventBell.rings == rings)
        try await store.write { db in try EventRecord(kind: .recharge, at: 3_000, distributorID: distributorID).append(db) }
        #expect(store.eventBell.rings == rings + 1)
    }
}
