//! Committing a completed sale — sale, lines, adjustments, taxes, payments, stock
//! movements and journal record in one transaction — and reading it back.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use till_domain::{
    Adjustment, AdjustmentKind, CardDetails, LineId, OriginalLine, Payment, PriceBasis, PriceOverride, PriceSource,
    PricedCart, PricedLine, Quantity, ReceiptNumber, ReturnLine, SaleRecord, Settlement, TaxAmount, TaxClass,
    TenderKind,
};

use crate::journal::{self, AuditEntry, JournalKind};
use crate::{Result, Store, StoreError};
use crate::{codec, credit, parked, payload, stock};

/// What else a sale's transaction carries besides the sale itself.
#[derive(Debug, Clone, Copy)]
pub struct SaleCommit<'a> {
    /// The stock location sold from (and returned to); `None` when the goods leave from
    /// elsewhere (an endless-aisle order paid here) and no stock moves at this store.
    pub location: Option<&'a str>,
    /// The parked cart the sale was resumed from, taken off the parked list.
    pub resumed_from: Option<u64>,
    /// Audit records of the sensitive actions the sale contains (overrides, discounts,
    /// returns without receipt…), chained right after it.
    pub audit: &'a [AuditEntry],
    /// A change to a replicated document the sale carries out (an order's handover),
    /// stored in the same transaction: the sale and the document never disagree.
    pub doc_change: Option<DocChange<'a>>,
    /// An endless-aisle order this sale pays for, queued for HQ in the same transaction:
    /// its id and the order API body.
    pub order: Option<(&'a str, &'a str)>,
}

/// A change to replicated document `id`, made by `apply`.
#[derive(Clone, Copy)]
pub struct DocChange<'a> {
    /// The document.
    pub id: &'a till_docs::DocId,
    /// What to do to it.
    pub apply: &'a dyn Fn(&mut till_docs::AutoCommit) -> till_docs::Result<()>,
}

impl std::fmt::Debug for DocChange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocChange").field("id", self.id).finish_non_exhaustive()
    }
}

