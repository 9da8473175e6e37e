//! The cash drawer over a session: the opening float counted by denomination, paid in
//! and out, safe drops, opening without a sale, the blind count, and the X and Z reports
//! with what each tender should hold against what was counted.

use serde::{Deserialize, Serialize};
use till_domain::{Action, CashCount, DrawerSummary, Money, TenderBalance, XReport, ZReport};
use till_store::{AuditEntry, CashMovement, CashSessionRow};

pub mod zreport;

use crate::{Authority, Copy, Register, RegisterError};

/// What the cash drawer refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawerError {
    /// No cash session is open.
    #[error("no cash session is open; open the drawer with its float")]
    NoSession,
    /// Cash moved without a reason.
    #[error("say why the cash moves (a reason)")]
    NoReason,
    /// A movement of zero or less.
    #[error("the amount must be positive, got {0}")]
    NotPositive(Money),
    /// Closing with neither a blind count nor a count given.
    #[error("count the drawer first (a blind count), or give the count")]
    NotCounted,
    /// No Z report of that number.
    #[error("no Z report {0}")]
    NoSuchZ(u64),
}

/// Cash moved without a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawerMove {
    /// Cash put in (change from the bank…).
    PaidIn,
    /// Cash taken out for an expense ([`Action::PaidOut`]).
    PaidOut,
    /// Cash taken to the safe.
    Drop,
    /// The drawer opened without a sale ([`Action::OpenDrawer`]).
    NoSale,
}

impl DrawerMove {
    fn kind(self) -> &'static str {
        match self {
            DrawerMove::PaidIn => "paid_in",
            DrawerMove::PaidOut => "paid_out",
            DrawerMove::Drop => "drop",
            DrawerMove::NoSale => "no_sale",
        }
    }
}

/// A count of the drawer and the other tenders at closing: cash by denomination, the
/// rest (card terminal totals, vouchers) as amounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Count {
    /// Cash by denomination.
    pub cash: CashCount,
    /// Other tenders: (tender, amount counted).
    pub others: Vec<(String, Money)>,
}

/// The stored form of a count (JSON), so a blind count survives until the close.
#[derive(Serialize, Deserialize)]
struct CountRecord {
    cash: Vec<(String, u32)>,
    others: Vec<(String, String)>,
}

impl Count {
    pub(crate) fn to_json(&self) -> String {
        let record = CountRecord {
            cash: self.cash.entries.iter().map(|(v, n)| (v.to_string(), *n)).collect(),
            others: self.others.iter().map(|(t, m)| (t.clone(), m.to_string())).collect(),
        };
        serde_json::to_string(&record).unwrap_or_default()
    }

    fn from_json(text: &str) -> Result<Count, RegisterError> {
        let bad = |e: String| RegisterError::corrupt("a stored count", e);
        let record: CountRecord = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut cash = CashCount::default();
        for (value, n) in record.cash {
            cash.entries.push((rust_decimal::Decimal::from_str_exact(&value).map_err(|e| bad(e.to_string()))?, n));
        }
        let mut others = Vec::new();
        for (tender, amount) in record.others {
            others.push((tender, Money::parse(&amount).map_err(|e| bad(e.to_string()))?));
        }
        Ok(Count { cash, others })
    }
}

impl Register {
    /// The open session, or an error saying to open one.
    fn open_session_row(&self) -> Result<CashSessionRow, RegisterError> {
        self.store.current_session()?.ok_or_else(|| DrawerError::NoSession.into())
    }

    /// Opens a cash session with the float counted by denomination.
    pub fn open_drawer_session(&mut self, auth: &Authority, float: &CashCount) -> Result<u64, RegisterError> {
        let total = self.config.currency.round(float.total()?, self.config.policy.mode);
        let count = Count { cash: float.clone(), others: Vec::new() }.to_json();
        let at = self.clock.now().to_string();
        Ok(self.store.open_session(&at, auth.staff_code(), total, &count)? as u64)
    }

