import Foundation

/// Everything Scenic keeps, and the only way to it: the reads and writes the services make.
///
/// Every write is all or nothing and audited where the back office made it; a write that
/// takes a request key answers a repeated key with the first answer (``Once``). Money,
/// capacity, allotments and per-ID limits are settled by the store, never by its caller's
/// memory. Errors are the module's own types (``AccountStoreError``, ``MoneyError``,
/// ``CalendarError``, ``BatchRejected`` and the others), each of which the services map
/// to a status, and ``StorageFailure`` for a database that cannot be used.
/// ``SQLiteStore`` keeps it all in one SQLite file.
public protocol Store: AnyObject, Sendable {
    // MARK: - API keys
    func createApiKey(_ key: NewApiKey, stamp: AuditStamp) async throws -> ApiKeyRecord

    func apiKeys(distributorID: Int64) async throws -> [ApiKeyRecord]

    func revokeApiKey(id: Int64, stamp: AuditStamp) async throws -> ApiKeyRecord

    /// The key with this digest and its distributor, revoked or not; nil for none.
    func apiKey(secretHash: Data) async throws -> (key: ApiKeyRecord, distributor: DistributorRecord)?

    /// Records that a key was used; its caller writes at most once a minute per key.
    func touchApiKey(id: Int64, at: Millis) async throws

    // MARK: - The audit log and the SMS outbox
    /// Entries newest first, with ids below `beforeID`.
    func auditEntries(_ filter: AuditFilter, beforeID: Int64, limit: Int) async throws -> [AuditEntry]

    /// Messages newest first, with ids below `beforeID`.
    func smsMessages(status: SMSRecord.Status?, beforeID: Int64, limit: Int) async throws -> [SMSRecord]

    /// Pending messages whose next attempt is due, oldest first.
    func dueSMS(at now: Millis, limit: Int) async throws -> [SMSRecord]

    /// The earliest next attempt among pending messages.
    func nextSMSAttempt() async throws -> Millis?

    /// Marks a message delivered; a body holding a password is overwritten (see
    /// ``redactingSecret(_:)``).
    func markSMSDelivered(id: Int64, at: Millis) async throws

    /// Records a failed attempt: retried at `retryAt`, or given up (failed) when nil. A
    /// message given up is redacted like a delivered one: a password nobody received must
    /// not stay on disk for ever.
    func markSMSAttemptFailed(id: Int64, error: String, retryAt: Millis?) async throws

    // MARK: - Backups
    /// Copies the whole database to `path` while writers go on, checks the copy, then moves
    /// it into place; answers its size and the check's verdict. Blocks the calling thread:
    /// call it off the event loops and the cooperative pool.
    func backup(to path: String) throws -> (sizeBytes: Int64, integrity: String)

    // MARK: - The calendar
    /// Sets the dates' capacity (nil: unlimited) and replaces their slots; returns how many dates.
    func setCapacity(
        productCode: String, dates: CalendarDates, capacity: Int?, slots: [(slot: TimeSlot, capacity: Int)], stamp: AuditStamp
    ) async throws -> Int

    /// Closes (with a reason) or reopens the dates.
    func setClosed(productCode: String, dates: CalendarDates, reason: String?, stamp: AuditStamp) async throws -> Int

    /// Sets the dates' retail price and distributors' settlement prices (nil: back to the
    /// binding's); every settlement price stays at or below its date's retail price.
    func setDatePrices(
        productCode: String, dates: CalendarDates, retail: RetailPriceChange, settlements: [(distributorID: Int64, priceFen: Int64?)],
        stamp: AuditStamp
    ) async throws -> Int

    /// Sets (or with nil removes) a distributor's allotment on the dates.
    func setAllotment(
        productCode: String, dates: CalendarDates, distributorID: Int64, allotment: Int?, stamp: AuditStamp
    ) async throws -> Int

    func setBookingRules(productCode: String, _ rules: BookingRules, stamp: AuditStamp) async throws -> BookingRules

    func bookingRules(productCode: String) async throws -> BookingRules

