/*
 * sqlite-sale-floor: what SQLite alone does for scenicd's Sell, so that the daemon's
 * sales per second can be stated as a ratio of it.
 *
 * Every sale runs the statements of SQLiteStore.sell (Sources/ScenicStore/Money.swift,
 * with once(), requireDistributor(), appendLedger() and LowBalanceAlert.update()), in
 * the same order and with the same values, on a database with scenicd's schema (made
 * by scenicd, or by make-floor-db.sh from Migrations.swift) and scenicd's settings: WAL,
 * synchronous=FULL, foreign_keys=ON, secure_delete=ON, temp_store=MEMORY, BEGIN IMMEDIATE.
 * What it leaves out is everything that is not SQLite: no RPC, no session check, no protobuf decoding;
 * statements are prepared once (SQLITE_PREPARE_PERSISTENT) unless --prepare-each-time.
 * The SQL[] table below is the one to keep in step with Money.swift.
 *
 *   --per-transaction 1  each sale is BEGIN IMMEDIATE ... COMMIT: one WAL fsync per sale
 *   --per-transaction B  B sales per transaction, each in its own SAVEPOINT (group commit)
 *
 * Prints one JSON line: {"floor":"sqlite-sale","per_transaction":B,"quantity":Q,
 * "sales":N,"seconds":s,"per_second":x,"storage_bytes_per_sale":b}: b is what the
 * process caused to be written to storage over the sales alone (write_bytes of
 * /proc/self/io: WAL frames and checkpoints), the figure scenic-bench gives the daemon.
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum Statement {
    BEGIN, COMMIT, SAVEPOINT, RELEASE,
    FIND_REQUEST, READ_DISTRIBUTOR, READ_ACCOUNT, READ_BINDING, READ_CALENDAR_DAY, INSERT_ORDER, NEXT_VOUCHER, INSERT_VOUCHER,
    MOVE_BALANCE, SET_ALERTED, ALERT_EVENT, QUEUE_SMS, INSERT_LEDGER, LOG_REQUEST,
    STATEMENTS
};

static const char *const SQL[STATEMENTS] = {
    /* GRDB's DatabasePool.write: every store write is one IMMEDIATE transaction. */
    [BEGIN] = "BEGIN IMMEDIATE TRANSACTION",
    [COMMIT] = "COMMIT TRANSACTION",
    /* Group commit only: one savepoint per sale, as inJobSavepoint (GroupCommit.swift). */
    [SAVEPOINT] = "SAVEPOINT job",
    [RELEASE] = "RELEASE job",
    /* SQLiteStore.once: the request id's earlier answer (a new id finds none)... */
    [FIND_REQUEST] = "SELECT method, fingerprint, response FROM request_log WHERE scope = ? AND request_id = ?",
    /* requireSellable: the distributor's standing (DistributorStanding.columns). */
    [READ_DISTRIBUTOR] = "SELECT id, status, password_is_initial, balance_fen, held_fen, credit_limit_fen, "
                         "low_balance_threshold_fen, low_balance_alerted FROM distributor WHERE id = ?",
    /* LowBalanceAlert.update, when an alert goes out: the whole account, for its SMS. */
    [READ_ACCOUNT] = "SELECT * FROM distributor WHERE id = ?",
    /* BindingRecord.select and sell's filter. */
    [READ_BINDING] = "SELECT product.*, binding.distributor_id AS b_distributor_id, "
                     "binding.settlement_price_fen AS b_settlement_price_fen, binding.bound_at AS b_bound_at, "
                     "binding.updated_at AS b_updated_at, "
                     "refund_policy.deadline AS rp_deadline, refund_policy.deadline_hours AS rp_deadline_hours, "
                     "refund_policy.fees AS rp_fees, refund_policy.needs_approval AS rp_needs_approval "
                     "FROM binding JOIN product ON product.id = binding.product_id "
                     "LEFT JOIN refund_policy ON refund_policy.id = product.refund_policy_id "
                     "WHERE binding.distributor_id = ? AND product.code = ? AND product.status = 'on_sale'",
    /* takeCalendar's read of the date (a date without a calendar finds nothing, and writes nothing). */
    [READ_CALENDAR_DAY] = "SELECT day.closed AS closed, day.close_reason AS close_reason, day.capacity AS capacity, "
                          "day.sold AS sold, day.retail_price_fen AS retail_price_fen, day.slots AS slots, "
                          "allotment.allotment AS allotment, allotment.sold AS allotment_sold, "
                          "price.settlement_price_fen AS settlement_price_fen "
                          "FROM calendar_day AS day "
                          "LEFT JOIN calendar_allotment AS allotment ON allotment.product_id = day.product_id "
                          "AND allotment.visit_date = day.visit_date AND allotment.distributor_id = ?1 "
                          "LEFT JOIN calendar_settlement_price AS price ON price.distributor_id = ?1 "
                          "AND price.product_id = day.product_id AND price.visit_date = day.visit_date "
                          "WHERE day.product_id = ?2 AND day.visit_date = ?3",
    [INSERT_ORDER] = "INSERT INTO sale_order (distributor_id, product_id, quantity, visit_date, settlement_price_fen, "
                     "retail_price_fen, refundable, amount_fen, buyer_name, buyer_phone, sold_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    /* VoucherIssuer.next, per ticket: the next id; its code is worked out in the program (a
     * store without codes of earlier versions, as the floor's, looks up no legacy code). */
    [NEXT_VOUCHER] = "SELECT coalesce(max(id), 0) + 1 AS next FROM voucher",
    /* Cached by sell (db.cachedStatement), even under --prepare-each-time. */
    [INSERT_VOUCHER] = "INSERT INTO voucher (id, code, order_id, distributor_id, product_id, visit_date, valid_until, "
                       "settlement_price_fen, retail_price_fen, refundable, sold_at, slot, visitor_id, refund_policy_id) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    /* appendLedger. */
    [MOVE_BALANCE] = "UPDATE distributor SET balance_fen = balance_fen + ? WHERE id = ? RETURNING id, status, "
                     "password_is_initial, balance_fen, held_fen, credit_limit_fen, low_balance_threshold_fen, "
                     "low_balance_alerted",
    /* LowBalanceAlert.update, only when what may be spent crosses the distributor's threshold. */
    [SET_ALERTED] = "UPDATE distributor SET low_balance_alerted = ? WHERE id = ?",
    /* The alert's event on the feed (EventRecord.append): what may be spent, and the threshold. */
    [ALERT_EVENT] = "INSERT INTO event (at, kind, distributor_id, voucher_code, hold_id, product_code, amount_fen, "
                    "balance_fen, dates) VALUES (?, 'balance_low', ?, '', NULL, '', ?, ?, '')",
    [QUEUE_SMS] = "INSERT INTO sms_outbox (phone, body, holds_secret, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
    /* An entry is never dated before the distributor's latest (a clock that steps back). */
    [INSERT_LEDGER] = "INSERT INTO ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, order_id, "
                      "voucher_code, note, actor, fee_fen) VALUES (?1, max(?2, coalesce((SELECT max(at) FROM "
                      "ledger_entry WHERE distributor_id = ?1), ?2)), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id, at",
    /* ...and once's record of the first answer. */
    [LOG_REQUEST] = "INSERT INTO request_log (scope, request_id, method, fingerprint, response, at) VALUES (?, ?, ?, ?, ?, ?)",
};

