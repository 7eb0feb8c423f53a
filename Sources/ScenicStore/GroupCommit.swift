import Dispatch
import GRDB
import Synchronization

/// Writes that arrive together share one transaction, so one fsync covers them all.
///
/// Each write runs in a savepoint of the shared transaction: one that throws (a refused
/// sale, say) is rolled back alone and the others go on. Every caller is answered only
/// after the transaction committed, so an acknowledged write is on disk as with a
/// transaction of its own, and a caller never sees a write that later rolls back. A
/// storage failure (disk full, I/O, lock) may have undone the whole transaction, so it
/// fails the whole batch.
///
/// Batches form by themselves: while one commits, the writes arriving meanwhile queue up
/// and go together in the next. With a single caller there is no waiting for company.
///
/// The batches run one after another on a thread of their own, which blocks in each
/// commit: the writer never waits for a turn on Swift's cooperative pool, where the
/// handlers of every call in flight queue up.
final class GroupCommit: Sendable {
    /// One write: runs in the batch's transaction and returns how to answer its caller
    /// once the batch is settled.
    struct Job: Sendable {
        let run: @Sendable (Database) throws -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var jobs: [Job] = []
        var draining = false
    }

    /// Writes per transaction at most, so that one batch cannot hold the writer for long.
    let maxBatch: Int
    private let queue = Mutex(Queue())
    /// Where the batches run: a serial queue, so one batch at a time on one of Dispatch's
    /// threads, never on Swift's cooperative pool.
    let worker = DispatchQueue(label: "scenic.group-commit", qos: .userInitiated)

    init(maxBatch: Int = 256) {
        self.maxBatch = maxBatch
    }

    /// Queues `job`; true when the caller must start draining (no drain is running).
    func enqueue(_ job: Job) -> Bool {
        queue.withLock { queue in
            queue.jobs.append(job)
            guard !queue.draining else { return false }
            queue.draining = true
            return true
        }
    }

    /// The next batch, or nil (and draining ends) when none is waiting.
    func nextBatch() -> [Job]? {
        queue.withLock { queue in
            guard !queue.jobs.isEmpty else {
                queue.draining = false
                return nil
            }
            let batch = Array(queue.jobs.prefix(maxBatch))
            queue.jobs.removeFirst(batch.count)
            return batch
        }
    }
}

extension SQLiteStore {
    /// Runs `updates` in a savepoint of a transaction shared with the writes arriving at
    /// the same time, and returns its result once that transaction committed.
    func groupWrite<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // Unchecked: a batch resumes each of its jobs exactly once, with its answer after the
        // commit or with the batch's failure, and the writer is spared the check's atomics.
        try await withUnsafeThrowingContinuation { continuation in
            let job = GroupCommit.Job(
                run: { db in
                    let settled: Result<T, any Error>
                    do {
                        settled = .success(try db.inJobSavepoint { try updates(db) })
                    } catch let error as DatabaseError where StorageFailure(error) != nil || !db.isInsideTransaction {
                        throw error
                    } catch {
                        settled = .failure(error)
                    }
                    return { continuation.resume(with: settled) }
                },
                fail: { continuation.resume(throwing: $0) })
            if groupCommit.enqueue(job) {
                groupCommit.worker.async { self.drainGroupCommit() }
            }
        }
    }

    private func drainGroupCommit() {
        while let batch = groupCommit.nextBatch() {
            do {
                let started = ContinuousClock.now
                let (answers, executed) = try writeBlocking { db in
                    (try batch.map { try $0.run(db) }, ContinuousClock.now)
                }
                let committed = ContinuousClock.now
                logger.debug(
                    "group commit",
                    metadata: [
                        "writes": "\(batch.count)", "executing": "\(executed - started)", "committing": "\(committed - executed)",
                    ])
                reportGroupCommit(writes: batch.count, executing: executed - started, committing: committed - executed)
                for answer in answers { answer() }
            } catch {
                for job in batch { job.fail(error) }
            }
        }
    }
}

extension Database {
    /// Runs `body` in a savepoint of the transaction under way, rolled back alone if it
    /// throws. GRDB's `inSavepoint` compiles its three statements anew on every call; these
    /// are compiled once, which on the group commit's thread is a few microseconds a write.
    fileprivate func inJobSavepoint<T>(_ body: () throws -> T) throws -> T {
        try run("SAVEPOINT job")
        do {
            let value = try body()
            try run("RELEASE job")
            return value
        } catch {
            // When the whole transaction was undone (disk full, I/O) there is no savepoint
            // left to roll back to; the body's error is what the caller must hear.
            try? run("ROLLBACK TO job")
            try? run("RELEASE job")
            throw error
        }
    }
}