    /// The product's dates from `from` to `to` as a distributor (or nobody) sees them at `now`.
    func calendar(
        productCode: String, from: String, to: String, distributorID: Int64?, now: SceneNow
    ) async throws -> (product: ProductRecord, rules: BookingRules, days: [CalendarDayRecord])

    // MARK: - The catalog and bindings
    func product(code: String) async throws -> ProductRecord?

    func products(status: ProductRecord.Status?, matching query: String, afterID: Int64, limit: Int) async throws -> [ProductRecord]

    func createProducts(_ products: [NewProduct], stamp: AuditStamp, dryRun: Bool) async throws -> [ProductRecord]

    func updateProduct(code: String, _ changes: ProductChanges, stamp: AuditStamp) async throws -> ProductRecord

    /// Archives a product: no new sales; its bindings stay, so un-archiving is not needed
    /// to keep history readable.
    func archiveProduct(code: String, stamp: AuditStamp) async throws -> ProductRecord

    /// Binds products or changes their settlement prices, all or nothing.
    func applyBindings(
        distributorID: Int64, _ items: [PricedCode], change: BindingChange, stamp: AuditStamp
    ) async throws -> [BindingRecord]

    /// Removes bindings, all or nothing.
    func unbind(distributorID: Int64, codes: [String], stamp: AuditStamp) async throws -> [BindingRecord]

    func bindings(distributorID: Int64) async throws -> [BindingRecord]

    /// What the distributor may sell now: bound, and on sale.
    func sellableProducts(distributorID: Int64) async throws -> [BindingRecord]

    // MARK: - Credit lines
    /// Sets the credit line; never below what is owed and held beyond the balance.
    func setCreditLimit(distributorID: Int64, limitFen: Int64, stamp: AuditStamp) async throws -> DistributorRecord

    // MARK: - Date changes
    /// Moves the distributor's vouchers to `change.toDate`, all or nothing, and charges (or
    /// credits) the difference between the new date's settlement prices and those paid in
    /// one ledger entry.
    func changeDate(
        _ change: DateChangeRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (DateChangeRecord) throws -> Data
    ) async throws -> Once<DateChangeRecord>

    // MARK: - Distributor accounts
    func distributor(id: Int64) async throws -> DistributorRecord?

    func distributor(phone: String) async throws -> DistributorRecord?

    /// Distributors by id after `afterID`, filtered by status and by a part of the name or phone.
    func distributors(
        status: DistributorRecord.Status?, matching query: String, afterID: Int64, limit: Int
    ) async throws -> [DistributorRecord]

    func createDistributor(
        name: String, phone: String, passwordHash: String, sms: OutgoingSMS, stamp: AuditStamp
    ) async throws -> DistributorRecord

    /// Changes the name and/or phone; `sms` (for a new phone) is queued with the change.
    func updateDistributor(
        id: Int64, name: String?, phone: String?, sms: OutgoingSMS?, stamp: AuditStamp
    ) async throws -> DistributorRecord

    /// Enables or disables; disabling ends every open session at once.
    func setDistributorStatus(id: Int64, _ status: DistributorRecord.Status, stamp: AuditStamp) async throws -> DistributorRecord

    /// Sets a new initial password, ends every session, and queues the
    /// SMS that `sms` builds for the distributor.
    func resetPassword(
        id: Int64, passwordHash: String, sms: @Sendable (DistributorRecord) -> OutgoingSMS, stamp: AuditStamp
    ) async throws -> DistributorRecord

    // MARK: - Sessions
    /// Opens a session after a good password.
    func startSession(distributorID: Int64, tokenHash: Data, expiresAt: Millis, stamp: AuditStamp) async throws

    /// The open session with this token hash and its distributor, or nil. Answered from
    /// ``SessionCache`` when it can be: the distributor's `balanceFen` may then be older
    /// than the last sale, so read a balance to show with ``balance(distributorID:)``.
    func openSession(tokenHash: Data) async throws -> (SessionRecord, DistributorRecord)?

    /// Records use of a session, for its idle expiry.
    func touchSession(id: Int64, at: Millis) async throws

    func endSession(id: Int64, reason: String, at: Millis) async throws

