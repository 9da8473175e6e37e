//! Schema migrations, applied in order inside one transaction; `PRAGMA user_version`
//! records how far a file has come.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::{Result, StoreError};

/// Each entry moves the schema one version up. Never edit a released entry; add one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Unique keys are separate indexes (not column constraints) so a bulk import into an
-- empty catalog can drop them and build them once at the end.
CREATE TABLE products (
    id       INTEGER PRIMARY KEY,
    handle   TEXT NOT NULL,
    title    TEXT NOT NULL,
    category TEXT,
    vendor   TEXT,
    active   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX products_handle ON products (handle);

CREATE TABLE variants (
    id         INTEGER PRIMARY KEY,
    sku        TEXT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (id),
    name       TEXT NOT NULL,
    options    TEXT NOT NULL,          -- JSON [[name, value], ...]
    price      TEXT NOT NULL,
    cost       TEXT,
    unit       TEXT NOT NULL,          -- each | kg
    tax_class  TEXT NOT NULL,
    is_bundle  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX variants_sku ON variants (sku);

CREATE TABLE barcodes (
    code       TEXT PRIMARY KEY,
    variant_id INTEGER NOT NULL REFERENCES variants (id)
) STRICT, WITHOUT ROWID;
CREATE INDEX barcodes_variant ON barcodes (variant_id);

CREATE TABLE components (
    bundle_id     INTEGER NOT NULL REFERENCES variants (id),
    component_sku TEXT NOT NULL,
    quantity      TEXT NOT NULL,
    PRIMARY KEY (bundle_id, component_sku)
) STRICT, WITHOUT ROWID;

CREATE TABLE price_list_entries (
    list           TEXT NOT NULL,
    sku            TEXT NOT NULL,
    channel        TEXT,
    region         TEXT,
    price          TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to   TEXT,
    PRIMARY KEY (list, sku, effective_from)
) STRICT;
CREATE INDEX price_list_entries_sku ON price_list_entries (sku);

CREATE TABLE promotions (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    rule     TEXT NOT NULL,            -- JSON, see catalog.rs
    coupon   TEXT,
    starts   TEXT,
    ends     TEXT,
    priority INTEGER NOT NULL
) STRICT;

-- Full-text search over the catalog; rowid = variants.id. Contentless: the text lives
-- in variants, the index only points at it. SKUs and barcodes are not in it: codes are
-- found through their own unique indexes (exact and prefix), words through this one.
CREATE VIRTUAL TABLE catalog_fts USING fts5 (
    name, vendor, category,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- A sale's rows are keyed by its receipt sequence number (small integer keys keep the
-- b-trees a commit touches small); its UUID is what HQ deduplicates on.
CREATE TABLE sales (
    seq                INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    register           TEXT NOT NULL,
    store              TEXT NOT NULL,
    at                 TEXT NOT NULL,
    business_date      TEXT NOT NULL,
    currency           TEXT NOT NULL,
    prices_include_tax INTEGER NOT NULL,
    subtotal           TEXT NOT NULL,
    discount_total     TEXT NOT NULL,
    tax_total          TEXT NOT NULL,
    total              TEXT NOT NULL,
    cash_rounding      TEXT NOT NULL,
    change             TEXT NOT NULL,
    coupons            TEXT NOT NULL    -- JSON array
) STRICT;

CREATE TABLE sale_lines (
    sale_seq        INTEGER NOT NULL REFERENCES sales (seq),
    line_no         INTEGER NOT NULL,
    sku             TEXT NOT NULL,
    name            TEXT NOT NULL,
    category        TEXT,
    quantity        TEXT NOT NULL,
    unit            TEXT NOT NULL,
    list_price      TEXT NOT NULL,
    price_source    TEXT NOT NULL,     -- base | list:NAME
    override_price  TEXT,
    override_reason TEXT,
    gross           TEXT NOT NULL,
    total           TEXT NOT NULL,
    tax_class       TEXT NOT NULL,
    tax_rate        TEXT NOT NULL,
    cost            TEXT,
    PRIMARY KEY (sale_seq, line_no)
) STRICT, WITHOUT ROWID;

CREATE TABLE sale_adjustments (
    sale_seq     INTEGER NOT NULL REFERENCES sales (seq),
    line_no      INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,        -- promotion | line_discount | order_discount
    promotion_id TEXT,
    label        TEXT NOT NULL,
    amount       TEXT NOT NULL,
    PRIMARY KEY (sale_seq, line_no, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE sale_taxes (
    sale_seq INTEGER NOT NULL REFERENCES sales (seq),
    seq     INTEGER NOT NULL,
    label   TEXT NOT NULL,
    rate    TEXT NOT NULL,
    net     TEXT NOT NULL,
    tax     TEXT NOT NULL,
    gross   TEXT NOT NULL,
    PRIMARY KEY (sale_seq, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE payments (
    sale_seq       INTEGER NOT NULL REFERENCES sales (seq),
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,      -- cash | card | custom
    name           TEXT,               -- card brand or custom tender name
    card_last4     TEXT,
    card_reference TEXT,
    amount         TEXT NOT NULL,
    tendered       TEXT NOT NULL,
    PRIMARY KEY (sale_seq, seq)
) STRICT, WITHOUT ROWID;

-- The stock ledger: append-only movements; stock_levels is their projection, folded in
-- off the sale path (settings.stock_folded_through is the last movement folded) and
-- rebuildable from the movements. Quantities are integer millionths of a unit (piece or
-- kg): exact, and summed by SQLite itself.
CREATE TABLE stock_movements (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL,
    location    TEXT NOT NULL,
    micro_units INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    sale_seq    INTEGER REFERENCES sales (seq),
    unit_cost   TEXT,
    at          TEXT NOT NULL
) STRICT;

CREATE TABLE stock_levels (
    sku         TEXT NOT NULL,
    location    TEXT NOT NULL,
    micro_units INTEGER NOT NULL,
    PRIMARY KEY (sku, location)
) STRICT, WITHOUT ROWID;

-- The fiscal journal: append-only, gap-free, each record carrying the previous hash.
CREATE TABLE journal (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    at          TEXT NOT NULL,
    amount      TEXT NOT NULL,
    grand_total TEXT NOT NULL,
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;

-- AUTOINCREMENT: a parked cart's number is never reused, so a stale number cannot
-- resume somebody else's cart.
CREATE TABLE parked_carts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    label     TEXT NOT NULL,
    parked_at TEXT NOT NULL,
    payload   TEXT NOT NULL
) STRICT;

-- What has been sold and journalled is never changed in place.
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER sales_no_update BEFORE UPDATE ON sales BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sale_lines_no_update BEFORE UPDATE ON sale_lines BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sale_lines_no_delete BEFORE DELETE ON sale_lines BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sale_adjustments_no_update BEFORE UPDATE ON sale_adjustments BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sale_adjustments_no_delete BEFORE DELETE ON sale_adjustments BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sale_taxes_no_update BEFORE UPDATE ON sale_taxes BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER sale_taxes_no_delete BEFORE DELETE ON sale_taxes BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments BEGIN SELECT RAISE(ABORT, 'completed sales are immutable'); END;
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END;
"#,
    r#"
-- Version 2: returns and exchanges, staff and permissions, cash sessions, Z reports,
-- store credit, training sales.

-- Return rules from the catalog.
ALTER TABLE products ADD COLUMN final_sale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN return_days INTEGER;

-- A document is a sale, a return, or an exchange (both); who rang it and in which cash
-- session.
ALTER TABLE sales ADD COLUMN kind TEXT NOT NULL DEFAULT 'sale';
ALTER TABLE sales ADD COLUMN session_id INTEGER;
ALTER TABLE sales ADD COLUMN staff TEXT;
CREATE INDEX sales_session ON sales (session_id);

-- Return lines: what they take back, why, and where the goods go. Their amounts are
-- negative.
ALTER TABLE sale_lines ADD COLUMN return_of_sale TEXT;
ALTER TABLE sale_lines ADD COLUMN return_of_seq INTEGER;
ALTER TABLE sale_lines ADD COLUMN return_of_line INTEGER;
ALTER TABLE sale_lines ADD COLUMN return_reason TEXT;
ALTER TABLE sale_lines ADD COLUMN disposition TEXT;
ALTER TABLE sale_lines ADD COLUMN refund TEXT;
ALTER TABLE sale_lines ADD COLUMN fee_percent TEXT;
ALTER TABLE sale_lines ADD COLUMN override_note TEXT;
ALTER TABLE sale_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sale_lines_return_of ON sale_lines (return_of_sale, return_of_line) WHERE return_of_sale IS NOT NULL;
CREATE INDEX sale_lines_sku ON sale_lines (sku, sale_seq);

-- Store credit: issued by refunds (positive), spent as a tender (negative); the balance
-- of a code is its sum. HQ becomes authoritative with sync.
CREATE TABLE store_credit (
    id       INTEGER PRIMARY KEY,
    code     TEXT NOT NULL,
    amount   TEXT NOT NULL,
    sale_seq INTEGER NOT NULL REFERENCES sales (seq),
    at       TEXT NOT NULL
) STRICT;
CREATE INDEX store_credit_code ON store_credit (code);
CREATE TRIGGER store_credit_no_update BEFORE UPDATE ON store_credit BEGIN SELECT RAISE(ABORT, 'the store credit ledger is append-only'); END;
CREATE TRIGGER store_credit_no_delete BEFORE DELETE ON store_credit BEGIN SELECT RAISE(ABORT, 'the store credit ledger is append-only'); END;

-- Staff and roles. PINs are Argon2id hashes (PHC strings), never the PIN.
CREATE TABLE roles (
    name        TEXT PRIMARY KEY,
    permissions TEXT NOT NULL            -- JSON {action: allowed|denied|approval}
) STRICT;

CREATE TABLE staff (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL REFERENCES roles (name),
    pin_hash    TEXT NOT NULL,
    failed_pins INTEGER NOT NULL DEFAULT 0,
    locked      INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
) STRICT;

-- Cash sessions: a drawer from its opening float to its Z report.
CREATE TABLE cash_sessions (
    id           INTEGER PRIMARY KEY,
    opened_at    TEXT NOT NULL,
    opened_by    TEXT,
    float        TEXT NOT NULL,
    float_count  TEXT NOT NULL,          -- JSON [[denomination, pieces], ...]
    closed_at    TEXT,
    closed_by    TEXT,
    z_number     INTEGER UNIQUE,
    counted      TEXT                    -- JSON, the blind count last entered
) STRICT;
CREATE UNIQUE INDEX cash_sessions_one_open ON cash_sessions ((closed_at IS NULL)) WHERE closed_at IS NULL;
CREATE TRIGGER cash_sessions_closed BEFORE UPDATE ON cash_sessions WHEN OLD.closed_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a closed cash session is immutable'); END;
CREATE TRIGGER cash_sessions_no_delete BEFORE DELETE ON cash_sessions BEGIN SELECT RAISE(ABORT, 'cash sessions are kept'); END;

-- Cash moved without a sale: paid in, paid out, safe drops, drawer opened without a sale.
CREATE TABLE cash_movements (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES cash_sessions (id),
    kind       TEXT NOT NULL,            -- paid_in | paid_out | drop | no_sale
    amount     TEXT NOT NULL,            -- into the drawer: positive; out: negative
    reason     TEXT NOT NULL,
    staff      TEXT,
    approver   TEXT,
    at         TEXT NOT NULL
) STRICT;
CREATE TRIGGER cash_movements_no_update BEFORE UPDATE ON cash_movements BEGIN SELECT RAISE(ABORT, 'cash movements are immutable'); END;
CREATE TRIGGER cash_movements_no_delete BEFORE DELETE ON cash_movements BEGIN SELECT RAISE(ABORT, 'cash movements are immutable'); END;

-- Z reports: numbered, immutable; the payload is also in the journal.
CREATE TABLE z_reports (
    number     INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL UNIQUE REFERENCES cash_sessions (id),
    at         TEXT NOT NULL,
    payload    TEXT NOT NULL
) STRICT;
CREATE TRIGGER z_reports_no_update BEFORE UPDATE ON z_reports BEGIN SELECT RAISE(ABORT, 'Z reports are immutable'); END;
CREATE TRIGGER z_reports_no_delete BEFORE DELETE ON z_reports BEGIN SELECT RAISE(ABORT, 'Z reports are immutable'); END;

-- Training sales: kept for practice review, numbered on their own, never in totals,
-- stock or the journal.
CREATE TABLE training_sales (
    seq     INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    payload TEXT NOT NULL
) STRICT;
"#,
    // v3: replication. Automerge changes of the replicated documents (journal per day,
    // store inventory), written in the transaction of what they carry; the heads of each
    // document as stored; stock movements waiting for HQ to create their counter.
    r#"
-- Appended in id order per document (the index stays sequential: a sale's commit
-- touches no page at random); a change is stored once, the writers check its hash.
CREATE TABLE sync_changes (
    id    INTEGER PRIMARY KEY,
    doc   TEXT NOT NULL,
    hash  TEXT NOT NULL,
    bytes BLOB NOT NULL
) STRICT;
CREATE INDEX sync_changes_doc ON sync_changes (doc, id);

CREATE TABLE sync_docs (
    doc        TEXT PRIMARY KEY,
    heads      TEXT NOT NULL,
    acked      TEXT NOT NULL DEFAULT '',  -- heads the other side (HQ) last confirmed holding
    last_seq   INTEGER NOT NULL DEFAULT 0 -- journal documents: the last record put in
) STRICT;

-- Receipts waiting for (or done by) the printer: queued right after the sale commits,
-- printed by the print worker; a printer that is off or out of paper leaves them waiting.
CREATE TABLE print_jobs (
    id         INTEGER PRIMARY KEY,
    sale_seq   INTEGER NOT NULL REFERENCES sales (seq),
    kick       INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'waiting',   -- waiting | printed
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    printed_at TEXT
) STRICT;
CREATE INDEX print_jobs_waiting ON print_jobs (state, id);

-- The HQ catalog version a sale's prices came from (NULL: a locally imported catalog).
ALTER TABLE sales ADD COLUMN catalog TEXT;

CREATE TABLE sync_stock_waiting (
    location    TEXT NOT NULL,
    sku         TEXT NOT NULL,
    micro_units INTEGER NOT NULL,
    PRIMARY KEY (location, sku)
) STRICT;
"#,
    // v4: reprints go through the print queue too, marked with their duplicate number.
    r#"
ALTER TABLE print_jobs ADD COLUMN copy INTEGER NOT NULL DEFAULT 0;  -- 0 original, n: DUPLICATE n
CREATE INDEX print_jobs_sale ON print_jobs (sale_seq);
"#,
    // v5: the mail outbox (a message is queued in the transaction of what it tells — the
    // "ready for pickup" notice with the order document's `notified` entry — and sent by the
    // mail worker; a server out of reach leaves it waiting); endless aisle — orders placed at this register for goods from elsewhere, queued
    // until HQ takes them (written in the transaction of the sale that paid for them), and
    // the chain's stock as HQ last reported it.
    r#"
CREATE TABLE order_outbox (
    id          TEXT PRIMARY KEY,                  -- the order's id at its channel
    sale_seq    INTEGER REFERENCES sales (seq),    -- the sale that paid for it
    body        TEXT NOT NULL,                     -- the order as HQ's order API takes it (JSON)
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'waiting',   -- waiting | sent
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     TEXT,
    hq_status   TEXT                               -- what HQ answered (routed, …)
) STRICT;
CREATE TABLE chain_stock (
    location  TEXT NOT NULL,
    sku       TEXT NOT NULL,
    available TEXT NOT NULL,
    pickup    INTEGER NOT NULL,                  -- customers can collect orders there
    PRIMARY KEY (sku, location)
) STRICT, WITHOUT ROWID;
CREATE TABLE mail_outbox (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,                     -- ready_for_pickup
    ref           TEXT NOT NULL,                     -- what it is about (the order's id)
    recipient     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,                     -- text/plain, UTF-8
    created_at    TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'waiting',   -- waiting | sent | failed (permanently)
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    sent_at       TEXT,
    claimed_until INTEGER                            -- unix seconds: a worker is sending it
) STRICT;
CREATE INDEX mail_outbox_waiting ON mail_outbox (state, id);
CREATE INDEX mail_outbox_ref ON mail_outbox (ref);
"#,
    // v6: housekeeping and sealing that cost what changed, not what the register holds.
    r#"
-- Per document, what sync_changes holds of it: the changes stored since its last
-- compaction (how many, their bytes) and the bytes of its saved part. Every writer of
-- sync_changes keeps them in the same transaction, in the row it updates anyway.
ALTER TABLE sync_docs ADD COLUMN pending_changes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_docs ADD COLUMN pending_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_docs ADD COLUMN saved_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE sync_docs
   SET pending_changes = held.changes, pending_bytes = held.change_bytes, saved_bytes = held.saved
  FROM (SELECT doc,
               SUM(hash <> '') AS changes,
               SUM(CASE WHEN hash <> '' THEN length(bytes) ELSE 0 END) AS change_bytes,
               SUM(CASE WHEN hash = '' THEN length(bytes) ELSE 0 END) AS saved
          FROM sync_changes GROUP BY doc) AS held
 WHERE held.doc = sync_docs.doc;
-- The documents due for compaction (replica.rs, COMPACT_AFTER = 256): housekeeping reads
-- these entries only. A document enters when it becomes due and leaves when compacted.
CREATE INDEX sync_docs_compact_due ON sync_docs (doc) WHERE pending_changes > 256 AND pending_bytes >= saved_bytes;
-- The last journal record put in any document (where the next seal starts) is this
-- index's last entry: one lookup, however many documents the register holds.
CREATE INDEX sync_docs_last_seq ON sync_docs (last_seq);
"#,
    // v7: wrong PINs make the next try wait (doubling) instead of locking for good.
    r#"
-- When the last of the wrong PINs in a row was entered: the wait counts from it.
-- `locked` now says "waiting after wrong PINs"; it no longer refuses by itself.
ALTER TABLE staff ADD COLUMN last_failed_at TEXT;
"#,
    // v8: the outboxes get lifecycles (print_jobs.rs, mail.rs, aisle.rs, retention.rs).
    r#"
-- `done_at` (unix seconds): when a row became one that retention may delete; NULL while
-- it is still live, and for what is kept for good (a printed original: a later print of
-- that receipt is a DUPLICATE). Housekeeping prunes through the partial indexes on it, so
-- a pass reads only rows past their retention, however long the history.

-- Print jobs: a claim, so two workers never print one job; `stale` = 1 when the job was
-- older than printer.stale_after_minutes when the printer came back (then it printed
-- without its drawer kick, or was dropped: state 'dropped').
ALTER TABLE print_jobs ADD COLUMN claimed_until INTEGER;
ALTER TABLE print_jobs ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE print_jobs ADD COLUMN done_at INTEGER;
UPDATE print_jobs SET done_at = COALESCE(unixepoch(printed_at), unixepoch(created_at), 0)
 WHERE state <> 'waiting' AND NOT (state = 'printed' AND copy = 0);
CREATE INDEX print_jobs_done ON print_jobs (done_at) WHERE done_at IS NOT NULL;

-- Mail: the next attempt waits (exponential back-off); failed after too many attempts
-- or too long.
ALTER TABLE mail_outbox ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE mail_outbox ADD COLUMN done_at INTEGER;
UPDATE mail_outbox SET done_at = COALESCE(unixepoch(sent_at), unixepoch(created_at), 0) WHERE state <> 'waiting';
CREATE INDEX mail_outbox_done ON mail_outbox (done_at) WHERE done_at IS NOT NULL;

-- Endless-aisle orders: 'failed' when HQ refused one for good (last_error: its reason).
ALTER TABLE order_outbox ADD COLUMN done_at INTEGER;
UPDATE order_outbox SET done_at = COALESCE(unixepoch(sent_at), unixepoch(created_at), 0) WHERE state <> 'waiting';
CREATE INDEX order_outbox_done ON order_outbox (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX order_outbox_state ON order_outbox (state, created_at);
"#,
    // v9: replicated documents a sync round set aside (issue #15 §3).
    r#"
-- A document that failed its shape check (received, or this register's own copy), or that
-- the other side refused: set aside per document and per side (`hq` or `peer`) so the
-- round goes on with the others. `ours` and `theirs` are the two digests it failed at: the
-- document is tried again once either changes (or a manager releases it).
CREATE TABLE sync_quarantine (
    doc    TEXT NOT NULL,
    side   TEXT NOT NULL CHECK (side IN ('hq', 'peer')),
    reason TEXT NOT NULL,
    ours   TEXT NOT NULL,
    theirs TEXT NOT NULL,
    since  TEXT NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (doc, side)
) WITHOUT ROWID;
"#,
    // v10: the chain's staff from HQ (issue #16 §2).
    r#"
-- Where a staff member or role comes from: 'local' (made here) or 'hq' (the roster HQ sends
-- in the sync round; an enrolled register refuses to edit those itself).
ALTER TABLE staff ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
ALTER TABLE roles ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
-- What happened at this register's sign-in to HQ's staff (wrong_pin, right_pin, unlock),
-- until HQ confirms it took them: HQ merges them into the lock state every register gets.
CREATE TABLE staff_events (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('wrong_pin', 'right_pin', 'unlock')),
    at   TEXT NOT NULL
) WITHOUT ROWID;
"#,
    // v11: returns of sales rung at other registers (issue #16 §3).
    r#"
-- A return line names its original's receipt itself: the original may be another
-- register's sale (found at HQ or in a store peer's copy), not a row of `sales` here.
ALTER TABLE sale_lines ADD COLUMN return_of_receipt TEXT;

-- Copies of the store peers' recent sales and returns (a configured window), replicated
-- over the LAN so their receipts are returned here with the WAN down and the peer off.
-- `payload` is the sale's canonical JSON without staff and cash session.
CREATE TABLE peer_sales (
    id       TEXT PRIMARY KEY,
    register TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    receipt  TEXT NOT NULL,
    at       TEXT NOT NULL,
    payload  TEXT NOT NULL,
    UNIQUE (register, seq)
) STRICT;
-- What each copied return takes back, so the over-return check counts the peers' returns.
CREATE TABLE peer_return_lines (
    sale_id  TEXT NOT NULL REFERENCES peer_sales (id),
    line     INTEGER NOT NULL,
    of_sale  TEXT NOT NULL,
    of_line  INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    PRIMARY KEY (sale_id, line)
) STRICT;
CREATE INDEX peer_return_lines_of ON peer_return_lines (of_sale, of_line);
"#,
    // v12: configuration versions, local and HQ's (issue #16 §1).
    r#"
-- Every configuration the register has held or been sent: its own edits (`local`, version 1
-- the text given to `till init`) and HQ's versions for its store (`hq`, HQ's numbering),
-- each in force from `effective` (RFC 3339; '' for "since before versions were kept").
-- The text in force is also the `config` setting; `problem` says why a version HQ sent
-- does not validate here ('' when it does): such a version is never applied.
CREATE TABLE config_versions (
    source    TEXT NOT NULL CHECK (source IN ('local', 'hq')),
    version   INTEGER NOT NULL,
    text      TEXT NOT NULL,
    effective TEXT NOT NULL,
    made_by   TEXT NOT NULL,
    made_at   TEXT NOT NULL,
    reason    TEXT NOT NULL,
    problem   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source, version)
) STRICT;
INSERT INTO config_versions (source, version, text, effective, made_by, made_at, reason)
    SELECT 'local', 1, value, '', '', '', 'the configuration given to till init' FROM settings WHERE key = 'config';
-- The configuration version a sale's prices and tax were computed under (`local-N`/`hq-N`).
ALTER TABLE sales ADD COLUMN config_version TEXT;
"#,
    // v13: the chain's stock fetched as changes since a watermark (issue #16 §4).
    r#"
-- The generation each row came in under (HQ's epoch and when the fetch from 0 that began
-- it started): a fetch from 0 (the first, or after HQ started a new numbering) drops the
-- rows of older generations once its last page is in. The watermark itself is in
-- settings (aisle.chain_stock_epoch, aisle.chain_stock_since).
ALTER TABLE chain_stock ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
"#,
];

/// SQL that takes a file of this version back to version 7's shape (drops what versions 8
/// and later add), for the tests that rebuild an older file.
#[cfg(test)]
pub(crate) const BACK_TO_V7: &str = "\
    DROP TABLE staff_events; ALTER TABLE staff DROP COLUMN origin; ALTER TABLE roles DROP COLUMN origin; \
    DROP TABLE peer_return_lines; DROP TABLE peer_sales; \
    ALTER TABLE sale_lines DROP COLUMN return_of_receipt; \
    DROP TABLE config_versions; ALTER TABLE sales DROP COLUMN config_version; \
    ALTER TABLE chain_stock DROP COLUMN epoch; \
    DROP TABLE sync_quarantine; \
    DROP INDEX print_jobs_done; DROP INDEX mail_outbox_done; DROP INDEX order_outbox_done; \
    DROP INDEX order_outbox_state; \
    ALTER TABLE print_jobs DROP COLUMN claimed_until; ALTER TABLE print_jobs DROP COLUMN stale; \
    ALTER TABLE print_jobs DROP COLUMN done_at; ALTER TABLE mail_outbox DROP COLUMN next_attempt_at; \
    ALTER TABLE mail_outbox DROP COLUMN done_at; ALTER TABLE order_outbox DROP COLUMN done_at;";

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the file at `path` up to [`VERSION`].
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > VERSION {
        return Err(StoreError::SchemaTooNew { path: path.to_path_buf(), found: current, supported: VERSION });
    }
    if current == VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the lock.
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tracing::info!(version = i + 1, "migrating register database");
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use till_domain::{Action, Permission, Role};

    use crate::Store;

    #[test]
    fn a_register_from_before_configure_sync_lets_its_managers_enroll_and_nobody_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("R1.sqlite");
        let mut store = Store::create(&path).unwrap();
        for mut role in Role::defaults() {
            role.permissions.remove(&Action::ConfigureSync);
            store.put_role(&role, None).unwrap();
        }
        drop(store);
        // The roles as schema version 6 kept them: no word on configure_sync.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(super::BACK_TO_V7).unwrap();
        conn.execute_batch("ALTER TABLE staff DROP COLUMN last_failed_at; PRAGMA user_version = 6;").unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let got = |name: &str| store.role(name).unwrap().unwrap().permissions.get(&Action::ConfigureSync).copied();
        assert_eq!(got("manager"), Some(Permission::Allowed));
        assert_eq!(got("supervisor"), Some(Permission::Denied));
        assert_eq!(got("cashier"), Some(Permission::Denied));
    }
}