    /// Records cash moved without a sale. Paying out and opening without a sale are
    /// permission-checked; every movement is journalled.
    pub fn move_cash(
        &mut self,
        auth: &mut Authority,
        movement: DrawerMove,
        amount: Money,
        reason: &str,
    ) -> Result<CashMovement, RegisterError> {
        let session = self.open_session_row()?;
        if reason.trim().is_empty() {
            return Err(DrawerError::NoReason.into());
        }
        till_domain::screen_text(till_domain::TextField::CashReason, reason)?;
        if movement != DrawerMove::NoSale && (amount.is_negative() || amount.is_zero()) {
            return Err(DrawerError::NotPositive(amount).into());
        }
        let mut audit: Vec<AuditEntry> = Vec::new();
        match movement {
            DrawerMove::PaidOut => {
                audit.push(self.authorize(auth, Action::PaidOut, format!("paid out {amount}: {reason}"))?)
            }
            DrawerMove::NoSale => {
                audit.push(self.authorize(auth, Action::OpenDrawer, format!("drawer opened: {reason}"))?)
            }
            DrawerMove::PaidIn | DrawerMove::Drop => {}
        }
        let signed = match movement {
            DrawerMove::PaidIn => amount,
            DrawerMove::PaidOut | DrawerMove::Drop => amount.negated(),
            DrawerMove::NoSale => self.config.currency.round(Money::ZERO, self.config.policy.mode),
        };
        let approver = audit.first().and_then(|a| a.approver.clone());
        let record = CashMovement {
            id: 0,
            session: session.id,
            kind: movement.kind().to_string(),
            amount: signed.to_string(),
            reason: reason.trim().to_string(),
            staff: auth.staff_code().map(str::to_string),
            approver,
            at: self.clock.now().to_string(),
        };
        let recorded = self.store.record_cash_movement(record, &audit)?;
        // Recorded first: a drawer that does not open loses no record (the cashier can
        // open it by key; the movement stands).
        if let Err(e) = self.kick_drawer() {
            tracing::warn!(error = %e, "the drawer did not open");
        }
        Ok(recorded)
    }

    /// Records a blind count: what is in the drawer, without being told what should be.
    pub fn count_drawer(&mut self, auth: &Authority, count: &Count) -> Result<(), RegisterError> {
        let session = self.open_session_row()?;
        let audit = AuditEntry {
            action: "drawer_count".into(),
            staff: auth.staff_code().map(str::to_string),
            approver: None,
            detail: format!("session {} counted", session.id),
        };
        Ok(self.store.record_count(session.id, &count.to_json(), &self.clock.now().to_string(), &audit)?)
    }

    /// The drawer's movements over a session.
    fn drawer_summary(&self, session: &CashSessionRow) -> Result<DrawerSummary, RegisterError> {
        let zero = self.scaled(Money::ZERO);
        let mut d = DrawerSummary { float: session.float, paid_in: zero, paid_out: zero, drops: zero, no_sales: 0 };
        for m in self.store.cash_movements(session.id)? {
            let amount = Money::parse(&m.amount)?;
            match m.kind.as_str() {
                "paid_in" => d.paid_in = d.paid_in.checked_add(amount)?,
                "paid_out" => d.paid_out = d.paid_out.checked_add(amount.negated())?,
                "drop" => d.drops = d.drops.checked_add(amount.negated())?,
                "no_sale" => d.no_sales += 1,
                _ => {}
            }
        }
        Ok(d)
    }

    /// What each tender should hold for a session: cash is the float plus cash taken
    /// (net of change and refunds) plus paid in, less paid out and drops; other tenders
    /// are what they took. Store credit is not a drawer tender.
    fn expected(
        &self,
        totals: &till_domain::SalesTotals,
        drawer: &DrawerSummary,
    ) -> Result<Vec<(String, Money)>, RegisterError> {
        let cash_taken = totals.tenders.iter().find(|t| t.tender == "cash").map_or(Money::ZERO, |t| t.amount);
        let cash = Money::sum([drawer.float, cash_taken, drawer.paid_in])?
            .checked_sub(drawer.paid_out)?
            .checked_sub(drawer.drops)?;
        let mut out = vec![("cash".to_string(), self.scaled(cash))];
        for t in totals.tenders.iter().filter(|t| t.tender != "cash" && t.tender != "store_credit") {
            out.push((t.tender.clone(), self.scaled(t.amount)));
        }
        Ok(out)
    }

