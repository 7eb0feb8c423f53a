import ArgumentParser
import Foundation
import ScenicClient
import Synchronization

/// `scenic-bench crash-worker`: one client process of the crash test. It tries each
/// operation of its plan once, a few at a time, and appends each answer it gets to its
/// acknowledgement file. Calls cut off by the daemon's death simply stay unanswered.
struct CrashWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-worker", abstract: "One client process of scenic-bench crash.", shouldDisplay: false)

    @Option var plan: String
    @Option var acknowledgements: String
    @Option var inFlight = 8

    func run() async throws {
        let plan = try JSONDecoder().decode(WorkerPlan.self, from: Data(contentsOf: URL(fileURLWithPath: plan)))
        let log = try AnswerLog(path: acknowledgements)
        let admin = try? await ScenicClient.connect(socketPath: plan.adminSocket, defaultTimeout: .seconds(5))
        var sellers: [ScenicClient?] = []
        for token in plan.tokens {
            sellers.append(try? await ScenicClient.connect(
                socketPath: plan.posSocket, metadata: [ScenicClient.sessionMetadataKey: token], defaultTimeout: .seconds(5)))
        }
        let clients = sellers
        await withTaskGroup(of: Void.self) { group in
            for (index, operation) in plan.operations.enumerated() {
                if index >= inFlight { await group.next() }
                group.addTask {
                    guard let answer = await Self.perform(operation, admin: admin, sellers: clients, plan: plan) else { return }
                    log.append(answer)
                }
            }
        }
        try log.close()
        await admin?.close()
        for seller in clients { await seller?.close() }
    }

    /// The answer, or nil when none came (the daemon died or was not there).
    static func perform(
        _ operation: CrashOperation, admin: ScenicClient?, sellers: [ScenicClient?], plan: WorkerPlan
    ) async -> CrashAcknowledgement? {
        var answer = CrashAcknowledgement(id: operation.id)
        do {
            switch operation.kind {
            case .sell:
                guard let seller = sellers[operation.seller] else { return nil }
                var request = Scenic_V1_SellRequest()
                request.requestID = operation.id
                request.productCode = Fixture.productCode
                request.quantity = operation.quantity
                request.visitDate = plan.visitDate
                let sale = try await seller.sell(request)
                answer.orderID = sale.orderID
                answer.codes = sale.voucherCodes
            case .recharge:
                guard let admin else { return nil }
                var request = Scenic_V1_RechargeRequest()
                request.requestID = operation.id
                request.distributorID = plan.sellerIDs[operation.seller]
                request.amountFen = operation.amountFen
                // The check finds the entry by its note: the answer shows a public number, not the row id.
                request.note = operation.id
                answer.entryID = try await admin.recharge(request).entry.id
            case .refund:
                guard let seller = sellers[operation.seller] else { return nil }
                let refund = try await seller.refund(codes: operation.codes, requestID: operation.id)
                answer.refundedFen = refund.refundedFen
                answer.codes = refund.vouchers.map(\.code)
            }
            return answer
        } catch let error as RPCError where ![.unavailable, .deadlineExceeded, .cancelled, .unknown].contains(error.code) {
            answer.refusal = "\(error.code) \(error.reason ?? "")"
            return answer
        } catch {
            return nil
        }
    }
}

/// The worker's answers file, appended to by its calling tasks one whole line at a time.
final class AnswerLog: Sendable {
    private let file: Mutex<FileHandle>

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        file = Mutex(try FileHandle(forWritingTo: URL(fileURLWithPath: path)))
    }

    func append(_ answer: CrashAcknowledgement) {
        guard let line = try? JSONEncoder().encode(answer) else { return }
        file.withLock { $0.write(line + Data("\n".utf8)) }
    }

    func close() throws { try file.withLock { try $0.close() } }
}
