//! Automerge input under a budget: a bounded walk over a sync message's bytes, run before
//! `automerge::sync::Message::decode` and `receive_sync_message`, which inflate compressed
//! chunks and deflated columns with no cap and expand run-length-encoded columns into as
//! many operations as they say (a 2 MiB body can become gigabytes).
//!
//! The walk follows the formats of automerge 0.12 exactly as far as sizes go: the sync
//! message (type byte `0x42`/`0x43`, heads, need, have with their bloom filters, the
//! chunks, the flags), then each chunk (magic `85 6f 4a 83`, checksum, type, uLEB length):
//! a change (type 1), a compressed change (type 2, inflated here under the cap), a whole
//! document (type 0, its deflated columns inflated under the cap). Bundles (type 3) are
//! refused: no Till sender makes them. Every column is decoded far enough to count its
//! values (run lengths, not values), so an operation bomb is counted before anything is
//! built. Nothing is allocated beyond the cap, nothing panics, and the checksums are left
//! to Automerge. What passes is not validated further: Automerge still parses it.

use std::io::Read;

use crate::{DocId, DocKind};

/// Bytes a sync message may amount to once every compressed part is inflated: 64 MiB, what
/// a request body may carry uncompressed (`till_protocol::MAX_BODY`), so compression never
/// lets a sender past the body limit. A busy register's day of journal (10,000 sales) is
/// about 18 MB uncompressed (docs/benchmarks.md), well inside.
pub const MAX_INFLATED_BYTES: u64 = 64 << 20;

/// Changes a sync message may carry (change chunks, and the changes a whole document
/// holds): 1,000,000. A register's day is one change per sale; the store's stock document
/// gains one change per register per round that sold and keeps them all (docs/benchmarks.md,
/// "the stock document keeps every increment"): five registers selling in 500 rounds a day
/// each reach this in about a year. Each change costs Automerge a hash and a node in its
/// change graph (a few hundred bytes), so this bounds that memory to a few hundred MB.
pub const MAX_CHANGES: u64 = 1_000_000;

/// Operations a sync message may carry: 4,000,000. A sale is one operation in its journal
/// day, and a round one increment per SKU it moved in the stock document (which keeps
/// them all: 1,500 sales of three lines a day reach this in about two years). Run-length
/// encoding lets a few bytes claim a billion operations, which Automerge would then build
/// one by one: this is the cap on that work.
pub const MAX_OPS: u64 = 4_000_000;

/// Values in all the columns of a sync message together (every operation's object, key,
/// action, value, predecessors...; every change's actor, sequence, dependencies...):
/// 64,000,000, sixteen per operation at the operation cap. It bounds what the other caps
/// do not: one operation claiming a billion predecessors, or a document's change columns
/// claiming a billion dependencies, in a few run-length-encoded bytes.
pub const MAX_COLUMN_VALUES: u64 = 16 * MAX_OPS;

/// Hash probes a bloom filter in a sync message may ask for: 64 (Automerge uses 7).
/// Automerge allocates the probes of every hash it checks against the filter, so a filter
/// asking for 4 billion probes allocates 16 GiB per hash.
pub const MAX_BLOOM_PROBES: u64 = 64;

/// Bytes a journal-day document may hold at HQ, uncompressed: 32 MiB, about 18,000 sales
/// a day on one register (a record is ~1.8 KB uncompressed), several times a busy lane's.
pub const MAX_JOURNAL_DAY_BYTES: u64 = 32 << 20;

/// Bytes a store's stock document may hold at HQ, uncompressed: 64 MiB, the message
/// budget, so HQ can always send the whole document to a register that has none.
pub const MAX_STOCK_BYTES: u64 = MAX_INFLATED_BYTES;

/// Bytes one order's document may hold at HQ, uncompressed: 4 MiB; an order with a
/// thousand lines, picks and handovers is a few hundred KB.
pub const MAX_ORDER_BYTES: u64 = 4 << 20;

/// Which budget a message or document broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Bytes once inflated ([`MAX_INFLATED_BYTES`], or the document kind's cap).
    InflatedBytes,
    /// Changes ([`MAX_CHANGES`]).
    Changes,
    /// Operations ([`MAX_OPS`]).
    Ops,
    /// Column values ([`MAX_COLUMN_VALUES`]).
    ColumnValues,
    /// Bloom filter probes ([`MAX_BLOOM_PROBES`]).
    BloomProbes,
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Budget::InflatedBytes => "bytes (inflated)",
            Budget::Changes => "changes",
            Budget::Ops => "operations",
            Budget::ColumnValues => "column values",
            Budget::BloomProbes => "bloom filter probes",
        })
    }
}

