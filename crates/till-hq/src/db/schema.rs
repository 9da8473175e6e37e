//! HQ's tables, in SQLite's and PostgreSQL's words. Version 1 is [`SQLITE`]; each later
//! version is a step of [`MIGRATIONS`], applied once, in order, in the same transaction
//! that records the new version in `hq_meta` (so a crash leaves the old version whole).

use super::{Db, with_tx};
use crate::error::HqError;

/// The tables, for SQLite.
pub const SQLITE: &str = r#"
CREATE TABLE IF NOT EXISTS registers (
    key             TEXT PRIMARY KEY,          -- STORE/REGISTER
    store           TEXT NOT NULL,
    register        TEXT NOT NULL,
    token_hash      TEXT NOT NULL,             -- SHA-256 of the enrollment token
    token_expires   TEXT NOT NULL,
    credential_hash TEXT NOT NULL DEFAULT '',  -- SHA-256 of the device credential
    next_hash       TEXT NOT NULL DEFAULT '',  -- a rotation not yet used
    revoked         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    through_seq     INTEGER NOT NULL DEFAULT 0, -- last journal record materialized in chain order
    last_hash       TEXT NOT NULL,
    grand_total     TEXT NOT NULL DEFAULT '0',
    halted          TEXT NOT NULL DEFAULT '',  -- why materializing stopped (a conflict id)
    accept_seq      INTEGER NOT NULL DEFAULT 0, -- a record a manager accepted despite its chain
    last_seen       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS registers_credential ON registers (credential_hash);
CREATE INDEX IF NOT EXISTS registers_next ON registers (next_hash);
CREATE TABLE IF NOT EXISTS docs (
    id         TEXT PRIMARY KEY,
    store      TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    heads      TEXT NOT NULL,
    digest     TEXT NOT NULL,
    max_seq    INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal (
    register_key TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    ref          TEXT NOT NULL,
    at           TEXT NOT NULL,
    amount       TEXT NOT NULL,
    grand_total  TEXT NOT NULL,
    payload      TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,             -- full, on a document's first record only (else '')
    hash         TEXT NOT NULL,             -- the record's check: the start of its hash (v4)
    doc          TEXT NOT NULL,
    PRIMARY KEY (register_key, seq)
);
CREATE TABLE IF NOT EXISTS sales (
    id             TEXT PRIMARY KEY,
    register_key   TEXT NOT NULL,
    store          TEXT NOT NULL,
    register       TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    receipt        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    at             TEXT NOT NULL,
    business_date  TEXT NOT NULL,
    subtotal       TEXT NOT NULL,
    discount_total TEXT NOT NULL,
    tax_total      TEXT NOT NULL,
    total          TEXT NOT NULL,
    cash_rounding  TEXT NOT NULL,
    change_given   TEXT NOT NULL,
    returned       TEXT NOT NULL,
    content_hash   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sales_register ON sales (register_key, seq);
CREATE TABLE IF NOT EXISTS sale_taxes (
    sale_id TEXT NOT NULL,
    n       INTEGER NOT NULL,
    label   TEXT NOT NULL,
    rate    TEXT NOT NULL,
    net     TEXT NOT NULL,
    tax     TEXT NOT NULL,
    gross   TEXT NOT NULL,
    PRIMARY KEY (sale_id, n)
);
CREATE TABLE IF NOT EXISTS sale_tenders (
    sale_id TEXT NOT NULL,
    n       INTEGER NOT NULL,
    tender  TEXT NOT NULL,
    amount  TEXT NOT NULL,
    PRIMARY KEY (sale_id, n)
);
CREATE TABLE IF NOT EXISTS conflicts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    store       TEXT NOT NULL,
    register    TEXT NOT NULL,
    detail      TEXT NOT NULL,
    needs       TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    resolved_at TEXT NOT NULL DEFAULT '',
    resolution  TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, subject)
);
CREATE TABLE IF NOT EXISTS stores (
    store    TEXT PRIMARY KEY,
    peer_key TEXT NOT NULL                  -- shared by the store's registers for LAN sync
);
CREATE TABLE IF NOT EXISTS catalogs (
    version        INTEGER PRIMARY KEY,
    file_name      TEXT NOT NULL,
    bytes          BLOB NOT NULL,
    sha256         TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_ns   INTEGER NOT NULL,       -- the same, as Unix nanoseconds (what is compared)
    published_at   TEXT NOT NULL,
    products       INTEGER NOT NULL,
    variants       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS catalog_items (
    version INTEGER NOT NULL,
    sku     TEXT NOT NULL,
    price   TEXT NOT NULL,                 -- base price
    active  INTEGER NOT NULL,              -- 0: archived (retired)
    PRIMARY KEY (version, sku)
);
CREATE INDEX IF NOT EXISTS catalog_items_sku ON catalog_items (sku, version);
CREATE TABLE IF NOT EXISTS hq_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#;

/// The tables, for PostgreSQL: the same, with its types.
pub const POSTGRES: &str = "postgres";

/// Version 2: omnichannel orders — locations, orders and their lines, reservations, the
/// routing history, webhook deliveries and API idempotency keys, and the barcodes of each
/// catalog version (order lines are matched by SKU, else by barcode).
const V2_ORDERS: &str = r#"
CREATE TABLE IF NOT EXISTS catalog_barcodes (
    version INTEGER NOT NULL,
    barcode TEXT NOT NULL,
    sku     TEXT NOT NULL,
    PRIMARY KEY (version, barcode)
);
CREATE INDEX IF NOT EXISTS catalog_barcodes_code ON catalog_barcodes (barcode, version);
CREATE TABLE IF NOT EXISTS locations (
    id               TEXT PRIMARY KEY,         -- a store code (its stock/STORE document) or a DC's
    kind             TEXT NOT NULL,            -- store | dc
    lat              TEXT NOT NULL,            -- decimal degrees
    lon              TEXT NOT NULL,
    pickup           INTEGER NOT NULL,
    ship             INTEGER NOT NULL,
    safety_buffer    TEXT NOT NULL,            -- units of each SKU held back from online orders
    cost             TEXT NOT NULL,            -- cost of one shipment from here
    sla_hours        INTEGER NOT NULL,
    shopify_location TEXT NOT NULL DEFAULT '', -- the pickup location's name in Shopify
    updated_at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id                TEXT PRIMARY KEY,        -- CHANNEL:EXTERNAL_ID
    channel           TEXT NOT NULL,
    external_id       TEXT NOT NULL,
    number            TEXT NOT NULL,
    email             TEXT NOT NULL,
    currency          TEXT NOT NULL,
    placed_at         TEXT NOT NULL,
    source_updated_at TEXT NOT NULL,           -- the webstore's updated_at of the version held
    delivery          TEXT NOT NULL,           -- JSON: pickup location or ship-to address
    status            TEXT NOT NULL,
    round             INTEGER NOT NULL DEFAULT 0, -- routing decisions made so far
    explanation       TEXT NOT NULL DEFAULT '',   -- the last routing decision, JSON
    shop_domain       TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status, created_at);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    ordered_sku TEXT NOT NULL,                 -- as the webstore sent it
    barcode     TEXT NOT NULL,
    variant_id  TEXT NOT NULL,
    title       TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    price       TEXT NOT NULL,
    sku         TEXT NOT NULL,                 -- the catalog SKU it matched ('' unknown)
    matched_by  TEXT NOT NULL,                 -- sku | barcode | ''
    location    TEXT NOT NULL DEFAULT '',      -- where it is routed ('' not routed)
    why         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, n)
);
CREATE TABLE IF NOT EXISTS reservations (
    order_id    TEXT NOT NULL,
    round       INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    location    TEXT NOT NULL,
    sku         TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    state       TEXT NOT NULL,                 -- active | released | fulfilled
    created_at  TEXT NOT NULL,
    ended_at    TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, round, n)
);
CREATE INDEX IF NOT EXISTS reservations_active ON reservations (state, location, sku);
CREATE TABLE IF NOT EXISTS order_exclusions (
    order_id TEXT NOT NULL,
    location TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (order_id, location)
);
CREATE TABLE IF NOT EXISTS order_events (
    order_id TEXT NOT NULL,
    n        INTEGER NOT NULL,
    at       TEXT NOT NULL,
    event    TEXT NOT NULL,
    detail   TEXT NOT NULL,
    PRIMARY KEY (order_id, n)
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    webhook_id  TEXT PRIMARY KEY,
    topic       TEXT NOT NULL,
    shop_domain TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_requests (
    idempotency_key TEXT PRIMARY KEY,
    body_sha256     TEXT NOT NULL,
    order_id        TEXT NOT NULL,
    received_at     TEXT NOT NULL
)
"#;

/// Version 3: the store side of orders — where the customer pays, and the pickup token
/// HQ signs for a pickup order (its id and expiry; the token itself is re-signed on demand).
const V3_PICKUP: &str = r#"
ALTER TABLE orders ADD COLUMN paid_at TEXT NOT NULL DEFAULT 'online';
ALTER TABLE orders ADD COLUMN pickup_token TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN pickup_expires TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS order_fulfilments (
    order_id  TEXT NOT NULL,
    ref       TEXT NOT NULL,                   -- the store's handover key, STORE/shipment, or the DC's tracking
    n         INTEGER NOT NULL,
    location  TEXT NOT NULL,
    quantity  TEXT NOT NULL,
    how       TEXT NOT NULL,                   -- handover | shipment
    detail    TEXT NOT NULL,                   -- register and sale, or carrier and tracking
    at        TEXT NOT NULL,
    PRIMARY KEY (order_id, ref, n)
);
CREATE TABLE IF NOT EXISTS order_returns (
    order_id  TEXT NOT NULL,
    n         INTEGER NOT NULL,
    sale_id   TEXT NOT NULL,                   -- the return at the store (BORIS)
    store     TEXT NOT NULL,
    register  TEXT NOT NULL,
    quantity  TEXT NOT NULL,
    refund    TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (sale_id, n)
);
CREATE INDEX IF NOT EXISTS order_returns_order ON order_returns (order_id);
CREATE TABLE IF NOT EXISTS order_refunds (
    sale_id   TEXT PRIMARY KEY,
    order_id  TEXT NOT NULL,
    store     TEXT NOT NULL,
    register  TEXT NOT NULL,
    amount    TEXT NOT NULL,                   -- owed to the online tender
    state     TEXT NOT NULL,                   -- pending | done
    reference TEXT NOT NULL,                   -- the webstore's refund id
    at        TEXT NOT NULL,
    done_at   TEXT NOT NULL DEFAULT ''
)
"#;

/// Version 4: journal documents carry each record's check instead of its full hash
/// (`journal.hash` holds what the document carries). Past a broken link a manager
/// accepted, the chain goes on from the register's own hash of that record, which the
/// register sends when HQ asks for it.
const V4_ANCHOR: &str = r#"
ALTER TABLE registers ADD COLUMN accept_hash TEXT NOT NULL DEFAULT ''
"#;

/// Version 5: a register's digest lists only the order documents changed since its last
/// completed round, found by store and time.
const V5_DOCS_BY_TIME: &str = r#"
CREATE INDEX IF NOT EXISTS docs_store_updated ON docs (store, updated_at)
"#;

/// Version 6: the log of registers' order lookups for returns (an audit trail, and what the
/// lookup's rate limit counts).
const V6_LOOKUPS: &str = r#"
CREATE TABLE IF NOT EXISTS order_lookups (
    at       TEXT NOT NULL,
    register TEXT NOT NULL,
    via      TEXT NOT NULL,                    -- number+email | code
    asked    TEXT NOT NULL,                    -- the number as asked ('' for a code)
    order_id TEXT NOT NULL                     -- '' when nothing matched
);
CREATE INDEX IF NOT EXISTS order_lookups_register ON order_lookups (register, at);
CREATE INDEX IF NOT EXISTS order_lookups_at ON order_lookups (at)
"#;

/// Version 7: the chain's staff and roles (#16 §2). PIN hashes are Argon2id peppered with
/// the chain's pepper, which lives in a file outside the database. `stores` is `all` or a
/// comma-separated list of store codes. A staff member's lock state is not a column:
/// `staff_events` holds the wrong PINs registers reported since the last reset (an unlock,
/// a right PIN or a new PIN, `reset_us`), and the count is theirs.
const V7_STAFF: &str = r#"
CREATE TABLE IF NOT EXISTS staff (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    pin_hash   TEXT NOT NULL,
    stores     TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    reset_us   INTEGER NOT NULL DEFAULT 0,          -- last unlock, right PIN or new PIN (Unix microseconds)
    changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_roles (
    name        TEXT PRIMARY KEY,
    permissions TEXT NOT NULL                       -- JSON: action -> allowed | denied | approval
);
CREATE TABLE IF NOT EXISTS staff_events (
    id       TEXT PRIMARY KEY,                      -- the register's id: a repeat is kept once
    register TEXT NOT NULL,
    code     TEXT NOT NULL,
    kind     TEXT NOT NULL,                         -- wrong_pin | right_pin | unlock
    at_us    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS staff_events_code ON staff_events (code, at_us);
CREATE TABLE IF NOT EXISTS staff_log (
    at     TEXT NOT NULL,
    code   TEXT NOT NULL,                           -- a staff code, or ROLE:NAME
    detail TEXT NOT NULL
)
"#;

/// Version 8: receipts good at every register (#16 §3): sales found by store and receipt
/// number, and each return line booked against the sale it takes back from, whichever
/// register rang either.
const V8_RECEIPTS: &str = r#"
CREATE INDEX IF NOT EXISTS sales_receipt ON sales (store, receipt);
CREATE TABLE IF NOT EXISTS sale_returns (
    return_id    TEXT NOT NULL,             -- the return (or exchange) document's sale id
    line         INTEGER NOT NULL,          -- its line
    of_sale      TEXT NOT NULL,             -- the sale taken back from
    of_line      INTEGER NOT NULL,
    quantity     TEXT NOT NULL,
    register_key TEXT NOT NULL,             -- where the return's journal record is
    seq          INTEGER NOT NULL,
    PRIMARY KEY (return_id, line)
);
CREATE INDEX IF NOT EXISTS sale_returns_of ON sale_returns (of_sale)
"#;

/// Version 9: store configurations (issue #16 §1): each store's numbered versions, each a whole
/// snapshot (the store's keys; each register's device sections as JSON) with the time it
/// takes effect and who made it, when and why.
const V9_STORE_CONFIGS: &str = r#"
CREATE TABLE IF NOT EXISTS store_configs (
    store        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    text         TEXT NOT NULL,
    overrides    TEXT NOT NULL,
    effective    TEXT NOT NULL,
    effective_ns INTEGER NOT NULL,
    made_by      TEXT NOT NULL,
    made_at      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    PRIMARY KEY (store, version)
)
"#;

/// Version 10: the chain's stock, materialised (`books::chain_stock`): per location and SKU
/// the sellable units of its stock document, what an order may take, and the sequence
/// number of its last change, so registers fetch only what changed since their watermark.
/// `dirty` counts changes not yet folded into `available` (the next read folds them).
const V10_CHAIN_STOCK: &str = r#"
CREATE TABLE IF NOT EXISTS chain_stock (
    location    TEXT NOT NULL,
    sku         TEXT NOT NULL,
    on_hand     TEXT NOT NULL,                 -- sellable units (not damaged) in stock/LOCATION
    available   TEXT NOT NULL,                 -- on hand - reserved - safety buffer, never below 0
    pickup      INTEGER NOT NULL,
    dirty       INTEGER NOT NULL,              -- changes not folded in yet (0 none)
    changed_seq INTEGER NOT NULL,              -- 0 never served
    PRIMARY KEY (location, sku)
);
CREATE INDEX IF NOT EXISTS chain_stock_changed ON chain_stock (changed_seq);
CREATE INDEX IF NOT EXISTS chain_stock_dirty ON chain_stock (dirty) WHERE dirty > 0;
CREATE TABLE IF NOT EXISTS chain_stock_meta (
    id    INTEGER PRIMARY KEY,
    seq   INTEGER NOT NULL,                    -- the last changed_seq handed out
    epoch TEXT NOT NULL,                       -- names this table's numbering
    built INTEGER NOT NULL                     -- 1 once every stock document was read in
);
INSERT INTO chain_stock_meta (id, seq, epoch, built) VALUES (1, 0, '', 0) ON CONFLICT (id) DO NOTHING
"#;

/// The steps after version 1, each with the version it makes.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (2, V2_ORDERS),
    (3, V3_PICKUP),
    (4, V4_ANCHOR),
    (5, V5_DOCS_BY_TIME),
    (6, V6_LOOKUPS),
    (7, V7_STAFF),
    (8, V8_RECEIPTS),
    (9, V9_STORE_CONFIGS),
    (10, V10_CHAIN_STOCK),
];

/// The schema version this HQ writes.
pub fn current_version() -> i64 {
    MIGRATIONS.last().map_or(1, |(v, _)| *v)
}

/// SQLite DDL in PostgreSQL's types (`INTEGER` → `BIGINT`, `BLOB` → `BYTEA`).
fn for_postgres(ddl: &str) -> String {
    ddl.replace(" INTEGER ", " BIGINT ").replace(" BLOB ", " BYTEA ")
}

/// Creates the tables if missing, then applies the migrations the database has not had.
/// `which` is [`SQLITE`] or [`POSTGRES`]. Several HQ processes starting at once on one
/// PostgreSQL database take turns (a lock), so each step runs once.
pub fn migrate(db: &dyn Db, which: &str) -> Result<(), HqError> {
    let dialect = |ddl: &str| if which == POSTGRES { for_postgres(ddl) } else { ddl.to_string() };
    with_tx(db, |tx| {
        tx.lock("schema")?;
        for statement in dialect(SQLITE).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            tx.exec(statement, &[])?;
        }
        tx.exec("INSERT INTO hq_meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING", &[])?;
        let held = match tx.one("SELECT value FROM hq_meta WHERE key = 'schema_version'", &[])? {
            Some(r) => {
                let text = r.of("hq_meta").text("value")?;
                text.parse::<i64>().map_err(|_| {
                    HqError::Database(format!("stored hq_meta.value of schema_version: '{text}' is not a number"))
                })?
            }
            None => 1,
        };
        if held > current_version() {
            return Err(HqError::Database(format!(
                "the database has schema version {held}, newer than this till-hq ({}): upgrade till-hq",
                current_version()
            )));
        }
        for (version, ddl) in MIGRATIONS.iter().filter(|(v, _)| *v > held) {
            for statement in dialect(ddl).split(';').map(str::trim).filter(|s| !s.is_empty()) {
                tx.exec(statement, &[])
                    .map_err(|e| HqError::Database(format!("migration to version {version}: {e}")))?;
            }
            tx.exec("UPDATE hq_meta SET value = $1 WHERE key = 'schema_version'", &[version.to_string().into()])?;
        }
        Ok(())
    })
}