    fn scaled(&self, m: Money) -> Money {
        self.config.currency.round(m, self.config.policy.mode)
    }

    fn scaled_totals(&self, session: Option<i64>) -> Result<till_domain::SalesTotals, RegisterError> {
        let mut totals = self.store.sales_totals(session)?;
        for m in [
            &mut totals.subtotal,
            &mut totals.discount_total,
            &mut totals.tax_total,
            &mut totals.total,
            &mut totals.cash_rounding,
            &mut totals.change,
            &mut totals.returned,
        ] {
            *m = self.scaled(*m);
        }
        Ok(totals)
    }

    /// The X report: the open session's figures and what the drawer should hold now
    /// (or, with no session open, everything the register ever sold). Resets nothing.
    /// Needs someone signed in (once the register has staff); what the drawer should hold
    /// is withheld unless their role has [`Action::ViewExpected`] (a cashier counts blind).
    pub fn x_report(&self, auth: &Authority) -> Result<XReport, RegisterError> {
        let expected_withheld = !self.may_view_expected(auth)?;
        let session = self.store.current_session()?;
        let totals = self.scaled_totals(session.as_ref().map(|s| s.id))?;
        let (drawer, expected) = match &session {
            Some(s) => {
                let d = self.drawer_summary(s)?;
                let e = if expected_withheld { Vec::new() } else { self.expected(&totals, &d)? };
                (Some(d), e)
            }
            None => (None, Vec::new()),
        };
        let (records, grand) = self.store.journal_head()?;
        Ok(XReport {
            store: self.config.store.clone(),
            register: self.config.register.clone(),
            currency: self.config.currency.code().to_string(),
            at: self.clock.now(),
            session: session.map(|s| s.id as u64),
            totals,
            drawer,
            expected,
            expected_withheld,
            grand_total: self.scaled(Money::new(grand)),
            journal_records: records,
        })
    }

    /// Closes the open session with its Z report: expected against counted per tender
    /// (`count`, or the last blind count), over/short, numbered and journalled. A
    /// difference above the store's threshold needs [`Action::CloseWithDifference`].
    pub fn close_drawer_session(
        &mut self,
        auth: &mut Authority,
        count: Option<&Count>,
    ) -> Result<ZReport, RegisterError> {
        let session = self.open_session_row()?;
        let count = match (count, &session.counted) {
            (Some(c), _) => c.clone(),
            (None, Some(stored)) => Count::from_json(stored)?,
            (None, None) => {
                return Err(DrawerError::NotCounted.into());
            }
        };
        let totals = self.scaled_totals(Some(session.id))?;
        let drawer = self.drawer_summary(&session)?;
        let mut balances = Vec::new();
        for (tender, expected) in self.expected(&totals, &drawer)? {
            let counted = if tender == "cash" {
                count.cash.total()?
            } else {
                count.others.iter().find(|(t, _)| *t == tender).map_or(Money::ZERO, |(_, m)| *m)
            };
            balances.push(TenderBalance { tender, expected, counted: self.scaled(counted) });
        }
        for (tender, counted) in &count.others {
            if !balances.iter().any(|b| &b.tender == tender) {
                balances.push(TenderBalance {
                    tender: tender.clone(),
                    expected: self.scaled(Money::ZERO),
                    counted: self.scaled(*counted),
                });
            }
        }
        let mut audit = Vec::new();
        let worst = balances.iter().map(|b| b.over_short().map(|m| m.amount().abs())).collect::<Result<Vec<_>, _>>()?;
        if worst.iter().any(|d| *d > self.config.thresholds.close_difference.amount()) {
            let detail = balances
                .iter()
                .map(|b| format!("{} expected {} counted {}", b.tender, b.expected, b.counted))
                .collect::<Vec<_>>()
                .join("; ");
            audit.push(self.authorize(auth, Action::CloseWithDifference, detail)?);
        }
        let closed_at = self.clock.now();
        let (_, grand) = self.store.journal_head()?;
        let opened_at = session.opened_at.parse().map_err(|e| {
            RegisterError::corrupt(format!("session {} opened at '{}'", session.id, session.opened_at), e)
        })?;
        let mut report = ZReport {
            number: 0,
            store: self.config.store.clone(),
            register: self.config.register.clone(),
            currency: self.config.currency.code().to_string(),
            session: session.id as u64,
            opened_at,
            closed_at,
            opened_by: session.opened_by.clone(),
            closed_by: auth.staff_code().map(str::to_string),
            totals,
            drawer,
            balances,
            grand_total: self.scaled(Money::new(grand)),
        };
        let staff = auth.staff_code().map(str::to_string);
        let draft = report.clone();
        let (number, _) = self.store.close_session(
            session.id,
            &closed_at.to_string(),
            staff.as_deref(),
            &|number| {
                let mut numbered = draft.clone();
                numbered.number = number;
                Ok(zreport::to_json(&numbered))
            },
            &audit,
        )?;
        report.number = number;
        Ok(report)
    }

