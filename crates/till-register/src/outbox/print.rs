//! Printing receipts on an ESC/POS printer: the layout from the committed sale (never from
//! screen state), in the printer's code page, font and columns, with the store's logo;
//! a queue of print jobs that a printer out of paper or unplugged leaves waiting; reprints
//! through the same queue, marked DUPLICATE and counted.

use std::sync::Arc;

use till_domain::SaleRecord;
use till_printer::{Logo, PrintOptions};
use till_receipt::ReceiptLayout;
use till_store::{PrintJob, PrintOutcome};

use super::OutboxError;
use crate::{Authority, Copy, PrinterConfig, Register, RegisterError, StaleReceipts};

/// How long a worker holds a job it is printing (another worker leaves it alone); a claim
/// of a worker that died lapses after it.
const CLAIM_SECONDS: i64 = 60;

impl Register {
    /// The configured receipt printer, or why there is none.
    pub fn printer(&self) -> Result<&PrinterConfig, RegisterError> {
        Ok(self.config().printer.as_ref().ok_or(OutboxError::NoPrinter)?)
    }

    /// A printer named on the command line, checked like the configuration's `[printer]`.
    pub fn printer_from_options(
        &self,
        url: &str,
        profile: Option<&str>,
        code_page: Option<&str>,
    ) -> Result<PrinterConfig, RegisterError> {
        let width = u16::try_from(self.config().receipt.width).unwrap_or(42);
        PrinterConfig::from_options(url, profile, code_page, None, width).map_err(RegisterError::Input)
    }

    /// The ESC/POS bytes of receipt `number` as `copy` for `printer`, kicking its drawer if
    /// `kick`.
    pub fn receipt_escpos(
        &self,
        number: &str,
        copy: Copy,
        printer: &PrinterConfig,
        kick: bool,
    ) -> Result<Vec<u8>, RegisterError> {
        let sale = self.receipt(number)?;
        self.render_sale(&sale, copy, printer, kick)
    }

    fn render_sale(
        &self,
        sale: &SaleRecord,
        copy: Copy,
        printer: &PrinterConfig,
        kick: bool,
    ) -> Result<Vec<u8>, RegisterError> {
        let layout = ReceiptLayout { width: usize::from(printer.columns), ..self.config().receipt.clone() };
        let text = till_receipt::receipt_text(sale, &layout, copy);
        let logo = self.logo(printer);
        let profile = printer.profile().map_err(OutboxError::from)?;
        let mut options =
            PrintOptions::for_profile(profile, &printer.code_page, printer.columns).map_err(OutboxError::from)?;
        options.kick = kick.then_some(printer.drawer_pin);
        options.logo = logo.as_deref();
        Ok(till_printer::render(&text, &sale.receipt.to_string(), &sale.receipt_code(), &options))
    }

    /// The printer's logo scaled to its paper, decoded once; a logo that cannot be read is
    /// logged and left off (a receipt is never held back for its picture).
    fn logo(&self, printer: &PrinterConfig) -> Option<Arc<Logo>> {
        let file = printer.logo.as_ref()?;
        let profile = printer.profile().ok().filter(|p| p.raster)?;
        let path = self.dir.join(file);
        if let Some((p, dots, logo)) = self.logo.borrow().as_ref()
            && *p == path
            && *dots == profile.dots
        {
            return Some(logo.clone());
        }
        let decoded = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| Logo::from_png(&bytes, u32::from(profile.dots)).map_err(|e| e.to_string()));
        match decoded {
            Ok(logo) => {
                let logo = Arc::new(logo);
                *self.logo.borrow_mut() = Some((path, profile.dots, logo.clone()));
                Some(logo)
            }
            Err(e) => {
                tracing::warn!(logo = %path.display(), error = %e, "receipt logo left off");
                None
            }
        }
    }

    /// Prints receipt `number` on `printer` now (no queue), kicking the drawer if `kick`.
    pub fn print_receipt(
        &self,
        number: &str,
        copy: Copy,
        printer: &PrinterConfig,
        kick: bool,
    ) -> Result<usize, RegisterError> {
        let bytes = self.receipt_escpos(number, copy, printer, kick)?;
        till_printer::send(&printer.url, &bytes).map_err(OutboxError::from)?;
        Ok(bytes.len())
    }

    /// What `printer` reports of itself.
    pub fn printer_status(&self, printer: &PrinterConfig) -> Result<till_printer::PrinterStatus, RegisterError> {
        Ok(till_printer::status(&printer.url).map_err(OutboxError::from)?)
    }

    /// Prints a test page on `printer`: the logo and store header, a line of every
    /// character of the store's languages the code page must carry, both codes, a cut.
    pub fn print_test_page(&self, printer: &PrinterConfig) -> Result<usize, RegisterError> {
        let profile = printer.profile().map_err(OutboxError::from)?;
        let mut text = self.config().receipt.header.join("\n");
        text.push_str(&format!(
            "\nTEST PAGE {} {} {} columns\nÀÉÎÕÜ àéîõü ÇçÑñ ß Øø Łł €£\n0123456789 +-*/=%\n",
            printer.code_page, profile.id, printer.columns
        ));
        let logo = self.logo(printer);
        let mut options =
            PrintOptions::for_profile(profile, &printer.code_page, printer.columns).map_err(OutboxError::from)?;
        options.logo = logo.as_deref();
        let bytes = till_printer::render(&text, "TEST", "till:test", &options);
        till_printer::send(&printer.url, &bytes).map_err(OutboxError::from)?;
        Ok(bytes.len())
    }
}