/// Why sync input was refused before Automerge saw it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// The message would cost more than a budget allows.
    #[error("sync message over budget: more than {limit} {budget} (counted {found} when it stopped)")]
    Exceeded {
        /// Which budget.
        budget: Budget,
        /// What was counted when the walk stopped (at least this much).
        found: u64,
        /// The budget.
        limit: u64,
    },
    /// A document would grow past what HQ stores of its kind.
    #[error("document {doc} would hold {found} {budget}, over the {limit} a {kind} document may hold")]
    Stored {
        /// The document.
        doc: String,
        /// Its kind, in words.
        kind: &'static str,
        /// Which budget.
        budget: Budget,
        /// What it would hold (at least).
        found: u64,
        /// The cap.
        limit: u64,
    },
    /// The bytes are not a sync message (or a document) Automerge could read.
    #[error("not a sync message Till accepts: {what}")]
    Malformed {
        /// Where and what, in words.
        what: String,
    },
}

impl BudgetError {
    /// Whether the input was malformed (400) rather than over a budget (413).
    pub fn is_malformed(&self) -> bool {
        matches!(self, BudgetError::Malformed { .. })
    }
}

/// The budgets one walk is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_INFLATED_BYTES`].
    pub inflated_bytes: u64,
    /// See [`MAX_CHANGES`].
    pub changes: u64,
    /// See [`MAX_OPS`].
    pub ops: u64,
    /// See [`MAX_COLUMN_VALUES`].
    pub column_values: u64,
}

impl Limits {
    /// The budget of one sync message.
    pub const MESSAGE: Limits = Limits {
        inflated_bytes: MAX_INFLATED_BYTES,
        changes: MAX_CHANGES,
        ops: MAX_OPS,
        column_values: MAX_COLUMN_VALUES,
    };
}

/// What a walk counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Bytes, with every compressed part counted inflated.
    pub inflated_bytes: u64,
    /// Changes (change chunks, and the changes of whole documents).
    pub changes: u64,
    /// Operations.
    pub ops: u64,
    /// Column values.
    pub column_values: u64,
}

/// Checks an encoded sync message against [`Limits::MESSAGE`] before it is decoded.
pub fn check_message(bytes: &[u8]) -> Result<Tally, BudgetError> {
    check_message_within(bytes, &Limits::MESSAGE)
}

/// Checks an encoded sync message against `limits`.
pub fn check_message_within(bytes: &[u8], limits: &Limits) -> Result<Tally, BudgetError> {
    let mut walk = Walk { limits: *limits, tally: Tally::default() };
    walk.add_bytes(bytes.len() as u64)?;
    walk.message(bytes)?;
    Ok(walk.tally)
}

/// The uncompressed bytes a document of `kind` may hold at HQ.
pub fn stored_limit(kind: &DocKind) -> (u64, &'static str) {
    match kind {
        DocKind::Journal { .. } => (MAX_JOURNAL_DAY_BYTES, "journal day"),
        DocKind::Stock { .. } => (MAX_STOCK_BYTES, "stock"),
        DocKind::Order { .. } => (MAX_ORDER_BYTES, "order"),
    }
}

/// Checks document `id` as it would be stored, given its uncompressed save
/// (`save_nocompress`): at most its kind's bytes ([`stored_limit`]), and no more changes,
/// operations or column values than one sync message may carry, so that HQ can always send
/// it whole.
pub fn check_stored(id: &DocId, uncompressed: &[u8]) -> Result<Tally, BudgetError> {
    let (bytes, kind) = stored_limit(&id.kind());
    let limits = Limits { inflated_bytes: bytes, ..Limits::MESSAGE };
    let mut walk = Walk { limits, tally: Tally::default() };
    let stored = |e: BudgetError| match e {
        BudgetError::Exceeded { budget, found, limit } => {
            BudgetError::Stored { doc: id.to_string(), kind, budget, found, limit }
        }
        other => other,
    };
    walk.add_bytes(uncompressed.len() as u64).map_err(stored)?;
    walk.chunks(uncompressed, "document").map_err(stored)?;
    Ok(walk.tally)
}

/// Automerge's chunk magic bytes.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// A change hash's length.
const HASH_LEN: u64 = 32;
/// Type bytes of a sync message (v1, v2).
const MESSAGE_V1: u8 = 0x42;
const MESSAGE_V2: u8 = 0x43;

fn malformed(what: impl Into<String>) -> BudgetError {
    BudgetError::Malformed { what: what.into() }
}

/// Prefixes where a malformed input was found (a budget error is left as it is).
fn within(at: &str) -> impl Fn(BudgetError) -> BudgetError + '_ {
    move |e| match e {
        BudgetError::Malformed { what } => BudgetError::Malformed { what: format!("{at}: {what}") },
        other => other,
    }
}