    /// A stored Z report.
    pub fn z_report(&self, number: u64) -> Result<ZReport, RegisterError> {
        let text = self.store.z_report(number)?.ok_or(DrawerError::NoSuchZ(number))?;
        zreport::from_json(&text)
    }

    /// Reprints a Z report ([`Action::Reprint`]), marked DUPLICATE and counted.
    pub fn reprint_z(&mut self, number: u64, auth: &mut Authority) -> Result<(ZReport, Copy), RegisterError> {
        let report = self.z_report(number)?;
        let detail = format!("Z report {number}");
        let copies = self.store.count_audits(Action::Reprint.as_str(), &detail)?;
        let entry = self.authorize(auth, Action::Reprint, detail)?;
        self.store.record_audit(&entry, &self.clock.now().to_string())?;
        Ok((report, Copy::Duplicate(copies as u32 + 1)))
    }

    /// The X report as text.
    pub fn x_report_text(&self, report: &XReport) -> String {
        till_receipt::x_report_text(report, &self.config.receipt)
    }

    /// A Z report as text.
    pub fn z_report_text(&self, report: &ZReport, copy: Copy) -> String {
        till_receipt::z_report_text(report, &self.config.receipt, copy)
    }

    /// The open session's number, if one is open.
    pub fn current_session(&self) -> Result<Option<u64>, RegisterError> {
        Ok(self.store.current_session()?.map(|s| s.id as u64))
    }
}

impl Register {
    /// A count as a cashier writes it: cash by denomination (`20x5,10x5,0.50x4`) and other
    /// tenders' counted totals (`card=412.50`).
    pub fn parse_count(&self, cash: &str, counted: &[String]) -> Result<Count, RegisterError> {
        let cash = self
            .config
            .denominations
            .parse_count(cash)
            .map_err(|e| RegisterError::Input(format!("cash {cash}: {e}")))?;
        let mut others = Vec::new();
        for c in counted {
            let (tender, amount) = c
                .split_once('=')
                .ok_or_else(|| RegisterError::Input(format!("counted {c}: expected TENDER=AMOUNT")))?;
            others.push((tender.trim().to_string(), self.config.currency.parse_amount(amount)?));
        }
        Ok(Count { cash, others })
    }
}

impl Register {
    /// Sales (returns negative) of cash session `session` (all if `None`) by the store's
    /// local hour, for the X report's chart: (hour 0–23, total), hours with sales only.
    pub fn sales_by_hour(&self, session: Option<u64>) -> Result<Vec<(u8, Money)>, RegisterError> {
        let mut hours: std::collections::BTreeMap<u8, rust_decimal::Decimal> = std::collections::BTreeMap::new();
        for (at, total) in self.store.sale_times(session.map(|s| s as i64))? {
            let at: jiff::Timestamp = at.parse().map_err(|e| RegisterError::corrupt(format!("sale time '{at}'"), e))?;
            let hour = at.to_zoned_datetime(self.config.timezone.clone()).hour() as u8;
            *hours.entry(hour).or_default() += total;
        }
        Ok(hours.into_iter().map(|(h, t)| (h, self.scaled(Money::new(t)))).collect())
    }
}