    /// Replaces the password (no longer an initial one) and ends the distributor's other
    /// sessions; `keepSession` stays open.
    func changePassword(distributorID: Int64, passwordHash: String, keepSession: Int64, stamp: AuditStamp) async throws

    // MARK: - The event feed
    /// Events after `after`, oldest first; a distributor's own and those every distributor
    /// hears of, or (nil) every event. Also answers the oldest id still kept.
    func events(after: Int64, limit: Int, distributorID: Int64?) async throws -> (events: [EventRecord], oldestKept: Int64)

    func dropEvents(before: Millis) async throws -> Int

    func recordExpiredVouchers(today: String, at: Millis) async throws -> Int

    // MARK: - Holds
    func hold(
        _ request: HoldRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (HoldRecord) throws -> Data
    ) async throws -> Once<HoldRecord>

    /// Turns a hold into its sale at the held price. `sale` carries the buyer, the
    /// visitors and the voucher codes; its product, date, slot and quantity are the hold's.
    func confirmHold(
        id: Int64, _ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data
    ) async throws -> Once<SaleRecord>

    /// Gives a hold's seats and amount back at the caller's asking.
    func releaseHold(
        id: Int64, distributorID: Int64, key: RequestKey?, at: Millis, encode: @escaping @Sendable (HoldRecord) throws -> Data
    ) async throws -> Once<HoldRecord>

    /// Releases every hold whose expiry has come; answers how many and when the next one is
    /// due (nil: none held).
    func expireHolds(at now: Millis) async throws -> (expired: Int, nextDue: Millis?)