/// What one pass of the print worker did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PrintRound {
    /// Jobs printed.
    pub printed: u64,
    /// Jobs still waiting.
    pub waiting: u64,
    /// Of the printed, those that had waited longer than `printer.stale_after_minutes`
    /// and so printed without their drawer kick.
    pub late: u64,
    /// Jobs that had waited too long and were dropped (`printer.stale_receipts = "drop"`).
    pub dropped: u64,
    /// What stopped printing, if anything (`paper out`, `cover open`, `offline`, …).
    pub blocked: Option<String>,
}

impl Register {
    /// Queues the committed sale's receipt for the configured printer (after the commit:
    /// the sale is done whatever happens to its receipt; a failure to queue is logged).
    pub(crate) fn queue_receipt(&self, sale: &SaleRecord) {
        let Some(printer) = &self.config().printer else { return };
        let cash = sale
            .settlement
            .payments
            .iter()
            .any(|p| matches!(p.kind, till_domain::TenderKind::Cash) && !p.amount.is_zero());
        let at = self.now().to_string();
        if let Err(e) = self.store().queue_print(sale.receipt.seq as i64, 0, printer.kick_on_cash && cash, &at) {
            tracing::warn!(receipt = %sale.receipt, error = %e, "receipt not queued for printing; reprint it");
        }
    }

    /// The customer wants no paper receipt for `sale` (or it goes by email): its waiting
    /// print job is dropped (a reprint stays possible).
    pub fn skip_receipt(&self, sale: &SaleRecord) -> Result<(), RegisterError> {
        Ok(self.store().skip_print(sale.receipt.seq as i64, self.now().as_second())?)
    }

    /// Print jobs, newest first (only waiting ones if `waiting`).
    pub fn print_jobs(&self, waiting: bool) -> Result<Vec<till_store::PrintJob>, RegisterError> {
        Ok(self.store().print_jobs(waiting, 200)?)
    }

    /// Which copy the next print of receipt `seq` is: 0 if it never printed, else the
    /// next reprint ([`Register::reprint`]: permission-checked, counted in the audit chain).
    /// A drawer kick goes only with the first print: reopening the drawer is a no-sale.
    fn next_copy(&mut self, number: &str, seq: i64, kick: bool, auth: &mut Authority) -> Result<u32, RegisterError> {
        if !self.store().print_jobs_of(seq)?.iter().any(|j| j.state == "printed") {
            return Ok(0);
        }
        if kick {
            return Err(OutboxError::ReprintKicks(number.to_string()).into());
        }
        match self.reprint(number, auth)?.1 {
            Copy::Duplicate(n) => Ok(n),
            _ => Ok(1),
        }
    }

    /// Prints receipt `number` on `printer` now, outside the queue (a printer named by hand);
    /// a receipt printed before is a reprint. Recorded with the print jobs. Returns the copy
    /// number (0: original) and the bytes sent.
    pub fn print_receipt_to(
        &mut self,
        number: &str,
        printer: &PrinterConfig,
        kick: bool,
        auth: &mut Authority,
    ) -> Result<(u32, usize), RegisterError> {
        let seq = self.receipt(number)?.receipt.seq as i64;
        let copy = self.next_copy(number, seq, kick, auth)?;
        let copy_kind = if copy == 0 { Copy::Original } else { Copy::Duplicate(copy) };
        let sent = self.print_receipt(number, copy_kind, printer, kick)?;
        let now = self.now();
        let at = now.to_string();
        let job = self.store().queue_print(seq, copy, kick, &at)?;
        self.store().record_print(job, PrintOutcome::Printed { at: &at, stale: false }, now.as_second())?;
        Ok((copy, sent))
    }