/// A cursor over bytes; every read is bounds-checked and names what was cut short.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn take(&mut self, n: u64, field: &str) -> Result<&'a [u8], BudgetError> {
        let left = self.bytes.len().saturating_sub(self.pos);
        match usize::try_from(n) {
            Ok(n) if n <= left => {
                let out = &self.bytes[self.pos..self.pos + n];
                self.pos += n;
                Ok(out)
            }
            _ => Err(malformed(format!("{field} claims {n} bytes at byte {}, {left} left", self.pos))),
        }
    }

    fn byte(&mut self, field: &str) -> Result<u8, BudgetError> {
        Ok(self.take(1, field)?[0])
    }

    /// An unsigned LEB128 that fits in 64 bits (at most 10 bytes).
    fn uleb(&mut self, field: &str) -> Result<u64, BudgetError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.byte(field)?;
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 1 {
                return Err(malformed(format!("{field}: a LEB128 number over 64 bits at byte {}", self.pos)));
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed(format!("{field}: a LEB128 number over 10 bytes at byte {}", self.pos)))
    }

    /// A signed LEB128 that fits in 64 bits (at most 10 bytes).
    fn sleb(&mut self, field: &str) -> Result<i64, BudgetError> {
        let mut value: i64 = 0;
        for i in 0..10u32 {
            let byte = self.byte(field)?;
            let shift = 7 * i;
            value |= i64::from(byte & 0x7f).wrapping_shl(shift);
            if byte & 0x80 == 0 {
                if shift + 7 < 64 && byte & 0x40 != 0 {
                    value |= (-1i64).wrapping_shl(shift + 7);
                }
                return Ok(value);
            }
        }
        Err(malformed(format!("{field}: a LEB128 number over 10 bytes at byte {}", self.pos)))
    }

    /// A LEB128 length, then that many bytes.
    fn prefixed(&mut self, field: &str) -> Result<&'a [u8], BudgetError> {
        let n = self.uleb(field)?;
        self.take(n, field)
    }

    /// A LEB128 count, then that many change hashes.
    fn hashes(&mut self, field: &str) -> Result<(), BudgetError> {
        let n = self.uleb(field)?;
        self.take(n.saturating_mul(HASH_LEN), field)?;
        Ok(())
    }
}

/// One column's header: its specification and length.
#[derive(Debug, Clone, Copy)]
struct Column {
    spec: u32,
    len: u64,
}

impl Column {
    fn id(self) -> u32 {
        self.spec >> 4
    }
    fn deflated(self) -> bool {
        self.spec & 0b1000 != 0
    }
    fn col_type(self) -> u32 {
        self.spec & 0b111
    }
}

/// Column type of raw values (not counted: their count is in their metadata column).
const VALUE_COLUMN: u32 = 7;
/// Column type of booleans (run lengths only).
const BOOLEAN_COLUMN: u32 = 4;
/// Column type of delta-encoded integers (signed values).
const DELTA_COLUMN: u32 = 3;
/// Column type of strings.
const STRING_COLUMN: u32 = 5;

/// What a set of columns is, for counting its rows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Operations: one value each in the columns with ids 0–5 (object, key, op id,
    /// insert, action, value metadata).
    Ops,
    /// A document's changes: one value each in the columns with ids 0–3 (actor and
    /// sequence, max op, time, message).
    Changes,
}

struct Walk {
    limits: Limits,
    tally: Tally,
}

impl Walk {
    fn add_bytes(&mut self, n: u64) -> Result<(), BudgetError> {
        self.tally.inflated_bytes = self.tally.inflated_bytes.saturating_add(n);
        over(Budget::InflatedBytes, self.tally.inflated_bytes, self.limits.inflated_bytes)
    }

    fn add_changes(&mut self, n: u64) -> Result<(), BudgetError> {
        self.tally.changes = self.tally.changes.saturating_add(n);
        over(Budget::Changes, self.tally.changes, self.limits.changes)
    }

    fn add_ops(&mut self, n: u64) -> Result<(), BudgetError> {
        self.tally.ops = self.tally.ops.saturating_add(n);
        over(Budget::Ops, self.tally.ops, self.limits.ops)
    }

    fn add_values(&mut self, n: u64) -> Result<(), BudgetError> {
        self.tally.column_values = self.tally.column_values.saturating_add(n);
        over(Budget::ColumnValues, self.tally.column_values, self.limits.column_values)
    }

    fn message(&mut self, bytes: &[u8]) -> Result<(), BudgetError> {
        let mut r = Reader::new(bytes);
        let kind = r.byte("message type")?;
        if kind != MESSAGE_V1 && kind != MESSAGE_V2 {
            return Err(malformed(format!("first byte {kind:#04x} is not a sync message type (0x42 or 0x43)")));
        }
        r.hashes("heads")?;
        r.hashes("need")?;
        let haves = r.uleb("have")?;
        for i in 0..haves {
            r.hashes("have: last sync")?;
            bloom(r.prefixed("have: bloom filter")?).map_err(within(&format!("have[{i}]")))?;
        }
        let chunks = r.uleb("changes")?;
        for i in 0..chunks {
            let element = r.prefixed("changes")?;
            self.chunks(element, &format!("changes[{i}]"))?;
        }
        if !r.is_empty() {
            // The flags (a length-prefixed bitfield); anything after them Automerge ignores.
            r.prefixed("flags")?;
        }
        Ok(())
    }