    // MARK: - Money, sales and vouchers
    func recharge(
        distributorID: Int64, amountFen: Int64, note: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord>

    func adjust(
        distributorID: Int64, amountFen: Int64, reason: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (LedgerEntryRecord) throws -> Data
    ) async throws -> Once<LedgerEntryRecord>

    func ledger(_ query: LedgerQuery) async throws -> [LedgerEntryRecord]

    /// The distributor as stored now: balance, held and credit line read together (a
    /// session's copy of the distributor may be older than the last sale).
    func money(distributorID: Int64) async throws -> DistributorRecord

    /// Sells `quantity` tickets: checks the distributor, the binding, the calendar and the
    /// balance, then takes the capacity, deducts, writes the order, the vouchers (with the
    /// prices of the visit date) and one ledger entry.
    func sell(
        _ sale: SaleRequest, key: RequestKey?, at: Millis, encode: @escaping @Sendable (SaleRecord) throws -> Data
    ) async throws -> Once<SaleRecord>

    func vouchers(_ query: VoucherQuery) async throws -> [VoucherRecord]

    /// Marks a voucher valid at `now` redeemed; a voucher of a slot whose product admits
    /// by slot only within its slot, widened by the product's grace.
    func redeem(
        code: String, now: SceneNow, key: RequestKey?, stamp: AuditStamp, encode: @escaping @Sendable (VoucherRecord) throws -> Data
    ) async throws -> Once<VoucherRecord>

    /// Makes a redeemed voucher valid again, within `window` of its redemption.
    func undoRedemption(code: String, reason: String, window: Millis, stamp: AuditStamp) async throws -> VoucherRecord

    // MARK: - Real names and the gate
    func setRealNameRules(productCode: String, _ rules: RealNameRules, stamp: AuditStamp) async throws -> ProductRecord

    /// Checks in at the gate: a voucher by its code (if an ID hash comes with it, only
    /// that visitor's), or the one ticket of a visitor that admits now.
    func checkIn(
        _ target: CheckInTarget, now: SceneNow, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (VoucherRecord) throws -> Data
    ) async throws -> Once<VoucherRecord>

    /// A voucher's visitor with its sealed data, for the back office to unseal; audited.
    func revealVisitor(code: String, reason: String, stamp: AuditStamp) async throws -> VisitorRecord

    /// Erases the sealed names and numbers of tickets whose last valid day is before
    /// `sealedBefore`, and the ID hashes of those before `hashesBefore`; answers how many
    /// visitors lost either. A hash may outlive the sealed data: a per-ID limit of a week or
    /// a month counts visits up to 31 days back. The erased bytes leave the disk.
    func erasePersonalData(sealedBefore: String, hashesBefore: String) async throws -> Int

    /// Records the check of the personal data key on first use, and refuses another key
    /// while anything sealed or hashed under the first one remains.
    func adoptPersonalDataKey(check: Data) async throws

    // MARK: - Refund rules
    /// Replaces the refund rules the product's sales take from now on; vouchers sold keep theirs.
    func setRefundPolicy(productCode: String, _ policy: RefundPolicy, stamp: AuditStamp) async throws -> ProductRecord

    // MARK: - Refunds
    /// Refunds the distributor's own vouchers, all or nothing. A voucher must be valid,
    /// refundable, without a pending request and before its deadline; its fee is fixed by
    /// how early the refund is. `approvalWindow` is how long the back office has to decide
    /// a request before the daemon approves it.
    func refund(
        distributorID: Int64, codes: [String], now: SceneNow, approvalWindow: Millis, key: RequestKey?, at: Millis,
        encode: @escaping @Sendable (RefundOutcome) throws -> Data
    ) async throws -> Once<RefundOutcome>

    /// Refund approvals, newest first, of one distributor or all, in one state or all.
    func refundApprovals(
        distributorID: Int64?, status: RefundApprovalRecord.Status?, beforeID: Int64, limit: Int
    ) async throws -> [RefundApprovalRecord]

    /// Approves (refunding the voucher, less the fee fixed when it was asked for) or rejects
    /// (the voucher is valid again) a pending request.
    func decideRefund(
        id: Int64, approve: Bool, reason: String, key: RequestKey?, stamp: AuditStamp,
        encode: @escaping @Sendable (RefundApprovalRecord) throws -> Data
    ) async throws -> Once<RefundApprovalRecord>

    /// Approves every request whose time for a decision has run out; returns how many.
    func approveOverdueRefunds(stamp: AuditStamp) async throws -> Int

    /// When the next pending request runs out of time, if any is pending.
    func nextRefundApprovalDue() async throws -> Millis?

    // MARK: - Statements and reports
    /// The distributor's money and vouchers in [from, until); `today` tells expired vouchers.
    func statement(distributorID: Int64, from: Millis, until: Millis, today: String) async throws -> DistributorStatement

    /// Tickets sold in [from, until), grouped, in key order.
    func salesReport(from: Millis, until: Millis, by grouping: SalesGrouping) async throws -> [SalesRow]

    /// Sets (or with 0 clears) the low-balance threshold, arming or disarming at once.
    func setLowBalanceThreshold(distributorID: Int64, thresholdFen: Int64, stamp: AuditStamp) async throws -> DistributorRecord

    // MARK: - The store itself
    /// Rings when events commit, for the feed's long polls.
    var eventBell: EventBell { get }

    /// Reports every group commit (several calls' writes committed together) from now on
    /// to `observer`, for the daemon's metrics; a store that commits each call alone
    /// never calls it.
    func observeGroupCommits(_ observer: @escaping GroupCommitObserver)

    /// The number of migrations applied, shown in server info.
    var schemaVersion: Int { get }

    /// The store's own random key for the numbers rows are shown under (16 bytes): kept
    /// with the data, so a restored backup shows the same numbers.
    var publicNumberKey: [UInt8] { get }

    /// Reads one row, proving the database answers; for the health check.
    func ping() async throws

    /// Closes every connection and releases the lock, so the database can be opened again;
    /// the store cannot be used afterwards.
    func close() throws

    // MARK: - Storage and gauges
    /// Where the data is: the database file's path, or a database server's URL without
    /// its password.
    var databasePath: String { get }

    /// What the data takes on disk and what is left there.
    func storageSize() async -> StorageSize

    /// What the daemon's metrics read from the database at a scrape.
    func gauges() async throws -> Gauges
}

extension Store {
    /// Creates the products, all or none.
    public func createProducts(_ products: [NewProduct], stamp: AuditStamp) async throws -> [ProductRecord] {
        try await createProducts(products, stamp: stamp, dryRun: false)
    }
}

extension SQLiteStore: Store {}
