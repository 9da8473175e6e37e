//! Committing a completed sale — sale, lines, adjustments, taxes, payments, stock
//! movements and journal record in one transaction — and reading it back.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use till_domain::{
    Adjustment, AdjustmentKind, CardDetails, LineId, Payment, PriceBasis, PriceOverride, PriceSource, PricedCart,
    PricedLine, Quantity, ReceiptNumber, SaleRecord, Settlement, TaxAmount, TaxClass, TenderKind,
};

use crate::codec;
use crate::journal::{self, JournalKind};
use crate::parked;
use crate::stock;
use crate::{Result, Store, StoreError};

impl Store {
    /// Commits a completed sale durably and returns it with its receipt number.
    ///
    /// The receipt number is the register's next, assigned inside the transaction, so
    /// numbers never skip or repeat. Committing a sale whose id is already stored (a retry
    /// after an unknown outcome) returns the stored sale instead of selling twice.
    /// `resumed_from` is the parked cart the sale was resumed from, taken off the parked
    /// list in the same transaction.
    pub fn commit_sale(
        &mut self,
        mut sale: SaleRecord,
        location: &str,
        resumed_from: Option<u64>,
    ) -> Result<SaleRecord> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> =
            tx.prepare_cached("SELECT seq FROM sales WHERE id = ?1")?.query_row([&sale.id], |r| r.get(0)).optional()?;
        if let Some(seq) = existing {
            drop(tx);
            return self.load_sale(seq);
        }
        let seq: i64 = tx.prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM sales")?.query_row([], |r| r.get(0))?;
        sale.receipt.seq = seq as u64;
        if let Some(parked) = resumed_from {
            parked::take(&tx, parked)?;
        }
        insert_sale(&tx, &sale, seq)?;
        stock::record_sale(&tx, &sale, seq, location)?;
        let payload = journal::sale_payload(&sale)?;
        journal::append(&tx, JournalKind::Sale, &sale.id, &sale.at.to_string(), sale.cart.total.amount(), &payload)?;
        tx.commit()?;
        Ok(sale)
    }

    /// The sale with receipt sequence number `seq`.
    pub fn sale_by_seq(&self, seq: u64) -> Result<Option<SaleRecord>> {
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT seq FROM sales WHERE seq = ?1")?
            .query_row([seq as i64], |r| r.get(0))
            .optional()?;
        found.map(|seq| self.load_sale(seq)).transpose()
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
        }
        let head = c
            .prepare_cached(
                "SELECT id, register, store, at, business_date, currency, prices_include_tax, subtotal, \
                 discount_total, tax_total, total, cash_rounding, change, coupons FROM sales WHERE seq = ?1",
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
                (other, _) => return Err(StoreError::Corrupt(format!("{}: kind '{other}'", at()))),
            };
            let amount = codec::money(&r.get::<_, String>(4)?, at)?;
            adjustments.entry(line_no).or_default().push(Adjustment { kind, label: r.get(3)?, amount });
        }

        let mut lines = Vec::new();
        let mut stmt = c.prepare_cached(
            "SELECT line_no, sku, name, category, quantity, unit, list_price, price_source, override_price, \
             override_reason, gross, total, tax_class, tax_rate, cost FROM sale_lines WHERE sale_seq = ?1 ORDER BY line_no",
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
        })
    }
}

fn insert_sale(tx: &Transaction<'_>, sale: &SaleRecord, seq: i64) -> Result<()> {
    let cart = &sale.cart;
    let s = &sale.settlement;
    tx.prepare_cached(
        "INSERT INTO sales (id, seq, register, store, at, business_date, currency, prices_include_tax, subtotal, \
         discount_total, tax_total, total, cash_rounding, change, coupons) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
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
    ])?;
    for line in &cart.lines {
        let source = line.price_source.to_string();
        tx.prepare_cached(
            "INSERT INTO sale_lines (sale_seq, line_no, sku, name, category, quantity, unit, list_price, price_source, \
             override_price, override_reason, gross, total, tax_class, tax_rate, cost) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
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
        ])?;
        for (i, a) in line.adjustments.iter().enumerate() {
            let (kind, promotion) = match &a.kind {
                AdjustmentKind::Promotion(id) => ("promotion", Some(id.as_str())),
                AdjustmentKind::LineDiscount => ("line_discount", None),
                AdjustmentKind::OrderDiscount => ("order_discount", None),
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
        };
        tx.prepare_cached(
            "INSERT INTO payments (sale_seq, seq, kind, name, card_last4, card_reference, amount, tendered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![seq, i as i64, kind, name, last4, reference, p.amount.to_string(), p.tendered.to_string()])?;
    }
    Ok(())
}