    /// A sequence of chunks, as `load_incremental` reads it.
    fn chunks(&mut self, bytes: &[u8], context: &str) -> Result<(), BudgetError> {
        let mut r = Reader::new(bytes);
        let mut n = 0;
        while !r.is_empty() {
            let start = r.pos;
            self.chunk(&mut r).map_err(within(&format!("{context}, chunk {n} (at byte {start})")))?;
            n += 1;
        }
        Ok(())
    }

    fn chunk(&mut self, r: &mut Reader<'_>) -> Result<(), BudgetError> {
        let magic = r.take(4, "magic bytes")?;
        if magic != &MAGIC[..] {
            return Err(malformed(format!("not an Automerge chunk (magic bytes {magic:02x?})")));
        }
        r.take(4, "checksum")?; // Automerge checks it
        let chunk_type = r.byte("chunk type")?;
        let body = r.prefixed("chunk length")?;
        match chunk_type {
            0 => self.document(body).map_err(within("document")),
            1 => {
                self.add_changes(1)?;
                self.change(body).map_err(within("change"))
            }
            2 => {
                self.add_changes(1)?;
                let inflated = self.inflate(body).map_err(within("compressed change"))?;
                self.change(&inflated).map_err(within("compressed change, inflated"))
            }
            3 => Err(malformed("a bundle chunk (Till never sends one)")),
            other => Err(malformed(format!("unknown chunk type {other}"))),
        }
    }

    /// Inflates `data` (raw DEFLATE) within what is left of the inflated-bytes budget:
    /// counted in a small buffer first, then inflated into exactly that much memory.
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, BudgetError> {
        // The compressed bytes were counted with the message; what they inflate to replaces them.
        let base = self.tally.inflated_bytes.saturating_sub(data.len() as u64);
        let room = self.limits.inflated_bytes.saturating_sub(base);
        let size = inflated_size(data, room).map_err(|e| match e {
            Inflate::Over(found) => BudgetError::Exceeded {
                budget: Budget::InflatedBytes,
                found: base.saturating_add(found),
                limit: self.limits.inflated_bytes,
            },
            Inflate::Corrupt(e) => malformed(format!("compressed data does not inflate: {e}")),
        })?;
        self.tally.inflated_bytes = base.saturating_add(size);
        let capacity = usize::try_from(size).map_err(|_| malformed("too large for this machine"))?;
        let mut out = Vec::with_capacity(capacity);
        flate2::read::DeflateDecoder::new(data)
            .take(size)
            .read_to_end(&mut out)
            .map_err(|e| malformed(format!("compressed data does not inflate: {e}")))?;
        Ok(out)
    }

    /// A change chunk's body (after its header; inflated if it was compressed).
    fn change(&mut self, body: &[u8]) -> Result<(), BudgetError> {
        let mut r = Reader::new(body);
        r.hashes("dependencies")?;
        r.prefixed("actor")?;
        r.uleb("seq")?;
        r.uleb("start op")?;
        r.sleb("time")?;
        r.prefixed("message")?;
        let actors = r.uleb("other actors")?;
        for _ in 0..actors {
            r.prefixed("other actors")?;
        }
        let columns = column_headers(&mut r, "op columns")?;
        if columns.iter().any(|c| c.deflated()) {
            return Err(malformed("a deflated column in a change (Automerge refuses those)"));
        }
        let data = r.take(columns_len(&columns)?, "op column data")?;
        let ops = self.count_columns(&columns, data, Rows::Ops)?;
        self.add_ops(ops)
    }

    /// A document chunk's body: actors, heads, change and op column headers, their data
    /// (deflated columns inflated under the budget), head indexes.
    fn document(&mut self, body: &[u8]) -> Result<(), BudgetError> {
        let mut r = Reader::new(body);
        let actors = r.uleb("actors")?;
        for _ in 0..actors {
            r.prefixed("actors")?;
        }
        r.hashes("heads")?;
        let change_columns = column_headers(&mut r, "change columns")?;
        let op_columns = column_headers(&mut r, "op columns")?;
        let change_data = r.take(columns_len(&change_columns)?, "change column data")?;
        let op_data = r.take(columns_len(&op_columns)?, "op column data")?;
        let changes = self.count_columns(&change_columns, change_data, Rows::Changes)?;
        self.add_changes(changes)?;
        let ops = self.count_columns(&op_columns, op_data, Rows::Ops)?;
        self.add_ops(ops)
    }