    /// Receipt `number` on the configured printer, through the queue (its first print, or a
    /// reprint), then one pass of the worker; a printer that is not ready leaves it waiting.
    /// A receipt already waiting is not queued twice.
    pub fn print_on_demand(
        &mut self,
        number: &str,
        kick: bool,
        auth: &mut Authority,
    ) -> Result<PrintRound, RegisterError> {
        self.printer()?;
        let seq = self.receipt(number)?.receipt.seq as i64;
        let waiting = self.store().print_jobs_of(seq)?.iter().any(|j| j.state == "waiting");
        if !waiting {
            let copy = self.next_copy(number, seq, kick, auth)?;
            let at = self.now().to_string();
            self.store().queue_print(seq, copy, kick, &at)?;
        }
        self.print_pending()
    }

    /// Opens the drawer through the configured printer (no printer: nothing to do). The
    /// caller has recorded why (a sale paid in cash, a no-sale, paid in/out).
    pub fn kick_drawer(&self) -> Result<(), RegisterError> {
        let Some(printer) = &self.config().printer else { return Ok(()) };
        let pulse = till_printer::escpos::drawer_kick(printer.drawer_pin, 100, 500);
        Ok(till_printer::send(&printer.url, &pulse).map_err(OutboxError::from)?)
    }

    /// One pass of the print worker: if the printer is ready, prints the waiting receipts
    /// oldest first, each claimed first so two workers never print one job; if not, leaves
    /// them waiting with the reason. A receipt that waited longer than the printer's
    /// `stale_after_minutes` prints without its drawer kick (a drawer never pops open
    /// unattended for a sale long done) or, if the store drops those, is marked dropped
    /// (its sale can print it again on demand). Never touches a sale.
    pub fn print_pending(&self) -> Result<PrintRound, RegisterError> {
        let printer = self.printer()?.clone();
        let waiting = self.store().print_jobs(true, 200)?;
        let mut round = PrintRound::default();
        let Some(first) = waiting.first() else { return Ok(round) };
        let ready = match till_printer::status(&printer.url) {
            Ok(s) if s.summary() == "ready" => None,
            Ok(s) => Some(s.summary().to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(reason) = ready {
            let now = self.now().as_second();
            if self.store().claim_print(first.id, now, now + CLAIM_SECONDS)? {
                self.store().record_print(first.id, PrintOutcome::Retry(&reason), now)?;
            }
            round.waiting = waiting.len() as u64;
            round.blocked = Some(reason);
            return Ok(round);
        }
        for job in &waiting {
            let now = self.now();
            if !self.store().claim_print(job.id, now.as_second(), now.as_second() + CLAIM_SECONDS)? {
                continue; // another worker is printing it, or has printed it
            }
            let stale = self.is_stale(job, &printer, now);
            if stale && printer.stale_receipts == StaleReceipts::Drop {
                let reason = format!(
                    "not printed: queued at {}, longer than printer.stale_after_minutes ({}) before the printer \
                     could print it, and printer.stale_receipts = \"drop\"; print it from the sale if wanted \
                     (till receipt print {})",
                    job.created_at,
                    printer.stale_after_seconds / 60,
                    job.sale_seq
                );
                self.store().record_print(job.id, PrintOutcome::Dropped(&reason), now.as_second())?;
                round.dropped += 1;
                continue;
            }
            let copy = if job.copy == 0 { Copy::Original } else { Copy::Duplicate(job.copy) };
            let kick = job.kick && !stale;
            let sent = self
                .receipt_escpos(&job.sale_seq.to_string(), copy, &printer, kick)
                .and_then(|bytes| Ok(till_printer::send(&printer.url, &bytes).map_err(OutboxError::from)?));
            let now = self.now();
            match sent {
                Ok(()) => {
                    let at = now.to_string();
                    self.store().record_print(job.id, PrintOutcome::Printed { at: &at, stale }, now.as_second())?;
                    round.printed += 1;
                    round.late += u64::from(stale);
                }
                Err(e) => {
                    self.store().record_print(job.id, PrintOutcome::Retry(&e.to_string()), now.as_second())?;
                    round.blocked = Some(e.to_string());
                    break;
                }
            }
        }
        round.waiting = self.store().print_jobs(true, 200)?.len() as u64;
        Ok(round)
    }

    /// Whether `job` waited longer than `printer`'s `stale_after_minutes` by `now` (a
    /// queue time that cannot be read counts as stale: the kick is the risk).
    fn is_stale(&self, job: &PrintJob, printer: &PrinterConfig, now: jiff::Timestamp) -> bool {
        job.created_at
            .parse::<jiff::Timestamp>()
            .map_or(true, |queued| now.as_second() - queued.as_second() > printer.stale_after_seconds)
    }
}