enum { MAX_QUANTITY = 100, CODE_LENGTH = 16 };

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *statement[STATEMENTS];
    int prepare_each_time;
    /* --pages: the WAL's path, how far it was read, and the pages each commit wrote. */
    const char *wal;
    long wal_read;
    uint32_t *pages;
    size_t page_count, page_capacity;
    int64_t distributor;  /* who makes the current sale */
    const char *product;
    int quantity;
    char scope[48];       /* "distributor:ID": the request id scope, and the ledger actor */
    char visit_date[16];  /* today (UTC): any date from today on is a valid sale */
    uint64_t random;      /* splitmix64 state */
    /* Columns of SELECT * FROM distributor, and of the binding select. */
    int d_status, d_initial, d_balance, d_held, d_credit, d_threshold, d_alerted;
    int p_id, p_code, p_retail, p_refundable, p_valid_days, b_settlement;
} Floor;

typedef struct {
    char status[16];
    int initial, alerted;
    int64_t balance, credit, threshold;
    /* DistributorMoney.availableFen: what a sale may spend, the balance with the credit line
     * and without what holds keep back. */
    int64_t available;
} Distributor;

static void fail(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fputs("sqlite-sale-floor: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* write_bytes of /proc/self/io: bytes this process caused to be written to storage. */
static uint64_t storage_bytes_written(void) {
    FILE *io = fopen("/proc/self/io", "r");
    if (!io) fail("/proc/self/io: cannot read");
    char line[128];
    unsigned long long bytes = 0;
    while (fgets(line, sizeof line, io))
        if (sscanf(line, "write_bytes: %llu", &bytes) == 1) break;
    fclose(io);
    return bytes;
}

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* splitmix64's output function: a bijection of 64 bits that scatters neighbours. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The daemon draws request ids' random bits from the system CSPRNG and makes voucher codes
 * with AES (VoucherCodes); that cost is not SQLite's, so seeded splitmix64 stands in. */
static uint64_t next_random(Floor *f) { return mix64(f->random += 0x9e3779b97f4a7c15u); }

static void random_bytes(Floor *f, uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(next_random(f) >> 56);
}

/* VoucherCodes.code(for:): 15 digits that stand for the id, and a Damm check digit. */
static void voucher_code(int64_t id, char code[CODE_LENGTH + 1]) {
    static const uint8_t damm[10][10] = {
        {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
        {1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
        {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
        {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
    };
    uint64_t r = mix64((uint64_t)id) % 1000000000000000u;
    int interim = 0;
    for (int i = CODE_LENGTH - 2; i >= 0; i--, r /= 10) code[i] = (char)('0' + r % 10);
    for (int i = 0; i < CODE_LENGTH - 1; i++) interim = damm[interim][code[i] - '0'];
    code[CODE_LENGTH - 1] = (char)('0' + interim);
    code[CODE_LENGTH] = 0;
}

/* writeSale's last valid day: a YYYY-MM-DD date `days` later (CalendarDates in Swift). */
static void days_later(char to[16], const char *date, int days) {
    struct tm day = {0};
    if (sscanf(date, "%d-%d-%d", &day.tm_year, &day.tm_mon, &day.tm_mday) != 3) fail("a visit date: %s", date);
    day.tm_year -= 1900, day.tm_mon -= 1;
    time_t at = timegm(&day) + (time_t)days * 86400;
    strftime(to, 16, "%Y-%m-%d", gmtime_r(&at, &day));
}

static int64_t now_ms(void);

/* RequestID.make: a UUIDv7, the time in Unix milliseconds and then random bits. */
static void request_id(Floor *f, char id[37]) {
    uint8_t b[16];
    random_bytes(f, b, sizeof b);
    uint64_t ms = (uint64_t)now_ms();
    for (int i = 0; i < 6; i++) b[i] = (uint8_t)(ms >> (8 * (5 - i)));
    b[6] = (b[6] & 0x0f) | 0x70, b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(id, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- statements ------------------------------------------------------------------ */

static void prepare(Floor *f, enum Statement which, unsigned flags) {
    if (sqlite3_prepare_v3(f->db, SQL[which], -1, flags, &f->statement[which], NULL) != SQLITE_OK)
        fail("%s\n  in: %s\n  (the database needs scenicd's schema: make-floor-db.sh makes one)", sqlite3_errmsg(f->db),
             SQL[which]);
}

/* The statement, ready to bind: kept from the start, or (GRDB's way, for comparison)
 * prepared now and finalized by done(). */
static sqlite3_stmt *use(Floor *f, enum Statement which) {
    if (!f->statement[which]) prepare(f, which, 0);
    return f->statement[which];
}

static void done(Floor *f, enum Statement which) {
    if (f->prepare_each_time && which != INSERT_VOUCHER && which != NEXT_VOUCHER && which != INSERT_LEDGER) {
        sqlite3_finalize(f->statement[which]);
        f->statement[which] = NULL;
    } else {
        sqlite3_reset(f->statement[which]);
    }
}

static int step(Floor *f, enum Statement which) {
    int rc = sqlite3_step(f->statement[which]);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail("%s\n  in: %s", sqlite3_errmsg(f->db), SQL[which]);
    return rc;
}

/* Runs a statement without parameters or rows. */
static void run(Floor *f, enum Statement which) {
    use(f, which);
    step(f, which);
    done(f, which);
}

static int column(sqlite3_stmt *statement, const char *name) {
    for (int i = 0; i < sqlite3_column_count(statement); i++)
        if (!strcmp(sqlite3_column_name(statement, i), name)) return i;
    fail("no column %s in: %s", name, sqlite3_sql(statement));
    return -1;
}

static void text(char *to, size_t size, sqlite3_stmt *statement, int index) {
    const unsigned char *value = sqlite3_column_text(statement, index);
    snprintf(to, size, "%s", value ? (const char *)value : "");
}

/* ---- the sale -------------------------------------------------------------------- */

/* A distributor's standing, from its SELECT or RETURNING (the same columns in the same order). */
static void distributor_row(const Floor *f, sqlite3_stmt *s, Distributor *d) {
    text(d->status, sizeof d->status, s, f->d_status);
    d->initial = sqlite3_column_int(s, f->d_initial);
    d->balance = sqlite3_column_int64(s, f->d_balance);
    d->credit = sqlite3_column_int64(s, f->d_credit);
    d->available = d->balance + d->credit - sqlite3_column_int64(s, f->d_held);
    d->threshold = sqlite3_column_int64(s, f->d_threshold);
    d->alerted = sqlite3_column_int(s, f->d_alerted);
}

/* requireSellable's read of the distributor. */
static void read_distributor(Floor *f, Distributor *d) {
    sqlite3_stmt *s = use(f, READ_DISTRIBUTOR);
    sqlite3_bind_int64(s, 1, f->distributor);
    if (step(f, READ_DISTRIBUTOR) != SQLITE_ROW) fail("no distributor %lld", (long long)f->distributor);
    distributor_row(f, s, d);
    done(f, READ_DISTRIBUTOR);
}

/* Fen.yuanText. */
static const char *yuan(char *to, size_t size, int64_t fen) {
    uint64_t magnitude = fen < 0 ? -(uint64_t)fen : (uint64_t)fen;
    snprintf(to, size, "%s¥%llu.%02llu", fen < 0 ? "-" : "", (unsigned long long)(magnitude / 100),
             (unsigned long long)(magnitude % 100));
    return to;
}

/* LowBalanceAlert.update: writes only when what may be spent crosses the threshold. */
static void low_balance_alert(Floor *f, const Distributor *d, int64_t at) {
    int below = d->threshold > 0 && d->available < d->threshold;
    if (below == d->alerted) return;
    sqlite3_stmt *s = use(f, SET_ALERTED);
    sqlite3_bind_int(s, 1, below);
    sqlite3_bind_int64(s, 2, f->distributor);
    step(f, SET_ALERTED);
    done(f, SET_ALERTED);
    if (!below) return;
    char name[320], phone[16], body[640], balance[32], threshold[32];
    s = use(f, READ_ACCOUNT);
    sqlite3_bind_int64(s, 1, f->distributor);
    if (step(f, READ_ACCOUNT) != SQLITE_ROW) fail("no distributor %lld", (long long)f->distributor);
    text(name, sizeof name, s, column(s, "name"));
    text(phone, sizeof phone, s, column(s, "phone"));
    done(f, READ_ACCOUNT);
    s = use(f, ALERT_EVENT);
    sqlite3_bind_int64(s, 1, at);
    sqlite3_bind_int64(s, 2, f->distributor);
    sqlite3_bind_int64(s, 3, d->threshold);
    sqlite3_bind_int64(s, 4, d->available);
    step(f, ALERT_EVENT);
    done(f, ALERT_EVENT);
    snprintf(body, sizeof body,
             "[Scenic] The %s of distributor account \"%s\" is %s, below %s. "
             "Ask the scenic area for a recharge to keep selling.",
             d->credit > 0 ? "available amount (with credit)" : "balance", name,
             yuan(balance, sizeof balance, d->available), yuan(threshold, sizeof threshold, d->threshold));
    s = use(f, QUEUE_SMS);
    sqlite3_bind_text(s, 1, phone, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, 0);
    sqlite3_bind_int64(s, 4, at);
    sqlite3_bind_int64(s, 5, at);
    step(f, QUEUE_SMS);
    done(f, QUEUE_SMS);
}

static size_t put_varint(uint8_t *p, uint64_t v) {
    size_t n = 0;
    for (; v >= 0x80; v >>= 7) p[n++] = (uint8_t)(v | 0x80);
    p[n++] = (uint8_t)v;
    return n;
}

/* The stored answer: SellResponse{order_id, voucher_codes, amount_fen, balance_after_fen}
 * in protobuf, as SalesService.response encodes it (zero fields omitted). */
static size_t sell_response(uint8_t *p, int64_t order, char codes[][CODE_LENGTH + 1], int quantity, int64_t amount,
                            int64_t balance) {
    size_t n = 0;
    if (order) p[n++] = 0x08, n += put_varint(p + n, (uint64_t)order);
    for (int i = 0; i < quantity; i++) {
        p[n++] = 0x12, p[n++] = CODE_LENGTH;
        memcpy(p + n, codes[i], CODE_LENGTH);
        n += CODE_LENGTH;
    }
    if (amount) p[n++] = 0x18, n += put_varint(p + n, (uint64_t)amount);
    if (balance) p[n++] = 0x20, n += put_varint(p + n, (uint64_t)balance);
    return n;
}

/* SQLiteStore.sell with a fresh request id, inside the caller's transaction. */
static void sell(Floor *f) {
    int64_t at = now_ms();
    char id[37], codes[MAX_QUANTITY][CODE_LENGTH + 1], valid_until[16], note[96];
    uint8_t fingerprint[32], response[16 + MAX_QUANTITY * (2 + CODE_LENGTH) + 24];
    request_id(f, id);
    random_bytes(f, fingerprint, sizeof fingerprint); /* SHA-256 of the request, in the daemon */

    sqlite3_stmt *s = use(f, FIND_REQUEST);
    sqlite3_bind_text(s, 1, f->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    if (step(f, FIND_REQUEST) != SQLITE_DONE) fail("request id %s is already in request_log", id);
    done(f, FIND_REQUEST);

    Distributor d;
    read_distributor(f, &d);
    if (strcmp(d.status, "active") != 0 || d.initial)
        fail("distributor %lld is disabled or still has its initial password", (long long)f->distributor);

    s = use(f, READ_BINDING);
    sqlite3_bind_int64(s, 1, f->distributor);
    sqlite3_bind_text(s, 2, f->product, -1, SQLITE_STATIC);
    if (step(f, READ_BINDING) != SQLITE_ROW)
        fail("product %s is not bound to distributor %lld, or not on sale", f->product, (long long)f->distributor);
    int64_t product = sqlite3_column_int64(s, f->p_id), retail = sqlite3_column_int64(s, f->p_retail);
    int64_t settlement = sqlite3_column_int64(s, f->b_settlement);
    int refundable = sqlite3_column_int(s, f->p_refundable), valid_days = sqlite3_column_int(s, f->p_valid_days);
    snprintf(note, sizeof note, "%d × %s", f->quantity, (const char *)sqlite3_column_text(s, f->p_code));
    done(f, READ_BINDING);

    s = use(f, READ_CALENDAR_DAY);
    sqlite3_bind_int64(s, 1, f->distributor);
    sqlite3_bind_int64(s, 2, product);
    sqlite3_bind_text(s, 3, f->visit_date, -1, SQLITE_STATIC);
    if (step(f, READ_CALENDAR_DAY) != SQLITE_DONE) fail("product %s has a calendar: the floor sells without one", f->product);
    done(f, READ_CALENDAR_DAY);
    int64_t amount = settlement * f->quantity;
    if (d.available < amount)
        fail("insufficient balance: %lld fen, a sale needs %lld", (long long)d.available, (long long)amount);

    s = use(f, INSERT_ORDER);
    sqlite3_bind_int64(s, 1, f->distributor);
    sqlite3_bind_int64(s, 2, product);
    sqlite3_bind_int(s, 3, f->quantity);
    sqlite3_bind_text(s, 4, f->visit_date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, settlement);
    sqlite3_bind_int64(s, 6, retail);
    sqlite3_bind_int(s, 7, refundable);
    sqlite3_bind_int64(s, 8, amount);
    sqlite3_bind_text(s, 9, "", 0, SQLITE_STATIC); /* buyer name and phone: none given */
    sqlite3_bind_text(s, 10, "", 0, SQLITE_STATIC);
    sqlite3_bind_int64(s, 11, at);
    step(f, INSERT_ORDER);
    done(f, INSERT_ORDER);
    int64_t order = sqlite3_last_insert_rowid(f->db);

    days_later(valid_until, f->visit_date, valid_days - 1);

    for (int i = 0; i < f->quantity; i++) {
        s = use(f, NEXT_VOUCHER);
        if (step(f, NEXT_VOUCHER) != SQLITE_ROW) fail("no next voucher id");
        int64_t voucher = sqlite3_column_int64(s, 0);
        done(f, NEXT_VOUCHER);
        voucher_code(voucher, codes[i]);
        s = use(f, INSERT_VOUCHER);
        sqlite3_bind_int64(s, 1, voucher);
        sqlite3_bind_text(s, 2, codes[i], CODE_LENGTH, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, order);
        sqlite3_bind_int64(s, 4, f->distributor);
        sqlite3_bind_int64(s, 5, product);
        sqlite3_bind_text(s, 6, f->visit_date, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, valid_until, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 8, settlement);
        sqlite3_bind_int64(s, 9, retail);
        sqlite3_bind_int(s, 10, refundable);
        sqlite3_bind_int64(s, 11, at);
        sqlite3_bind_null(s, 12); /* no slot, no visitor, the default refund rules */
        sqlite3_bind_null(s, 13);
        sqlite3_bind_null(s, 14);
        step(f, INSERT_VOUCHER);
        sqlite3_reset(s);
    }
    done(f, INSERT_VOUCHER);

    /* appendLedger: move the balance (the row comes back), alert, then the ledger row. */
    s = use(f, MOVE_BALANCE);
    sqlite3_bind_int64(s, 1, -amount);
    sqlite3_bind_int64(s, 2, f->distributor);
    if (step(f, MOVE_BALANCE) != SQLITE_ROW) fail("no distributor %lld", (long long)f->distributor);
    distributor_row(f, s, &d);
    done(f, MOVE_BALANCE);
    low_balance_alert(f, &d, at);
    s = use(f, INSERT_LEDGER);
    sqlite3_bind_int64(s, 1, f->distributor);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_text(s, 3, "sale", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, -amount);
    sqlite3_bind_int64(s, 5, d.balance);
    sqlite3_bind_int64(s, 6, order);
    sqlite3_bind_text(s, 7, "", 0, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, note, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, f->scope, -1, SQLITE_STATIC); /* actor "distributor:ID" */
    sqlite3_bind_int64(s, 10, 0);                         /* no fee: a sale */
    if (step(f, INSERT_LEDGER) != SQLITE_ROW) fail("the ledger entry came back empty");
    done(f, INSERT_LEDGER);

    size_t length = sell_response(response, order, codes, f->quantity, amount, d.balance);
    s = use(f, LOG_REQUEST);
    sqlite3_bind_text(s, 1, f->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, "scenic.v1.Sales/Sell", -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 4, fingerprint, sizeof fingerprint, SQLITE_STATIC);
    sqlite3_bind_blob(s, 5, response, (int)length, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, at);
    step(f, LOG_REQUEST);
    done(f, LOG_REQUEST);
}

/* ---- where the bytes go (--pages) ---------------------------------------------------- */

/* Appends the page numbers of the WAL frames written since the last call (each frame: a
 * 24-byte header whose first 4 bytes are the page number, big-endian, then the page). */
static void read_wal_frames(Floor *f, int keep) {
    FILE *wal = fopen(f->wal, "rb");
    if (!wal) fail("%s: cannot read", f->wal);
    int page_size = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(f->db, "PRAGMA page_size", -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        page_size = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    long at = f->wal_read ? f->wal_read : 32;
    uint8_t header[24];
    while (fseek(wal, at, SEEK_SET) == 0 && fread(header, 1, sizeof header, wal) == sizeof header) {
        if (fseek(wal, page_size, SEEK_CUR) != 0 || ftell(wal) != at + 24 + page_size) break;
        if (keep) {
            if (f->page_count == f->page_capacity) {
                f->page_capacity = f->page_capacity ? 2 * f->page_capacity : 1 << 16;
                f->pages = realloc(f->pages, f->page_capacity * sizeof *f->pages);
                if (!f->pages) fail("out of memory");
            }
            f->pages[f->page_count++] = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 | header[2] << 8 | header[3];
        }
        at += 24 + page_size;
    }
    f->wal_read = at;
    fclose(wal);
}

/* Names the b-tree of every page written (dbstat) and prints pages a sale for each. */
static void print_pages(Floor *f, uint64_t sales) {
    if (sqlite3_exec(f->db,
                     "CREATE TEMP TABLE written (page INTEGER);"
                     "CREATE TEMP TABLE owner (page INTEGER PRIMARY KEY, name TEXT);"
                     "INSERT INTO owner SELECT pageno, name FROM dbstat",
                     NULL, NULL, NULL) != SQLITE_OK)
        fail("dbstat: %s (SQLite without SQLITE_ENABLE_DBSTAT_VTAB)", sqlite3_errmsg(f->db));
    sqlite3_stmt *s;
    sqlite3_prepare_v2(f->db, "INSERT INTO written VALUES (?)", -1, &s, NULL);
    for (size_t i = 0; i < f->page_count; i++) {
        sqlite3_bind_int64(s, 1, f->pages[i]);
        sqlite3_step(s);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(f->db,
                           "SELECT coalesce(owner.name, '(free)'), count(*) FROM written "
                           "LEFT JOIN owner ON owner.page = written.page GROUP BY 1 ORDER BY 2 DESC",
                           -1, &s, NULL) != SQLITE_OK)
        fail("%s", sqlite3_errmsg(f->db));
    fprintf(stderr, "pages a sale, by table and index (%zu pages over %llu sales):\n", f->page_count,
            (unsigned long long)sales);
    while (sqlite3_step(s) == SQLITE_ROW)
        fprintf(stderr, "  %-36s %6.3f\n", (const char *)sqlite3_column_text(s, 0),
                (double)sqlite3_column_int64(s, 1) / (double)sales);
    sqlite3_finalize(s);
}

/* ---- set-up ---------------------------------------------------------------------- */

static void pragma(Floor *f, const char *set, const char *get, const char *expected) {
    char *error = NULL;
    if (sqlite3_exec(f->db, set, NULL, NULL, &error) != SQLITE_OK) fail("%s: %s", set, error);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(f->db, get, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
        fail("%s: %s", get, sqlite3_errmsg(f->db));
    const char *value = (const char *)sqlite3_column_text(s, 0);
    if (strcmp(value ? value : "", expected) != 0) fail("%s gives %s, not %s", get, value ? value : "NULL", expected);
    sqlite3_finalize(s);
}

/* scenicd's process and connection settings (CSQLiteSettings, SQLiteStore.open and GRDB's
   DatabasePool): no memory statistics, no mutex a connection. */
static void open_database(Floor *f, const char *path) {
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) fail("SQLite was initialized before its options were set");
    if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        fail("%s: %s (make one with make-floor-db.sh, or point at a stopped scenicd's scenic.sqlite3)", path,
             sqlite3_errmsg(f->db));
    sqlite3_busy_timeout(f->db, 5000);
    pragma(f, "PRAGMA secure_delete = ON", "PRAGMA secure_delete", "1");
    pragma(f, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1");
    pragma(f, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal");
    pragma(f, "PRAGMA synchronous = FULL", "PRAGMA synchronous", "2");
    pragma(f, "PRAGMA temp_store = MEMORY", "PRAGMA temp_store", "2");
    pragma(f, "PRAGMA wal_autocheckpoint = 40000", "PRAGMA wal_autocheckpoint", "40000");
}

static void find_columns(Floor *f) {
    prepare(f, READ_DISTRIBUTOR, 0);
    sqlite3_stmt *s = f->statement[READ_DISTRIBUTOR];
    f->d_status = column(s, "status");
    f->d_initial = column(s, "password_is_initial"), f->d_balance = column(s, "balance_fen");
    f->d_held = column(s, "held_fen"), f->d_credit = column(s, "credit_limit_fen");
    f->d_threshold = column(s, "low_balance_threshold_fen"), f->d_alerted = column(s, "low_balance_alerted");
    prepare(f, READ_BINDING, 0);
    s = f->statement[READ_BINDING];
    f->p_id = column(s, "id"), f->p_code = column(s, "code"), f->p_retail = column(s, "retail_price_fen");
    f->p_refundable = column(s, "refundable"), f->p_valid_days = column(s, "valid_days");
    f->b_settlement = column(s, "b_settlement_price_fen");
    sqlite3_finalize(f->statement[READ_DISTRIBUTOR]);
    sqlite3_finalize(f->statement[READ_BINDING]);
    f->statement[READ_DISTRIBUTOR] = f->statement[READ_BINDING] = NULL;
}

static void usage(void) {
    fprintf(stderr,
            "usage: sqlite-sale-floor --database PATH [--per-transaction B] [--sales N | --seconds S]\n"
            "                         [--distributor ID] [--distributors N] [--product CODE] [--quantity Q]\n"
            "                         [--prepare-each-time]\n"
            "  --database PATH      a database with scenicd's schema, a distributor (active, password\n"
            "                       changed, with balance) and a product bound to it; make-floor-db.sh\n"
            "                       makes one. Never a database a running scenicd has open.\n"
            "  --per-transaction B  sales per transaction, each in a savepoint when B > 1 (default 1)\n"
            "  --sales N            sales to make, or --seconds S to run (default 5 s)\n"
            "  --distributor ID     (default 1)   --product CODE (default GATE)\n"
            "  --distributors N     sales taken in turn by distributors ID .. ID+N-1, as a load of\n"
            "                       N sellers spreads them (default 1)\n"
            "  --quantity Q         tickets per sale, 1-100 (default 1)\n"
            "  --prepare-each-time  prepare and finalize each statement per use, as GRDB's\n"
            "                       execute(sql:)/fetchOne(sql:) do (the voucher statements stay cached)\n"
            "  --pages              no checkpoints: read each commit's WAL frames and print, on stderr,\n"
            "                       the pages a sale writes to each table and index (over the second\n"
            "                       half of the sales, once the tables have grown)\n");
    exit(2);
}

int main(int argc, char **argv) {
    Floor floor = {.distributor = 1, .product = "GATE", .quantity = 1}, *f = &floor;
    const char *path = NULL;
    unsigned batch = 1;
    int64_t distributors = 1;
    int pages = 0;
    uint64_t count = 0;
    double seconds = 0;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--prepare-each-time")) { f->prepare_each_time = 1; continue; }
        if (!strcmp(argv[i], "--pages")) { pages = 1; continue; }
        if (!value) usage();
        if (!strcmp(argv[i], "--database")) path = value;
        else if (!strcmp(argv[i], "--per-transaction")) batch = (unsigned)strtoul(value, NULL, 10);
        else if (!strcmp(argv[i], "--sales")) count = strtoull(value, NULL, 10);
        else if (!strcmp(argv[i], "--seconds")) seconds = strtod(value, NULL);
        else if (!strcmp(argv[i], "--distributor")) f->distributor = strtoll(value, NULL, 10);
        else if (!strcmp(argv[i], "--distributors")) distributors = strtoll(value, NULL, 10);
        else if (!strcmp(argv[i], "--product")) f->product = value;
        else if (!strcmp(argv[i], "--quantity")) f->quantity = atoi(value);
        else usage();
        i++;
    }
    if (!path || batch < 1 || distributors < 1 || f->quantity < 1 || f->quantity > MAX_QUANTITY || seconds < 0) usage();
    if (count == 0 && seconds == 0) seconds = 5;

    int64_t first = f->distributor;
    time_t today = time(NULL);
    strftime(f->visit_date, sizeof f->visit_date, "%Y-%m-%d", gmtime(&today));
    if (getrandom(&f->random, sizeof f->random, 0) != sizeof f->random) fail("getrandom failed");

    open_database(f, path);
    char wal_path[4096];
    if (pages) {
        if (!count) fail("--pages needs --sales");
        pragma(f, "PRAGMA wal_autocheckpoint = 0", "PRAGMA wal_autocheckpoint", "0");
        snprintf(wal_path, sizeof wal_path, "%s-wal", path);
        f->wal = wal_path;
    }
    find_columns(f);
    if (!f->prepare_each_time)
        for (int i = 0; i < STATEMENTS; i++) prepare(f, (enum Statement)i, SQLITE_PREPARE_PERSISTENT);

    uint64_t written = storage_bytes_written();
    uint64_t sales = 0, started = now_ns(), deadline = started + (uint64_t)(seconds * 1e9);
    while (count ? sales < count : now_ns() < deadline) {
        run(f, BEGIN);
        for (unsigned b = 0; b < batch && (!count || sales < count); b++, sales++) {
            if (batch > 1) run(f, SAVEPOINT);
            f->distributor = first + (int64_t)(sales % (uint64_t)distributors);
            snprintf(f->scope, sizeof f->scope, "distributor:%lld", (long long)f->distributor);
            sell(f);
            if (batch > 1) run(f, RELEASE);
        }
        run(f, COMMIT);
        if (pages) read_wal_frames(f, sales > count / 2);
    }
    double elapsed = (double)(now_ns() - started) / 1e9;
    /* Before close, whose checkpoint is the end of the run rather than part of the sales. */
    written = storage_bytes_written() - written;

    if (pages) print_pages(f, count - count / 2);
    for (int i = 0; i < STATEMENTS; i++) sqlite3_finalize(f->statement[i]);
    if (sqlite3_close(f->db) != SQLITE_OK) fail("close: %s", sqlite3_errmsg(f->db));
    printf("{\"floor\":\"sqlite-sale\",\"per_transaction\":%u,\"quantity\":%d,\"sales\":%llu,\"seconds\":%.3f,"
           "\"per_second\":%.0f,\"distributors\":%lld,\"storage_bytes_per_sale\":%.0f%s}\n",
           batch, f->quantity, (unsigned long long)sales, elapsed, elapsed > 0 ? (double)sales / elapsed : 0,
           (long long)distributors, sales ? (double)written / (double)sales : 0,
           f->prepare_each_time ? ",\"prepare_each_time\":true" : "");
    return 0;
}
