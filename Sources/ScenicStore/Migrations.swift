import GRDB

/// The schema, one named migration per change, applied in order at start-up. A
/// migration that has shipped is never edited: a change is a new migration.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_store_info") { db in
            // One row describing the store itself.
            try db.execute(sql: """
                CREATE TABLE store_info (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                ) STRICT;
                INSERT INTO store_info (id) VALUES (1);
                """)
        }
        migrator.registerMigration("0002_distributor_accounts") { db in
            // Times are Unix milliseconds (UTC). Money is integer fen.
            try db.execute(sql: """
                CREATE TABLE distributor (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    phone TEXT NOT NULL UNIQUE
                        CHECK (length(phone) = 11 AND phone GLOB '1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
                    password_hash TEXT NOT NULL,
                    password_is_initial INTEGER NOT NULL CHECK (password_is_initial IN (0, 1)),
                    failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
                    locked_until INTEGER,
                    balance_fen INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX distributor_by_status ON distributor (status, id);

                CREATE TABLE session (
                    id INTEGER PRIMARY KEY,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    token_hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    ended_at INTEGER,
                    end_reason TEXT
                ) STRICT;
                CREATE INDEX session_open_by_distributor ON session (distributor_id) WHERE ended_at IS NULL;

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    method TEXT NOT NULL,
                    target TEXT NOT NULL DEFAULT '',
                    summary TEXT NOT NULL
                ) STRICT;
                CREATE INDEX audit_by_target ON audit_log (target, id);

                CREATE TABLE sms_outbox (
                    id INTEGER PRIMARY KEY,
                    phone TEXT NOT NULL,
                    body TEXT NOT NULL,
                    holds_secret INTEGER NOT NULL CHECK (holds_secret IN (0, 1)),
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
                    tries INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER
                ) STRICT;
                CREATE INDEX sms_due ON sms_outbox (next_attempt_at) WHERE status = 'pending';
                """)
        }
        migrator.registerMigration("0003_products_and_bindings") { db in
            try db.execute(sql: """
                CREATE TABLE product (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
                    retail_price_fen INTEGER NOT NULL CHECK (retail_price_fen > 0),
                    refundable INTEGER NOT NULL CHECK (refundable IN (0, 1)),
                    valid_days INTEGER NOT NULL CHECK (valid_days BETWEEN 1 AND 366),
                    status TEXT NOT NULL DEFAULT 'on_sale' CHECK (status IN ('on_sale', 'archived')),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;

                -- What a distributor may sell, at the settlement price agreed with it.
                CREATE TABLE binding (
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    bound_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (distributor_id, product_id)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX binding_by_product ON binding (product_id);
                """)
        }
        migrator.registerMigration("0004_money_and_tickets") { db in
            try db.execute(sql: """
                -- A sale, with what it charged and promised at the time.
                CREATE TABLE sale_order (
                    id INTEGER PRIMARY KEY,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
                    visit_date TEXT NOT NULL,
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    retail_price_fen INTEGER NOT NULL CHECK (retail_price_fen > 0),
                    refundable INTEGER NOT NULL CHECK (refundable IN (0, 1)),
                    amount_fen INTEGER NOT NULL CHECK (amount_fen = settlement_price_fen * quantity),
                    buyer_name TEXT NOT NULL DEFAULT '',
                    buyer_phone TEXT NOT NULL DEFAULT '',
                    sold_at INTEGER NOT NULL
                ) STRICT;

                CREATE TABLE voucher (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL UNIQUE CHECK (length(code) = 16),
                    order_id INTEGER NOT NULL REFERENCES sale_order (id),
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    visit_date TEXT NOT NULL,
                    valid_until TEXT NOT NULL CHECK (valid_until >= visit_date),
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    retail_price_fen INTEGER NOT NULL CHECK (retail_price_fen > 0),
                    refundable INTEGER NOT NULL CHECK (refundable IN (0, 1)),
                    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'redeemed', 'refunded')),
                    sold_at INTEGER NOT NULL,
                    redeemed_at INTEGER,
                    redeemed_by TEXT,
                    refunded_at INTEGER
                ) STRICT;
                CREATE INDEX voucher_by_distributor ON voucher (distributor_id, id);
                CREATE INDEX voucher_by_sold_at ON voucher (sold_at);
                CREATE INDEX voucher_by_visit_date ON voucher (visit_date);

                -- Append-only: every balance change, and the balance it left.
                CREATE TABLE ledger_entry (
                    id INTEGER PRIMARY KEY,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('recharge', 'sale', 'refund', 'adjustment')),
                    amount_fen INTEGER NOT NULL CHECK (amount_fen <> 0),
                    balance_after_fen INTEGER NOT NULL CHECK (balance_after_fen >= 0),
                    order_id INTEGER REFERENCES sale_order (id),
                    voucher_code TEXT NOT NULL DEFAULT '',
                    note TEXT NOT NULL DEFAULT '',
                    actor TEXT NOT NULL
                ) STRICT;
                CREATE INDEX ledger_by_distributor ON ledger_entry (distributor_id, id);
                CREATE TRIGGER ledger_entry_is_append_only_u BEFORE UPDATE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed'); END;
                CREATE TRIGGER ledger_entry_is_append_only_d BEFORE DELETE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted'); END;

                -- The first answer to each request id, for retries.
                CREATE TABLE request_log (
                    scope TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    method TEXT NOT NULL,
                    fingerprint BLOB NOT NULL,
                    response BLOB NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (scope, request_id)
                ) STRICT, WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("0005_reports_and_alerts") { db in
            try db.execute(sql: """
                ALTER TABLE distributor ADD COLUMN low_balance_threshold_fen INTEGER NOT NULL DEFAULT 0
                    CHECK (low_balance_threshold_fen >= 0);
                ALTER TABLE distributor ADD COLUMN low_balance_alerted INTEGER NOT NULL DEFAULT 0
                    CHECK (low_balance_alerted IN (0, 1));
                -- Statements read a period of one distributor from these alone.
                CREATE INDEX ledger_by_distributor_at ON ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen);
                CREATE INDEX voucher_by_distributor_state ON voucher (distributor_id, status, sold_at, valid_until);
                CREATE INDEX sale_by_distributor_sold ON sale_order (distributor_id, sold_at, quantity);
                """)
        }
        migrator.registerMigration("0006_voucher_tally") { db in
            try db.execute(sql: """
                -- Vouchers counted by distributor, quarter hour of sale (UTC), last valid day and
                -- state, kept by triggers: a statement reads a few rows per quarter hour
                -- instead of counting a million index entries. Quarter hours, because every
                -- time zone's midnight falls on one.
                CREATE TABLE voucher_tally (
                    distributor_id INTEGER NOT NULL,
                    sold_quarter INTEGER NOT NULL,
                    valid_until TEXT NOT NULL,
                    status TEXT NOT NULL,
                    count INTEGER NOT NULL CHECK (count >= 0),
                    PRIMARY KEY (distributor_id, sold_quarter, valid_until, status)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO voucher_tally
                    SELECT distributor_id, sold_at / 900000, valid_until, status, count(*) FROM voucher GROUP BY 1, 2, 3, 4;
                CREATE TRIGGER voucher_tally_sold AFTER INSERT ON voucher BEGIN
                    INSERT INTO voucher_tally VALUES (NEW.distributor_id, NEW.sold_at / 900000, NEW.valid_until, NEW.status, 1)
                        ON CONFLICT DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER voucher_tally_moved AFTER UPDATE OF status ON voucher WHEN OLD.status != NEW.status BEGIN
                    UPDATE voucher_tally SET count = count - 1
                        WHERE distributor_id = OLD.distributor_id AND sold_quarter = OLD.sold_at / 900000
                            AND valid_until = OLD.valid_until AND status = OLD.status;
                    INSERT INTO voucher_tally VALUES (NEW.distributor_id, NEW.sold_at / 900000, NEW.valid_until, NEW.status, 1)
                        ON CONFLICT DO UPDATE SET count = count + 1;
                END;
                """)
        }
        migrator.registerMigration("0007_voucher_by_distributor_status") { db in
            try db.execute(sql: """
                -- A distributor's vouchers in one state, newest first: the voucher list filtered
                -- by state reads a page of them instead of walking all of the distributor's
                -- vouchers (0.4 s for a state none of a million has). It replaces an index
                -- that, with the tally, served only the ragged ends of statement periods.
                DROP INDEX voucher_by_distributor_state;
                CREATE INDEX voucher_by_distributor_status ON voucher (distributor_id, status, id);
                """)
        }
        migrator.registerMigration("0008_no_account_lockout") { db in
            try db.execute(sql: """
                -- Failed logins are throttled per peer in the daemon's memory (LoginThrottle):
                -- a lock stored on the account let anyone lock any distributor out.
                ALTER TABLE distributor DROP COLUMN failed_logins;
                ALTER TABLE distributor DROP COLUMN locked_until;
                """)
        }
        migrator.registerMigration("0009_public_number_key") { db in
            try db.execute(sql: """
                -- The key of the numbers orders, ledger entries and page tokens are shown
                -- under (a permutation of their row ids that hides how many there are).
                ALTER TABLE store_info ADD COLUMN public_number_key BLOB CHECK (length(public_number_key) = 16);
                UPDATE store_info SET public_number_key = randomblob(16);
                """)
        }
        migrator.registerMigration("0010_calendar") { db in
            try db.execute(sql: """
                -- A product's visit dates that have anything set. A date with no row is open,
                -- unlimited and at the product's and bindings' prices, and a sale for it
                -- writes nothing here: products without a calendar sell as before.
                -- `sold` counts tickets not refunded, kept in the sale's transaction; the
                -- CHECKs make overselling impossible whatever the code does.
                CREATE TABLE calendar_day (
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    visit_date TEXT NOT NULL,
                    closed INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
                    close_reason TEXT NOT NULL DEFAULT '',
                    capacity INTEGER CHECK (capacity >= 0),
                    sold INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0 AND (capacity IS NULL OR sold <= capacity)),
                    retail_price_fen INTEGER CHECK (retail_price_fen > 0),
                    -- How many rows the date has in calendar_slot: a sale reads them only then.
                    slots INTEGER NOT NULL DEFAULT 0 CHECK (slots >= 0),
                    PRIMARY KEY (product_id, visit_date)
                ) STRICT, WITHOUT ROWID;

                -- Time slots of a date ("HH:MM-HH:MM"); a date with slots sells only by slot.
                CREATE TABLE calendar_slot (
                    product_id INTEGER NOT NULL,
                    visit_date TEXT NOT NULL,
                    slot TEXT NOT NULL,
                    capacity INTEGER CHECK (capacity >= 0),
                    sold INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0 AND (capacity IS NULL OR sold <= capacity)),
                    PRIMARY KEY (product_id, visit_date, slot),
                    FOREIGN KEY (product_id, visit_date) REFERENCES calendar_day (product_id, visit_date)
                ) STRICT, WITHOUT ROWID;

                -- At most `allotment` tickets a day for one distributor, inside the day's capacity.
                CREATE TABLE calendar_allotment (
                    product_id INTEGER NOT NULL,
                    visit_date TEXT NOT NULL,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    allotment INTEGER NOT NULL CHECK (allotment >= 0),
                    sold INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0 AND sold <= allotment),
                    PRIMARY KEY (product_id, visit_date, distributor_id),
                    FOREIGN KEY (product_id, visit_date) REFERENCES calendar_day (product_id, visit_date)
                ) STRICT, WITHOUT ROWID;

                -- A distributor's settlement price on a date, instead of its binding's.
                CREATE TABLE calendar_settlement_price (
                    distributor_id INTEGER NOT NULL,
                    product_id INTEGER NOT NULL,
                    visit_date TEXT NOT NULL,
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    PRIMARY KEY (distributor_id, product_id, visit_date),
                    FOREIGN KEY (distributor_id, product_id) REFERENCES binding (distributor_id, product_id) ON DELETE CASCADE
                ) STRICT, WITHOUT ROWID;

                -- Booking rules; NULL and 0 are no rule.
                ALTER TABLE product ADD COLUMN sale_days_ahead INTEGER CHECK (sale_days_ahead BETWEEN 1 AND 366);
                ALTER TABLE product ADD COLUMN cutoff_minutes INTEGER CHECK (cutoff_minutes BETWEEN 0 AND 525600);
                ALTER TABLE product ADD COLUMN same_day_until INTEGER CHECK (same_day_until BETWEEN 0 AND 1440);
                ALTER TABLE product ADD COLUMN slot_admission INTEGER NOT NULL DEFAULT 0 CHECK (slot_admission IN (0, 1));
                ALTER TABLE product ADD COLUMN admission_grace_minutes INTEGER NOT NULL DEFAULT 0
                    CHECK (admission_grace_minutes BETWEEN 0 AND 1440);

                -- The slot a ticket was sold for (NULL: none), so a refund gives it back and the gate can admit by it.
                ALTER TABLE voucher ADD COLUMN slot TEXT;
                """)
        }
        migrator.registerMigration("0011_real_names") { db in
            try db.execute(sql: """
                ALTER TABLE product ADD COLUMN real_name_mode TEXT NOT NULL DEFAULT 'none'
                    CHECK (real_name_mode IN ('none', 'per_order', 'per_ticket'));
                ALTER TABLE product ADD COLUMN id_limit INTEGER NOT NULL DEFAULT 0 CHECK (id_limit BETWEEN 0 AND 1000);
                ALTER TABLE product ADD COLUMN id_limit_period TEXT NOT NULL DEFAULT 'day'
                    CHECK (id_limit_period IN ('day', 'week', 'month'));

                -- The visitor of a real-name order (one row) or of each of its tickets. The
                -- name and ID number exist only sealed (AES-GCM, under a key kept outside the
                -- database) and as masked forms; id_hash (an HMAC) is what limits and the gate
                -- look an ID up by. Both go (NULL) when the retention period ends.
                CREATE TABLE visitor (
                    id INTEGER PRIMARY KEY,
                    order_id INTEGER NOT NULL REFERENCES sale_order (id),
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    visit_date TEXT NOT NULL,
                    valid_until TEXT NOT NULL,
                    id_type TEXT NOT NULL CHECK (id_type IN
                        ('resident-id', 'passport', 'hk-macao-permit', 'taiwan-permit', 'foreign-permanent-resident')),
                    masked_name TEXT NOT NULL,
                    masked_id TEXT NOT NULL,
                    id_hash BLOB CHECK (length(id_hash) = 32),
                    sealed BLOB
                ) STRICT;
                CREATE INDEX visitor_by_id ON visitor (id_hash, product_id, visit_date) WHERE id_hash IS NOT NULL;
                CREATE INDEX visitor_by_valid_until ON visitor (valid_until);
                ALTER TABLE voucher ADD COLUMN visitor_id INTEGER REFERENCES visitor (id);
                -- Plain tickets have no visitor and cost this index nothing.
                CREATE INDEX voucher_by_visitor ON voucher (visitor_id) WHERE visitor_id IS NOT NULL;

                -- An HMAC of a fixed text under the personal data key: a daemon started with
                -- another key is refused instead of sealing under two keys.
                ALTER TABLE store_info ADD COLUMN personal_data_key_check BLOB;
                """)
        }
        migrator.registerMigration("0012_integrations") { db in
            try db.execute(sql: """
                -- Machines' credentials: only the SHA-256 of a key is kept.
                CREATE TABLE api_key (
                    id INTEGER PRIMARY KEY,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    prefix TEXT NOT NULL,
                    secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
                    -- Comma-separated: sell, refund, read.
                    scopes TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER,
                    expires_on TEXT,
                    revoked_at INTEGER
                ) STRICT;
                CREATE INDEX api_key_by_distributor ON api_key (distributor_id, id);

                -- What holds keep aside; a sale spends balance − held, never more.
                ALTER TABLE distributor ADD COLUMN held_fen INTEGER NOT NULL DEFAULT 0
                    CHECK (held_fen >= 0 AND held_fen <= balance_fen);

                -- Seats taken from the calendar and money kept aside, until confirmed,
                -- released or expired.
                CREATE TABLE hold (
                    id INTEGER PRIMARY KEY,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    visit_date TEXT NOT NULL,
                    slot TEXT,
                    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    retail_price_fen INTEGER NOT NULL CHECK (retail_price_fen > 0),
                    amount_fen INTEGER NOT NULL CHECK (amount_fen = settlement_price_fen * quantity),
                    status TEXT NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'confirmed', 'released', 'expired')),
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    ended_at INTEGER,
                    order_id INTEGER REFERENCES sale_order (id)
                ) STRICT;
                CREATE INDEX hold_due ON hold (expires_at) WHERE status = 'held';
                CREATE INDEX hold_by_distributor ON hold (distributor_id, id);

                -- What channels hear of, in the transaction of the change. AUTOINCREMENT: an id
                -- is never used twice, even after the newest events are dropped.
                CREATE TABLE event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    -- NULL: every distributor hears of it.
                    distributor_id INTEGER,
                    voucher_code TEXT NOT NULL DEFAULT '',
                    hold_id INTEGER,
                    product_code TEXT NOT NULL DEFAULT '',
                    amount_fen INTEGER NOT NULL DEFAULT 0,
                    balance_fen INTEGER NOT NULL DEFAULT 0,
                    dates TEXT NOT NULL DEFAULT ''
                ) STRICT;
                CREATE INDEX event_by_distributor ON event (distributor_id, id);
                CREATE INDEX event_by_at ON event (at);

                -- The last day whose unused vouchers have had their expiry event.
                ALTER TABLE store_info ADD COLUMN expiry_events_through TEXT;
                UPDATE store_info SET expiry_events_through = date('now', '-1 day');
                """)
        }
        migrator.registerMigration("0013_visitor_erasure_indexes") { db in
            try db.execute(sql: """
                -- The hourly erasure looks only at what it has left to erase, not at every
                -- visitor ever sold.
                DROP INDEX visitor_by_valid_until;
                CREATE INDEX visitor_sealed_by_valid_until ON visitor (valid_until) WHERE sealed IS NOT NULL;
                CREATE INDEX visitor_hashed_by_valid_until ON visitor (valid_until) WHERE id_hash IS NOT NULL;
                """)
        }
        migrator.registerMigration("0014_money_policies") { db in
            // SQLite changes a CHECK only by rebuilding its table: distributor and
            // ledger_entry are copied into tables whose balance may go below zero, down to
            // the credit line, and put back under their names (foreign keys are checked
            // at the end of the migration).
            try db.execute(sql: """
                CREATE TABLE new_distributor (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    phone TEXT NOT NULL UNIQUE
                        CHECK (length(phone) = 11 AND phone GLOB '1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
                    password_hash TEXT NOT NULL,
                    password_is_initial INTEGER NOT NULL CHECK (password_is_initial IN (0, 1)),
                    balance_fen INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    low_balance_threshold_fen INTEGER NOT NULL DEFAULT 0 CHECK (low_balance_threshold_fen >= 0),
                    low_balance_alerted INTEGER NOT NULL DEFAULT 0 CHECK (low_balance_alerted IN (0, 1)),
                    held_fen INTEGER NOT NULL DEFAULT 0 CHECK (held_fen >= 0),
                    -- The credit line (授信): the balance may go down to minus it, never further,
                    -- and holds keep aside no more than balance + limit.
                    credit_limit_fen INTEGER NOT NULL DEFAULT 0 CHECK (credit_limit_fen BETWEEN 0 AND 100000000),
                    CHECK (balance_fen >= -credit_limit_fen),
                    CHECK (held_fen <= balance_fen + credit_limit_fen)
                ) STRICT;
                INSERT INTO new_distributor (id, name, phone, status, password_hash, password_is_initial, balance_fen,
                    created_at, updated_at, low_balance_threshold_fen, low_balance_alerted, held_fen)
                SELECT id, name, phone, status, password_hash, password_is_initial, balance_fen,
                    created_at, updated_at, low_balance_threshold_fen, low_balance_alerted, held_fen FROM distributor;
                DROP TABLE distributor;
                ALTER TABLE new_distributor RENAME TO distributor;
                CREATE INDEX distributor_by_status ON distributor (status, id);

                CREATE TABLE new_ledger_entry (
                    id INTEGER PRIMARY KEY,
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('recharge', 'sale', 'refund', 'adjustment', 'date_change')),
                    amount_fen INTEGER NOT NULL,
                    balance_after_fen INTEGER NOT NULL,
                    order_id INTEGER REFERENCES sale_order (id),
                    voucher_code TEXT NOT NULL DEFAULT '',
                    note TEXT NOT NULL DEFAULT '',
                    actor TEXT NOT NULL,
                    -- What a refund's fee kept: the entry credits the price less the fee, which
                    -- may leave nothing to credit.
                    fee_fen INTEGER NOT NULL DEFAULT 0 CHECK (fee_fen >= 0 AND (fee_fen = 0 OR kind = 'refund')),
                    CHECK (amount_fen <> 0 OR fee_fen > 0)
                ) STRICT;
                INSERT INTO new_ledger_entry (id, distributor_id, at, kind, amount_fen, balance_after_fen, order_id,
                    voucher_code, note, actor)
                SELECT id, distributor_id, at, kind, amount_fen, balance_after_fen, order_id, voucher_code, note, actor
                FROM ledger_entry;
                DROP TABLE ledger_entry;
                ALTER TABLE new_ledger_entry RENAME TO ledger_entry;
                CREATE INDEX ledger_by_distributor ON ledger_entry (distributor_id, id);
                CREATE INDEX ledger_by_distributor_at
                    ON ledger_entry (distributor_id, at, kind, amount_fen, balance_after_fen, fee_fen);
                CREATE TRIGGER ledger_entry_is_append_only_u BEFORE UPDATE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed'); END;
                CREATE TRIGGER ledger_entry_is_append_only_d BEFORE DELETE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted'); END;

                -- Refund rules, never changed once written: a product points at its current
                -- rules and each voucher at those of its sale. NULL is the default rule
                -- (until the visit date ends, no fee, no approval), which costs a voucher nothing.
                CREATE TABLE refund_policy (
                    id INTEGER PRIMARY KEY,
                    deadline TEXT NOT NULL CHECK (deadline IN ('visit_day', 'hours_before', 'none')),
                    deadline_hours INTEGER NOT NULL DEFAULT 0
                        CHECK (CASE deadline WHEN 'hours_before' THEN deadline_hours BETWEEN 1 AND 8760 ELSE deadline_hours = 0 END),
                    -- The fee schedule as RefundPolicy.Fees writes it: "p2000;72=p0;24=p1000".
                    fees TEXT NOT NULL DEFAULT '',
                    needs_approval INTEGER NOT NULL CHECK (needs_approval IN (0, 1)),
                    UNIQUE (deadline, deadline_hours, fees, needs_approval)
                ) STRICT;
                ALTER TABLE product ADD COLUMN refund_policy_id INTEGER REFERENCES refund_policy (id);
                ALTER TABLE voucher ADD COLUMN refund_policy_id INTEGER REFERENCES refund_policy (id);
                -- What a refund's fee kept of the voucher's price (NULL: none).
                ALTER TABLE voucher ADD COLUMN refund_fee_fen INTEGER CHECK (refund_fee_fen >= 0);

                -- Refunds awaiting (or given) the back office's decision; a voucher has at
                -- most one pending, and does not admit while it has.
                CREATE TABLE refund_approval (
                    id INTEGER PRIMARY KEY,
                    voucher_id INTEGER NOT NULL REFERENCES voucher (id),
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    fee_fen INTEGER NOT NULL CHECK (fee_fen BETWEEN 0 AND settlement_price_fen),
                    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
                    requested_at INTEGER NOT NULL,
                    approve_by INTEGER NOT NULL,
                    decided_at INTEGER,
                    decided_by TEXT,
                    reason TEXT NOT NULL DEFAULT ''
                ) STRICT;
                CREATE UNIQUE INDEX refund_approval_pending ON refund_approval (voucher_id) WHERE status = 'pending';
                CREATE INDEX refund_approval_due ON refund_approval (approve_by) WHERE status = 'pending';
                CREATE INDEX refund_approval_by_distributor ON refund_approval (distributor_id, id);

                -- A date change moves a voucher's last valid day: its tally row moves with it.
                CREATE TRIGGER voucher_tally_redated AFTER UPDATE OF valid_until ON voucher
                    WHEN OLD.valid_until != NEW.valid_until AND OLD.status = NEW.status BEGIN
                    UPDATE voucher_tally SET count = count - 1
                        WHERE distributor_id = OLD.distributor_id AND sold_quarter = OLD.sold_at / 900000
                            AND valid_until = OLD.valid_until AND status = OLD.status;
                    INSERT INTO voucher_tally VALUES (NEW.distributor_id, NEW.sold_at / 900000, NEW.valid_until, NEW.status, 1)
                        ON CONFLICT DO UPDATE SET count = count + 1;
                END;
                """)
        }
        migrator.registerMigration("0015_fewer_pages_a_sale") { db in
            try db.execute(sql: """
                -- A sale adds to every index of the rows it writes, a page of each: the
                -- tickets a statement counts come from voucher_tally instead (a voucher is a
                -- ticket), and one index by distributor and time serves both the ledger's
                -- pages (oldest first, by time then id) and the statements' sums.
                DROP INDEX sale_by_distributor_sold;
                -- A distributor's voucher list is merged from its ranges by state.
                DROP INDEX voucher_by_distributor;
                DROP INDEX ledger_by_distributor;
                DROP INDEX ledger_by_distributor_at;
                CREATE INDEX ledger_by_distributor_at
                    ON ledger_entry (distributor_id, at, id, kind, amount_fen, balance_after_fen, fee_fen);

                -- Keyed by the id first: ids that grow with time (the clients' UUIDv7s) are
                -- added at the end of the table, the same page for a whole batch of sales,
                -- where (scope, id) put each caller's next row on a page of its own.
                CREATE TABLE new_request_log (
                    scope TEXT NOT NULL,
                    request_id TEXT NOT NULL,
                    method TEXT NOT NULL,
                    fingerprint BLOB NOT NULL,
                    response BLOB NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (request_id, scope)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO new_request_log SELECT scope, request_id, method, fingerprint, response, at FROM request_log;
                DROP TABLE request_log;
                ALTER TABLE new_request_log RENAME TO request_log;
                """)
        }
        migrator.registerMigration("0016_voucher_codes_from_ids") { db in
            // A voucher's code is a keyed permutation of its id (VoucherCodes), found by
            // inverting it: the index of random codes, a page at a random place written by
            // every sale, goes. It is part of the table (UNIQUE), which is rebuilt for it; the
            // table's columns, indexes and triggers are written out again here, since the SQL
            // of a shipped migration is never shared or edited.
            // Codes issued before stay valid through legacy_voucher_code, and a new id
            // whose code one of them already is, is skipped.
            try db.execute(sql: """
                CREATE TABLE new_voucher (
                    id INTEGER PRIMARY KEY,
                    code TEXT NOT NULL CHECK (length(code) = 16),
                    order_id INTEGER NOT NULL REFERENCES sale_order (id),
                    distributor_id INTEGER NOT NULL REFERENCES distributor (id),
                    product_id INTEGER NOT NULL REFERENCES product (id),
                    visit_date TEXT NOT NULL,
                    valid_until TEXT NOT NULL CHECK (valid_until >= visit_date),
                    settlement_price_fen INTEGER NOT NULL CHECK (settlement_price_fen > 0),
                    retail_price_fen INTEGER NOT NULL CHECK (retail_price_fen > 0),
                    refundable INTEGER NOT NULL CHECK (refundable IN (0, 1)),
                    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'redeemed', 'refunded')),
                    sold_at INTEGER NOT NULL,
                    redeemed_at INTEGER,
                    redeemed_by TEXT,
                    refunded_at INTEGER,
                    slot TEXT,
                    visitor_id INTEGER REFERENCES visitor (id),
                    refund_policy_id INTEGER REFERENCES refund_policy (id),
                    refund_fee_fen INTEGER CHECK (refund_fee_fen >= 0)
                ) STRICT;
                INSERT INTO new_voucher SELECT id, code, order_id, distributor_id, product_id, visit_date, valid_until,
                    settlement_price_fen, retail_price_fen, refundable, status, sold_at, redeemed_at, redeemed_by,
                    refunded_at, slot, visitor_id, refund_policy_id, refund_fee_fen FROM voucher;

                -- The codes drawn at random before: what each of them is the code of.
                CREATE TABLE legacy_voucher_code (
                    code TEXT PRIMARY KEY,
                    voucher_id INTEGER NOT NULL REFERENCES voucher (id)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO legacy_voucher_code SELECT code, id FROM voucher;

                DROP TABLE voucher;
                ALTER TABLE new_voucher RENAME TO voucher;
                CREATE INDEX voucher_by_sold_at ON voucher (sold_at);
                CREATE INDEX voucher_by_visit_date ON voucher (visit_date);
                CREATE INDEX voucher_by_distributor_status ON voucher (distributor_id, status, id);
                CREATE INDEX voucher_by_visitor ON voucher (visitor_id) WHERE visitor_id IS NOT NULL;
                CREATE TRIGGER voucher_tally_sold AFTER INSERT ON voucher BEGIN
                    INSERT INTO voucher_tally VALUES (NEW.distributor_id, NEW.sold_at / 900000, NEW.valid_until, NEW.status, 1)
                        ON CONFLICT DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER voucher_tally_moved AFTER UPDATE OF status ON voucher WHEN OLD.status != NEW.status BEGIN
                    UPDATE voucher_tally SET count = count - 1
                        WHERE distributor_id = OLD.distributor_id AND sold_quarter = OLD.sold_at / 900000
                            AND valid_until = OLD.valid_until AND status = OLD.status;
                    INSERT INTO voucher_tally VALUES (NEW.distributor_id, NEW.sold_at / 900000, NEW.valid_until, NEW.status, 1)
                        ON CONFLICT DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER voucher_tally_redated AFTER UPDATE OF valid_until ON voucher
                    WHEN OLD.valid_until != NEW.valid_until AND OLD.status = NEW.status BEGIN
                    UPDATE voucher_tally SET count = count - 1
                        WHERE distributor_id = OLD.distributor_id AND sold_quarter = OLD.sold_at / 900000
                            AND valid_until = OLD.valid_until AND status = OLD.status;
                    INSERT INTO voucher_tally VALUES (NEW.distributor_id, NEW.sold_at / 900000, NEW.valid_until, NEW.status, 1)
                        ON CONFLICT DO UPDATE SET count = count + 1;
                END;
                """)
        }
        migrator.registerMigration("0017_voucher_codes_after_a_restore") { db in
            try db.execute(sql: """
                -- The key voucher codes are made under (NULL: public_number_key). A restored
                -- backup has lost the vouchers sold after it was taken, whose ids the next
                -- sales take again: the store opening it keeps every code it holds and makes
                -- new ones under a new key, so a lost voucher's code is not a new one's.
                ALTER TABLE store_info ADD COLUMN voucher_code_key BLOB CHECK (length(voucher_code_key) = 16);
                -- Set in the copy `scenic-admin backup` writes, cleared once it is opened.
                ALTER TABLE store_info ADD COLUMN is_backup_copy INTEGER NOT NULL DEFAULT 0
                    CHECK (is_backup_copy IN (0, 1));
                -- A voucher's id is its code: a deleted row's id would be taken again.
                CREATE TRIGGER voucher_is_never_deleted BEFORE DELETE ON voucher
                    BEGIN SELECT RAISE(ABORT, 'vouchers are never deleted'); END;
                """)
        }
        return migrator
    }
}