    /// Counts the values of each column (inflating deflated ones under the budget) and
    /// returns the rows: the most values in any column that holds one per row.
    fn count_columns(&mut self, columns: &[Column], data: &[u8], rows: Rows) -> Result<u64, BudgetError> {
        let mut r = Reader::new(data);
        let mut most = 0;
        for column in columns {
            let raw = r.take(column.len, "column data")?;
            let within_column = || format!("column {:#x}", column.spec);
            let inflated;
            let bytes = if column.deflated() {
                inflated = self.inflate(raw).map_err(|e| within(&within_column())(e))?;
                &inflated[..]
            } else {
                raw
            };
            if column.col_type() == VALUE_COLUMN {
                continue;
            }
            let values = self.count_values(column.col_type(), bytes).map_err(|e| within(&within_column())(e))?;
            let per_row = match rows {
                Rows::Ops => column.id() <= 5,
                Rows::Changes => column.id() <= 3,
            };
            if per_row {
                most = most.max(values);
            }
        }
        Ok(most)
    }

    /// The number of values a column's encoding holds, added to the budget run by run.
    fn count_values(&mut self, col_type: u32, bytes: &[u8]) -> Result<u64, BudgetError> {
        let mut r = Reader::new(bytes);
        let mut count: u64 = 0;
        if col_type == BOOLEAN_COLUMN {
            while !r.is_empty() {
                let run = r.uleb("run length")?;
                count = count.saturating_add(run);
                self.add_values(run)?;
            }
            return Ok(count);
        }
        let value = |r: &mut Reader<'_>| -> Result<(), BudgetError> {
            match col_type {
                DELTA_COLUMN => r.sleb("value").map(drop),
                STRING_COLUMN => r.prefixed("value").map(drop),
                _ => r.uleb("value").map(drop),
            }
        };
        while !r.is_empty() {
            let run = r.sleb("run length")?;
            let n = if run == 0 { r.uleb("null run length")? } else { run.unsigned_abs() };
            count = count.saturating_add(n);
            self.add_values(n)?;
            if run > 0 {
                value(&mut r)?;
            } else if run < 0 {
                // Each literal value takes at least one byte: the loop ends with the column.
                for _ in 0..n {
                    value(&mut r)?;
                }
            }
        }
        Ok(count)
    }
}

fn over(budget: Budget, found: u64, limit: u64) -> Result<(), BudgetError> {
    if found > limit { Err(BudgetError::Exceeded { budget, found, limit }) } else { Ok(()) }
}

/// A column header list: a count, then each column's specification and length.
fn column_headers(r: &mut Reader<'_>, field: &str) -> Result<Vec<Column>, BudgetError> {
    let n = r.uleb(field)?;
    let mut out = Vec::new();
    for _ in 0..n {
        let spec = r.uleb(field)?;
        let spec =
            u32::try_from(spec).map_err(|_| malformed(format!("{field}: column specification {spec} over 32 bits")))?;
        let len = r.uleb(field)?;
        out.push(Column { spec, len });
    }
    Ok(out)
}

fn columns_len(columns: &[Column]) -> Result<u64, BudgetError> {
    columns
        .iter()
        .try_fold(0u64, |sum, c| sum.checked_add(c.len))
        .ok_or_else(|| malformed("column lengths overflow 64 bits"))
}

/// A bloom filter's bytes: empty, or entries, bits per entry, probes, then the bits.
/// Automerge divides by the bit count (so it must not be zero when there are entries) and
/// allocates the probes per hash checked.
fn bloom(bytes: &[u8]) -> Result<(), BudgetError> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut r = Reader::new(bytes);
    let u32_leb = |r: &mut Reader<'_>, field: &str| -> Result<u64, BudgetError> {
        let v = r.uleb(field)?;
        if v > u64::from(u32::MAX) {
            return Err(malformed(format!("{field}: {v} is over 32 bits")));
        }
        Ok(v)
    };
    let entries = u32_leb(&mut r, "bloom filter entries")?;
    let bits_per_entry = u32_leb(&mut r, "bloom filter bits per entry")?;
    let probes = u32_leb(&mut r, "bloom filter probes")?;
    over(Budget::BloomProbes, probes, MAX_BLOOM_PROBES)?;
    let bits = (entries * bits_per_entry).div_ceil(8);
    r.take(bits, "bloom filter bits")?;
    if entries > 0 && bits == 0 {
        return Err(malformed("a bloom filter with entries and no bits"));
    }
    if bits.saturating_mul(8) > u64::from(u32::MAX) {
        return Err(malformed(format!("a bloom filter of {bits} bytes (Automerge counts its bits in 32 bits)")));
    }
    Ok(())
}

/// Why inflating stopped.
enum Inflate {
    /// Past the limit: the bytes inflated when it stopped.
    Over(u64),
    /// Not DEFLATE data.
    Corrupt(std::io::Error),
}