impl Store {
    /// Commits a completed document (sale, return or exchange) durably and returns it
    /// with its receipt number.
    ///
    /// One transaction holds the sale, its lines, adjustments, taxes, payments, stock
    /// movements, store-credit entries, its journal record and its audit records. The
    /// receipt number is the register's next, assigned inside the transaction, so numbers
    /// never skip or repeat. Committing a sale whose id is already stored (a retry after
    /// an unknown outcome) returns the stored sale instead of selling twice.
    pub fn commit_sale(&mut self, mut sale: SaleRecord, commit: &SaleCommit<'_>) -> Result<SaleRecord> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> =
            tx.prepare_cached("SELECT seq FROM sales WHERE id = ?1")?.query_row([&sale.id], |r| r.get(0)).optional()?;
        if let Some(seq) = existing {
            drop(tx);
            return self.load_sale(seq);
        }
        let seq: i64 = tx.prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM sales")?.query_row([], |r| r.get(0))?;
        sale.receipt.seq = seq as u64;
        if let Some(parked) = commit.resumed_from {
            parked::take(&tx, parked)?;
        }
        insert_sale(&tx, &sale, seq)?;
        credit::record_sale(&tx, &sale, seq)?;
        if let Some(location) = commit.location {
            stock::record_sale(&tx, &sale, seq, location)?;
        }
        if let Some((id, body)) = commit.order {
            tx.prepare_cached("INSERT INTO order_outbox (id, sale_seq, body, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(rusqlite::params![id, seq, body, sale.at.to_string()])?;
        }
        let payload = payload::sale(&sale)?;
        let at = sale.at.to_string();
        journal::append(&tx, JournalKind::Sale, &sale.id, &at, sale.cart.total.amount(), &payload)?;
        for entry in commit.audit {
            journal::append_audit(&tx, entry, &at)?;
        }
        self.replica.seal(&tx)?;
        if let Some(change) = commit.doc_change {
            let applied = self
                .replica
                .doc(&tx, change.id)
                .and_then(|doc| Ok((change.apply)(doc)?))
                .and_then(|()| self.replica.store_local_change(&tx, change.id));
            if let Err(e) = applied {
                self.replica.forget();
                return Err(e);
            }
        }
        tx.commit()?;
        Ok(sale)
    }

    /// The sale with receipt sequence number `seq`.
    pub fn sale_by_seq(&self, seq: u64) -> Result<Option<SaleRecord>> {
        match self.load_sale(seq as i64) {
            Ok(sale) => Ok(Some(sale)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The sale with id `id`, if it is stored.
    pub fn sale_by_id(&self, id: &str) -> Result<Option<SaleRecord>> {
        self.seq_of(id)?.map(|seq| self.load_sale(seq)).transpose()
    }

    /// The receipt sequence number of the sale with id `id`.
    pub(crate) fn seq_of(&self, id: &str) -> Result<Option<i64>> {
        Ok(self.conn.prepare_cached("SELECT seq FROM sales WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?)
    }

    /// The number of completed sales.
    pub fn sale_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM sales", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Reads a whole sale back from its tables.
    pub(crate) fn load_sale(&self, seq: i64) -> Result<SaleRecord> {
        let c = &self.conn;
        let place = |col: &str| format!("sales.{col} of receipt sequence {seq}");
        struct Head {
            id: String,
            register: String,
            store: String,
            at: String,
            date: String,
            currency: String,
            inclusive: bool,
            amounts: [String; 6],
            coupons: String,
            session: Option<i64>,
            staff: Option<String>,
            catalog: Option<String>,
            config: Option<String>,
        }
        let head = c
            .prepare_cached(
                "SELECT id, register, store, at, business_date, currency, prices_include_tax, subtotal, \
                 discount_total, tax_total, total, cash_rounding, change, coupons, session_id, staff, catalog, \
                 config_version FROM sales WHERE seq = ?1",
            )?
            .query_row([seq], |r| {
                Ok(Head {
                    id: r.get(0)?,
                    register: r.get(1)?,
                    store: r.get(2)?,
                    at: r.get(3)?,
                    date: r.get(4)?,
                    currency: r.get(5)?,
                    inclusive: r.get(6)?,
                    amounts: [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
                    coupons: r.get(13)?,
                    session: r.get(14)?,
                    staff: r.get(15)?,
                    catalog: r.get(16)?,
                    config: r.get(17)?,
                })
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no sale with receipt sequence {seq}")))?;
        let [subtotal, discount_total, tax_total, total, cash_rounding, change] = &head.amounts;
        let names = ["subtotal", "discount_total", "tax_total", "total", "cash_rounding", "change"];
        let mut amounts = Vec::with_capacity(6);
        for (text, name) in [subtotal, discount_total, tax_total, total, cash_rounding, change].into_iter().zip(names) {
            amounts.push(codec::money(text, || place(name))?);
        }

        let mut adjustments: std::collections::HashMap<i64, Vec<Adjustment>> = Default::default();
        let mut stmt = c.prepare_cached(
            "SELECT line_no, kind, promotion_id, label, amount FROM sale_adjustments WHERE sale_seq = ?1 ORDER BY line_no, seq",
        )?;
        let mut rows = stmt.query([seq])?;
        while let Some(r) = rows.next()? {
            let line_no: i64 = r.get(0)?;
            let at = || format!("sale_adjustments of receipt sequence {seq} line {line_no}");
            let kind = match (r.get::<_, String>(1)?.as_str(), r.get::<_, Option<String>>(2)?) {
                ("promotion", Some(pid)) => AdjustmentKind::Promotion(pid),
                ("line_discount", None) => AdjustmentKind::LineDiscount,
                ("order_discount", None) => AdjustmentKind::OrderDiscount,
                ("restocking_fee", None) => AdjustmentKind::RestockingFee,
                (other, _) => return Err(StoreError::Corrupt(format!("{}: kind '{other}'", at()))),
            };
            let amount = codec::money(&r.get::<_, String>(4)?, at)?;
            adjustments.entry(line_no).or_default().push(Adjustment { kind, label: r.get(3)?, amount });
        }

        let mut lines = Vec::new();
        let mut stmt = c.prepare_cached(
            "SELECT l.line_no, l.sku, l.name, l.category, l.quantity, l.unit, l.list_price, l.price_source, \
             l.override_price, l.override_reason, l.gross, l.total, l.tax_class, l.tax_rate, l.cost, l.returned, \
             l.return_of_seq, l.return_of_line, o.id, o.register, l.return_reason, l.disposition, l.refund, \
             l.fee_percent, l.override_note, l.return_of_receipt, l.return_of_sale \
             FROM sale_lines l LEFT JOIN sales o ON o.seq = l.return_of_seq WHERE l.sale_seq = ?1 ORDER BY l.line_no",
        )?;
        let mut rows = stmt.query([seq])?;
        while let Some(r) = rows.next()? {
            let line_no: i64 = r.get(0)?;
            let at = |col: &str| format!("sale_lines.{col} of receipt sequence {seq} line {line_no}");
            let unit = codec::unit(&r.get::<_, String>(5)?, || at("unit"))?;
            let qty = codec::decimal(&r.get::<_, String>(4)?, || at("quantity"))?;
            let quantity =
                Quantity::new(qty, unit).map_err(|e| StoreError::Corrupt(format!("{}: {e}", at("quantity"))))?;
            let source: String = r.get(7)?;
            let price_source: PriceSource =
                source.parse().map_err(|e| StoreError::Corrupt(format!("{}: {e}", at("price_source"))))?;
            let price_override = match (r.get::<_, Option<String>>(8)?, r.get::<_, Option<String>>(9)?) {
                (Some(p), reason) => Some(PriceOverride {
                    price: codec::money(&p, || at("override_price"))?,
                    reason: reason.unwrap_or_default(),
                }),
                (None, _) => None,
            };
            lines.push(PricedLine {
                id: LineId(line_no as u32),
                sku: r.get(1)?,
                name: r.get(2)?,
                category: r.get(3)?,
                quantity,
                unit,
                list_price: codec::money(&r.get::<_, String>(6)?, || at("list_price"))?,
                price_source,
                price_override,
                gross: codec::money(&r.get::<_, String>(10)?, || at("gross"))?,
                adjustments: adjustments.remove(&line_no).unwrap_or_default(),
                total: codec::money(&r.get::<_, String>(11)?, || at("total"))?,
                tax_class: TaxClass {
                    name: r.get(12)?,
                    rate: codec::decimal(&r.get::<_, String>(13)?, || at("tax_rate"))?,
                },
                cost: codec::opt_money(r.get(14)?, || at("cost"))?,
                components: Vec::new(),
                returning: read_return(r, &at)?,
            });
        }

        if let Some(line_no) = adjustments.keys().next() {
            return Err(StoreError::Corrupt(format!(
                "sale_adjustments of receipt sequence {seq}: an adjustment for line {line_no}, which the sale does not have"
            )));
        }

        let mut taxes = Vec::new();
        let mut stmt =
            c.prepare_cached("SELECT label, rate, net, tax, gross FROM sale_taxes WHERE sale_seq = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([seq])?;
        while let Some(r) = rows.next()? {
            let at = || format!("sale_taxes of receipt sequence {seq}");
            taxes.push(TaxAmount {
                label: r.get(0)?,
                rate: codec::decimal(&r.get::<_, String>(1)?, at)?,
                net: codec::money(&r.get::<_, String>(2)?, at)?,
                tax: codec::money(&r.get::<_, String>(3)?, at)?,
                gross: codec::money(&r.get::<_, String>(4)?, at)?,
            });
        }

        let mut payments = Vec::new();
        let mut stmt = c.prepare_cached(
            "SELECT kind, name, card_last4, card_reference, amount, tendered FROM payments WHERE sale_seq = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([seq])?;
        while let Some(r) = rows.next()? {
            let at = || format!("payments of receipt sequence {seq}");
            let kind = match r.get::<_, String>(0)?.as_str() {
                "cash" => TenderKind::Cash,
                "card" => TenderKind::Card(CardDetails {
                    brand: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    last4: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    reference: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                }),
                "custom" => TenderKind::Custom(r.get::<_, Option<String>>(1)?.unwrap_or_default()),
                "store_credit" => TenderKind::StoreCredit(r.get::<_, Option<String>>(1)?.unwrap_or_default()),
                other => return Err(StoreError::Corrupt(format!("{}: kind '{other}'", at()))),
            };
            payments.push(Payment {
                kind,
                amount: codec::money(&r.get::<_, String>(4)?, at)?,
                tendered: codec::money(&r.get::<_, String>(5)?, at)?,
            });
        }

        let coupons: Vec<String> = serde_json::from_str(&head.coupons)
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", place("coupons"))))?;
        Ok(SaleRecord {
            id: head.id,
            receipt: ReceiptNumber { register: head.register, seq: seq as u64 },
            store: head.store,
            at: codec::timestamp(&head.at, || place("at"))?,
            business_date: head
                .date
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", place("business_date"))))?,
            currency: head.currency,
            cart: PricedCart {
                lines,
                basis: if head.inclusive { PriceBasis::TaxInclusive } else { PriceBasis::TaxExclusive },
                subtotal: amounts[0],
                discount_total: amounts[1],
                taxes,
                tax_total: amounts[2],
                total: amounts[3],
            },
            settlement: Settlement { total: amounts[3], cash_rounding: amounts[4], payments, change: amounts[5] },
            coupons,
            staff: head.staff,
            session: head.session.map(|s| s as u64),
            catalog: head.catalog,
            config: head.config,
        })
    }
}

/// The return details of a sale line row (columns 15–26 of `load_sale`'s query). A line
/// that names its original's receipt itself (written since schema version 11: the original
/// may be another register's sale) is read as written; an older one by its original here.
fn read_return(r: &rusqlite::Row<'_>, at: &dyn Fn(&str) -> String) -> Result<Option<ReturnLine>> {
    if !r.get::<_, bool>(15)? {
        return Ok(None);
    }
    let named = (r.get::<_, Option<String>>(25)?, r.get::<_, Option<String>>(26)?);
    let original = match (r.get::<_, Option<i64>>(16)?, r.get::<_, Option<i64>>(17)?, named) {
        (Some(seq), Some(line), (Some(receipt), Some(sale_id))) => {
            Some(OriginalLine { sale_id, receipt, seq: seq as u64, line: line as u32 })
        }
        (Some(seq), Some(line), _) => {
            let id: Option<String> = r.get(18)?;
            let register: Option<String> = r.get(19)?;
            let (Some(sale_id), Some(register)) = (id, register) else {
                return Err(StoreError::Corrupt(format!("{}: returns a sale that is not stored", at("return_of_seq"))));
            };
            let receipt = ReceiptNumber { register, seq: seq as u64 }.to_string();
            Some(OriginalLine { sale_id, receipt, seq: seq as u64, line: line as u32 })
        }
        _ => None,
    };
    let text = |i: usize, col: &str| -> Result<String> {
        r.get::<_, Option<String>>(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("{}: missing on a return line", at(col))))
    };
    Ok(Some(ReturnLine {
        original,
        reason: text(20, "return_reason")?,
        disposition: text(21, "disposition")?
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", at("disposition"))))?,
        refund: codec::money(&text(22, "refund")?, || at("refund"))?,
        fee_percent: codec::decimal(&text(23, "fee_percent")?, || at("fee_percent"))?,
        override_note: r.get(24)?,
    }))
}

fn insert_sale(tx: &Transaction<'_>, sale: &SaleRecord, seq: i64) -> Result<()> {
    let cart = &sale.cart;
    let s = &sale.settlement;
    tx.prepare_cached(
        "INSERT INTO sales (id, seq, register, store, at, business_date, currency, prices_include_tax, subtotal, \
         discount_total, tax_total, total, cash_rounding, change, coupons, kind, session_id, staff, catalog, \
         config_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        sale.id,
        seq,
        sale.receipt.register,
        sale.store,
        sale.at.to_string(),
        sale.business_date.to_string(),
        sale.currency,
        cart.basis == PriceBasis::TaxInclusive,
        cart.subtotal.to_string(),
        cart.discount_total.to_string(),
        cart.tax_total.to_string(),
        cart.total.to_string(),
        s.cash_rounding.to_string(),
        s.change.to_string(),
        serde_json::Value::from(sale.coupons.clone()).to_string(),
        sale.kind().as_str(),
        sale.session.map(|s| s as i64),
        sale.staff,
        sale.catalog,
        sale.config,
    ])?;
    for line in &cart.lines {
        let source = line.price_source.to_string();
        let r = line.returning.as_ref();
        let original = r.and_then(|r| r.original.as_ref());
        tx.prepare_cached(
            "INSERT INTO sale_lines (sale_seq, line_no, sku, name, category, quantity, unit, list_price, price_source, \
             override_price, override_reason, gross, total, tax_class, tax_rate, cost, returned, return_of_seq, \
             return_of_line, return_reason, disposition, refund, fee_percent, override_note, return_of_sale, \
             return_of_receipt) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, \
             ?23, ?24, ?25, ?26)",
        )?
        .execute(params![
            seq,
            line.id.0,
            line.sku,
            line.name,
            line.category,
            line.quantity.to_string(),
            line.unit.as_str(),
            line.list_price.to_string(),
            source,
            line.price_override.as_ref().map(|o| o.price.to_string()),
            line.price_override.as_ref().map(|o| o.reason.clone()),
            line.gross.to_string(),
            line.total.to_string(),
            line.tax_class.name,
            line.tax_class.rate.to_string(),
            line.cost.map(|c| c.to_string()),
            r.is_some(),
            original.map(|o| o.seq as i64),
            original.map(|o| o.line),
            r.map(|r| r.reason.as_str()),
            r.map(|r| r.disposition.as_str()),
            r.map(|r| r.refund.to_string()),
            r.map(|r| r.fee_percent.to_string()),
            r.and_then(|r| r.override_note.as_deref()),
            original.map(|o| o.sale_id.as_str()),
            original.map(|o| o.receipt.as_str()),
        ])?;
        for (i, a) in line.adjustments.iter().enumerate() {
            let (kind, promotion) = match &a.kind {
                AdjustmentKind::Promotion(id) => ("promotion", Some(id.as_str())),
                AdjustmentKind::LineDiscount => ("line_discount", None),
                AdjustmentKind::OrderDiscount => ("order_discount", None),
                AdjustmentKind::RestockingFee => ("restocking_fee", None),
            };
            tx.prepare_cached(
                "INSERT INTO sale_adjustments (sale_seq, line_no, seq, kind, promotion_id, label, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![seq, line.id.0, i as i64, kind, promotion, a.label, a.amount.to_string()])?;
        }
    }
    for (i, t) in cart.taxes.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO sale_taxes (sale_seq, seq, label, rate, net, tax, gross) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            seq,
            i as i64,
            t.label,
            t.rate.to_string(),
            t.net.to_string(),
            t.tax.to_string(),
            t.gross.to_string()
        ])?;
    }
    for (i, p) in s.payments.iter().enumerate() {
        let (kind, name, last4, reference) = match &p.kind {
            TenderKind::Cash => ("cash", None, None, None),
            TenderKind::Card(c) => ("card", Some(c.brand.as_str()), Some(c.last4.as_str()), Some(c.reference.as_str())),
            TenderKind::Custom(n) => ("custom", Some(n.as_str()), None, None),
            TenderKind::StoreCredit(code) => ("store_credit", Some(code.as_str()), None, None),
        };
        tx.prepare_cached(
            "INSERT INTO payments (sale_seq, seq, kind, name, card_last4, card_reference, amount, tendered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![seq, i as i64, kind, name, last4, reference, p.amount.to_string(), p.tendered.to_string()])?;
    }
    Ok(())
}
