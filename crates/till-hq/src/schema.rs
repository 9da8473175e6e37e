//! HQ's tables, in SQLite's and PostgreSQL's words. One version so far; `hq_meta` holds
//! it, and a newer HQ adds its migrations after these.

use crate::HqError;
use crate::db::{Db, with_tx};

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
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
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

/// The SQLite DDL in PostgreSQL's types (`INTEGER` → `BIGINT`, `BLOB` → `BYTEA`).
fn postgres_ddl() -> String {
    SQLITE.replace(" INTEGER ", " BIGINT ").replace(" BLOB ", " BYTEA ")
}

/// Creates the tables if missing. `which` is [`SQLITE`] or [`POSTGRES`].
pub fn migrate(db: &dyn Db, which: &str) -> Result<(), HqError> {
    let ddl = if which == POSTGRES { postgres_ddl() } else { SQLITE.to_string() };
    with_tx(db, |tx| {
        tx.lock("schema")?;
        for statement in ddl.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            tx.exec(statement, &[])?;
        }
        tx.exec("INSERT INTO hq_meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING", &[])?;
        Ok(())
    })
}