/// Inflates `data` into a small buffer, counting, and stops past `limit`: the inflated
/// size. Never holds more than the buffer.
fn inflated_size(data: &[u8], limit: u64) -> Result<u64, Inflate> {
    let mut decoder = flate2::read::DeflateDecoder::new(data);
    let mut buf = vec![0u8; 64 << 10];
    let mut total: u64 = 0;
    loop {
        let n = decoder.read(&mut buf).map_err(Inflate::Corrupt)?;
        if n == 0 {
            return Ok(total);
        }
        total = total.saturating_add(n as u64);
        if total > limit {
            return Err(Inflate::Over(total));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use automerge::sync::{ChunkList, Message, MessageVersion, State, SyncDoc};
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    use super::*;

    fn uleb(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn sleb(out: &mut Vec<u8>, mut v: i64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    /// A v1 sync message carrying `chunks` and nothing else.
    fn message_of(chunks: Vec<Vec<u8>>) -> Vec<u8> {
        Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: ChunkList::from(chunks),
            flags: None,
            version: MessageVersion::V1,
        }
        .encode()
    }

    /// A chunk of `chunk_type` around `body` (the checksum is left to Automerge).
    fn chunk(chunk_type: u8, body: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([0, 0, 0, 0, chunk_type]);
        uleb(&mut out, body.len() as u64);
        out.extend(body);
        out
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    /// A real change's body (its bytes after the chunk header).
    fn change_body(doc: &mut AutoCommit) -> Vec<u8> {
        doc.commit();
        let raw = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        let mut r = Reader::new(&raw);
        r.take(9, "header").unwrap();
        r.prefixed("body").unwrap().to_vec()
    }

    fn doc_with(puts: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        for i in 0..puts {
            doc.put(ROOT, format!("k{i}"), format!("value {i} of a record worth compressing")).unwrap();
            doc.commit();
        }
        doc
    }

    /// Every message two documents exchange until they agree, each checked on the way.
    fn sync_checked(a: &mut AutoCommit, b: &mut AutoCommit) -> Vec<Tally> {
        let (mut sa, mut sb) = (State::new(), State::new());
        let mut tallies = Vec::new();
        for _ in 0..16 {
            let mut quiet = true;
            if let Some(m) = a.sync().generate_sync_message(&mut sa) {
                let bytes = m.encode();
                tallies.push(check_message(&bytes).unwrap());
                b.sync().receive_sync_message(&mut sb, Message::decode(&bytes).unwrap()).unwrap();
                quiet = false;
            }
            if let Some(m) = b.sync().generate_sync_message(&mut sb) {
                let bytes = m.encode();
                tallies.push(check_message(&bytes).unwrap());
                a.sync().receive_sync_message(&mut sa, Message::decode(&bytes).unwrap()).unwrap();
                quiet = false;
            }
            if quiet {
                break;
            }
        }
        assert_eq!(a.get_heads(), b.get_heads());
        tallies
    }

    #[test]
    fn real_sync_rounds_pass_and_count_changes_and_operations() {
        // A few changes (under a third of the document): sent as change chunks.
        let mut a = doc_with(30);
        let mut b = a.fork();
        for i in 0..3 {
            b.put(ROOT, format!("b{i}"), i as i64).unwrap();
            b.commit();
        }
        let tallies = sync_checked(&mut a, &mut b);
        assert_eq!(tallies.iter().map(|t| t.changes).sum::<u64>(), 3);
        assert_eq!(tallies.iter().map(|t| t.ops).sum::<u64>(), 3);
        // A peer with nothing: the whole document, compressed (`save()`), in a v2 message.
        let mut a = doc_with(400);
        let mut empty = AutoCommit::new();
        let tallies = sync_checked(&mut a, &mut empty);
        let whole = tallies.iter().find(|t| t.ops > 0).unwrap();
        assert_eq!((whole.changes, whole.ops), (400, 400));
        assert!(whole.inflated_bytes > a.save().len() as u64, "{whole:?}");
    }

    #[test]
    fn saved_documents_count_the_same_compressed_or_not() {
        let mut doc = doc_with(300);
        let compressed = check_message(&message_of(vec![doc.save()])).unwrap();
        let plain = check_message(&message_of(vec![doc.save_nocompress()])).unwrap();
        assert_eq!((compressed.changes, compressed.ops), (300, 300));
        assert_eq!((plain.changes, plain.ops, plain.column_values), (300, 300, compressed.column_values));
        assert!(compressed.inflated_bytes >= plain.inflated_bytes - 64, "{compressed:?} {plain:?}");
    }

    #[test]
    fn a_compressed_change_that_inflates_past_the_budget_is_refused_before_automerge_sees_it() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "k", "v").unwrap();
        let mut body = change_body(&mut doc);
        // Trailing bytes of a change are its "extra bytes": Automerge would take them.
        body.extend(vec![0u8; (MAX_INFLATED_BYTES + (1 << 20)) as usize]);
        let bomb = chunk(2, &deflate(&body));
        assert!(bomb.len() < 1 << 20, "{} bytes on the wire", bomb.len());
        let bytes = message_of(vec![bomb]);
        Message::decode(&bytes).unwrap(); // decoding alone inflates nothing
        match check_message(&bytes) {
            Err(BudgetError::Exceeded { budget: Budget::InflatedBytes, found, limit }) => {
                assert_eq!(limit, MAX_INFLATED_BYTES);
                assert!(found > limit);
            }
            other => panic!("{other:?}"),
        }
        // The same change uncompressed within the budget passes, inflated or not.
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "k", "v").unwrap();
        let body = change_body(&mut doc);
        let tally = check_message(&message_of(vec![chunk(2, &deflate(&body))])).unwrap();
        assert_eq!((tally.changes, tally.ops), (1, 1));
    }

    #[test]
    fn a_deflated_document_column_past_the_budget_is_refused() {
        let limits = Limits { inflated_bytes: 1 << 20, ..Limits::MESSAGE };
        let column = deflate(&vec![0u8; 2 << 20]);
        let mut body = Vec::new();
        uleb(&mut body, 0); // actors
        uleb(&mut body, 0); // heads
        uleb(&mut body, 0); // change columns
        uleb(&mut body, 1); // op columns: the action column, deflated
        uleb(&mut body, (4 << 4) | 0b1000 | 2);
        uleb(&mut body, column.len() as u64);
        body.extend(&column);
        let err = check_message_within(&message_of(vec![chunk(0, &body)]), &limits).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { budget: Budget::InflatedBytes, .. }), "{err}");
        assert!(err.to_string().contains("bytes (inflated)"), "{err}");
    }

    /// A change whose op columns are `columns` (spec, encoded data).
    fn change_with(columns: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut body = Vec::new();
        uleb(&mut body, 0); // deps
        uleb(&mut body, 16);
        body.extend([7u8; 16]); // actor
        uleb(&mut body, 1); // seq
        uleb(&mut body, 1); // start op
        sleb(&mut body, 0); // time
        uleb(&mut body, 0); // message
        uleb(&mut body, 0); // other actors
        uleb(&mut body, columns.len() as u64);
        for (spec, data) in columns {
            uleb(&mut body, u64::from(*spec));
            uleb(&mut body, data.len() as u64);
        }
        for (_, data) in columns {
            body.extend(data);
        }
        chunk(1, &body)
    }

    fn run(count: i64, value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        sleb(&mut out, count);
        uleb(&mut out, value);
        out
    }

    #[test]
    fn run_length_bombs_are_counted_before_they_are_built() {
        // Ten million operations in a few bytes of the action column; a billion is past
        // even the column values' budget.
        let ops = change_with(&[((4 << 4) | 2, run(10_000_000, 1))]);
        let err = check_message(&message_of(vec![ops])).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { budget: Budget::Ops, found: 10_000_000, .. }), "{err}");
        let ops = change_with(&[((4 << 4) | 2, run(1_000_000_000, 1))]);
        let err = check_message(&message_of(vec![ops])).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { budget: Budget::ColumnValues, .. }), "{err}");
        // One operation with a billion predecessors (the pred actor column).
        let preds = change_with(&[((4 << 4) | 2, run(1, 1)), ((7 << 4) | 1, run(1_000_000_000, 0))]);
        let err = check_message(&message_of(vec![preds])).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { budget: Budget::ColumnValues, .. }), "{err}");
        // A null run and a literal run claiming more than the column holds.
        let mut nulls = Vec::new();
        sleb(&mut nulls, 0);
        uleb(&mut nulls, u64::MAX);
        let err = check_message(&message_of(vec![change_with(&[((4 << 4) | 2, nulls)])])).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { .. }), "{err}");
        let mut literal = Vec::new();
        sleb(&mut literal, i64::MIN);
        let err = check_message(&message_of(vec![change_with(&[((4 << 4) | 2, literal)])])).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { .. }), "{err}");
        let mut literal = Vec::new();
        sleb(&mut literal, -1000);
        uleb(&mut literal, 1);
        let err = check_message(&message_of(vec![change_with(&[((4 << 4) | 2, literal)])])).unwrap_err();
        assert!(err.is_malformed(), "{err}");
        // Too many changes in one message.
        let limits = Limits { changes: 10, ..Limits::MESSAGE };
        let small: Vec<Vec<u8>> = (0..11).map(|_| change_with(&[((4 << 4) | 2, run(1, 1))])).collect();
        let err = check_message_within(&message_of(small), &limits).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { budget: Budget::Changes, found: 11, limit: 10 }), "{err}");
    }

    #[test]
    fn forged_lengths_and_huge_numbers_are_malformed_not_panics() {
        // A chunk claiming more bytes than the message holds.
        let mut forged = MAGIC.to_vec();
        forged.extend([0, 0, 0, 0, 1]);
        uleb(&mut forged, u64::MAX);
        let err = check_message(&message_of(vec![forged])).unwrap_err();
        assert!(err.is_malformed() && err.to_string().contains("chunk length"), "{err}");
        // Column lengths whose sum overflows.
        let mut body = Vec::new();
        body.extend([0, 16]);
        body.extend([7u8; 16]);
        body.extend([1, 1, 0, 0, 0, 2]);
        uleb(&mut body, 0x42);
        uleb(&mut body, u64::MAX);
        uleb(&mut body, 0x52);
        uleb(&mut body, 2);
        let err = check_message(&message_of(vec![chunk(1, &body)])).unwrap_err();
        assert!(err.to_string().contains("overflow"), "{err}");
        // Eleven-byte and over-64-bit LEB128 numbers; a head count of 2^63.
        for tail in [vec![0xff; 11], vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]] {
            let mut bytes = vec![0x42];
            bytes.extend(tail);
            assert!(check_message(&bytes).unwrap_err().is_malformed());
        }
        let mut bytes = vec![0x42];
        uleb(&mut bytes, 1 << 63);
        assert!(check_message(&bytes).unwrap_err().to_string().contains("heads"));
        // Not a message, not a chunk, a bundle.
        assert!(check_message(b"").unwrap_err().is_malformed());
        assert!(check_message(b"{\"json\":1}").unwrap_err().is_malformed());
        assert!(check_message(&message_of(vec![b"hello".to_vec()])).unwrap_err().is_malformed());
        let err = check_message(&message_of(vec![chunk(3, b"")])).unwrap_err();
        assert!(err.to_string().contains("bundle"), "{err}");
    }

    #[test]
    fn hostile_bloom_filters_are_refused() {
        let with_bloom = |bloom: Vec<u8>| {
            let mut bytes = vec![0x42, 0, 0, 1, 0];
            uleb(&mut bytes, bloom.len() as u64);
            bytes.extend(bloom);
            bytes.push(0); // no changes
            bytes
        };
        // Four billion probes: Automerge would allocate 16 GiB per hash it checks.
        let mut bloom = Vec::new();
        uleb(&mut bloom, 1);
        uleb(&mut bloom, 10);
        uleb(&mut bloom, u64::from(u32::MAX));
        bloom.extend([0xff, 0xff]);
        let err = check_message(&with_bloom(bloom)).unwrap_err();
        assert!(matches!(err, BudgetError::Exceeded { budget: Budget::BloomProbes, .. }), "{err}");
        // Entries and no bits: Automerge would divide by zero.
        let err = check_message(&with_bloom(vec![1, 0, 7])).unwrap_err();
        assert!(err.is_malformed(), "{err}");
        // A real filter passes.
        let mut bloom = Vec::new();
        uleb(&mut bloom, 1);
        uleb(&mut bloom, 10);
        uleb(&mut bloom, 7);
        bloom.extend([0x12, 0x34]);
        check_message(&with_bloom(bloom)).unwrap();
    }

    #[test]
    fn every_truncation_and_many_corruptions_of_a_real_message_end_in_an_answer() {
        let mut doc = doc_with(60);
        let mut bytes = message_of(vec![doc.save()]);
        let mut flags = Vec::new();
        uleb(&mut flags, 2);
        flags.extend([0x02, 0x84]);
        bytes.extend(flags);
        check_message(&bytes).unwrap();
        for n in 0..bytes.len() {
            let _ = check_message(&bytes[..n]);
        }
        // Seeded byte corruptions (xorshift; the seed is fixed, so a failure reproduces).
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..4000 {
            let mut copy = bytes.clone();
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x % copy.len() as u64) as usize;
                copy[at] = (x >> 32) as u8;
            }
            if check_message(&copy).is_ok() {
                // What passes is within budget; Automerge may still refuse it, never hang on it.
                let _ = Message::decode(&copy);
            }
        }
    }

    #[test]
    fn stored_documents_are_capped_by_kind() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "big", "x".repeat((MAX_ORDER_BYTES + 1) as usize)).unwrap();
        let order = DocId::parse("order/AMS-01/abc123").unwrap();
        let err = check_stored(&order, &doc.save_nocompress()).unwrap_err();
        match &err {
            BudgetError::Stored { doc, kind: "order", budget: Budget::InflatedBytes, limit, .. } => {
                assert_eq!((doc.as_str(), *limit), ("order/AMS-01/abc123", MAX_ORDER_BYTES));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("order/AMS-01/abc123"), "{err}");
        // The same document is within a journal day's cap.
        let journal = DocId::parse("journal/AMS-01/R1/2026-11-27").unwrap();
        let tally = check_stored(&journal, &doc.save_nocompress()).unwrap();
        assert_eq!(tally.ops, 1);
    }
}
