//! Printing a receipt on an ESC/POS printer: the layout from the committed sale (never
//! from screen state), in the printer's code page.

use till_printer::{DrawerPin, PrintOptions};

use crate::{Copy, Register, RegisterError};

impl Register {
    /// The ESC/POS bytes of receipt `number` as `copy`, in code page `code_page`
    /// (`CP858` when not given: it has the euro), kicking the drawer if `kick`.
    pub fn receipt_escpos(
        &self,
        number: &str,
        copy: Copy,
        code_page: Option<&str>,
        kick: bool,
    ) -> Result<Vec<u8>, RegisterError> {
        let page_name = code_page.unwrap_or("CP858");
        let page = till_printer::page(page_name).ok_or_else(|| {
            let known: Vec<&str> = till_printer::PAGES.iter().map(|p| p.name).collect();
            RegisterError::Input(format!("code page '{page_name}' is not one of {}", known.join(", ")))
        })?;
        let sale = self.receipt(number)?;
        let text = self.receipt_text(&sale, copy);
        let options = PrintOptions { page, kick: kick.then_some(DrawerPin::Pin2) };
        Ok(till_printer::render(&text, &sale.receipt.to_string(), &sale.receipt_code(), &options))
    }

    /// Prints receipt `number` on the printer at `url` (`tcp://HOST:PORT`).
    pub fn print_receipt(
        &self,
        number: &str,
        copy: Copy,
        url: &str,
        code_page: Option<&str>,
        kick: bool,
    ) -> Result<usize, RegisterError> {
        let bytes = self.receipt_escpos(number, copy, code_page, kick)?;
        till_printer::send(url, &bytes).map_err(|e| RegisterError::Input(e.to_string()))?;
        Ok(bytes.len())
    }
}

impl Register {
    /// What the printer at `url` reports of itself.
    pub fn printer_status(&self, url: &str) -> Result<till_printer::PrinterStatus, RegisterError> {
        till_printer::status(url).map_err(|e| RegisterError::Input(e.to_string()))
    }

    /// Prints a test page on the printer at `url`: the store header, a line of every
    /// character of the store's languages the code page must carry, both codes, a cut.
    pub fn print_test_page(&self, url: &str, code_page: Option<&str>) -> Result<usize, RegisterError> {
        let page_name = code_page.unwrap_or("CP858");
        let page = till_printer::page(page_name)
            .ok_or_else(|| RegisterError::Input(format!("code page '{page_name}' is not known")))?;
        let mut text = self.config().receipt.header.join("\n");
        text.push_str(&format!("\nTEST PAGE {page_name}\nÀÉÎÕÜ àéîõü ÇçÑñ ß Øø Łł €£\n0123456789 +-*/=%\n"));
        let bytes = till_printer::render(&text, "TEST", "till:test", &PrintOptions { page, kick: None });
        till_printer::send(url, &bytes).map_err(|e| RegisterError::Input(e.to_string()))?;
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
    /// What stopped printing, if anything (`paper out`, `cover open`, `offline`, …).
    pub blocked: Option<String>,
}

impl Register {
    /// Queues the committed sale's receipt for the configured printer (after the commit:
    /// the sale is done whatever happens to its receipt; a failure to queue is logged).
    pub(crate) fn queue_receipt(&self, sale: &till_domain::SaleRecord) {
        let Some(printer) = &self.config().printer else { return };
        let cash = sale
            .settlement
            .payments
            .iter()
            .any(|p| matches!(p.kind, till_domain::TenderKind::Cash) && !p.amount.is_zero());
        let at = self.now().to_string();
        if let Err(e) = self.store().queue_print(sale.receipt.seq as i64, printer.kick_on_cash && cash, &at) {
            tracing::warn!(receipt = %sale.receipt, error = %e, "receipt not queued for printing; reprint it");
        }
    }

    /// Print jobs, newest first (only waiting ones if `waiting`).
    pub fn print_jobs(&self, waiting: bool) -> Result<Vec<till_store::PrintJob>, RegisterError> {
        Ok(self.store().print_jobs(waiting, 200)?)
    }

    /// One pass of the print worker: if the printer is ready, prints the waiting receipts
    /// oldest first; if not, leaves them waiting with the reason. Never touches a sale.
    pub fn print_pending(&self) -> Result<PrintRound, RegisterError> {
        let Some(printer) = self.config().printer.clone() else {
            return Err(RegisterError::Input("no printer is configured ([printer] in the store configuration)".into()));
        };
        let waiting = self.store().print_jobs(true, 200)?;
        let mut round = PrintRound { waiting: waiting.len() as u64, ..PrintRound::default() };
        let Some(first) = waiting.first() else { return Ok(round) };
        let ready = match till_printer::status(&printer.url) {
            Ok(s) if s.summary() == "ready" => None,
            Ok(s) => Some(s.summary().to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(reason) = ready {
            self.store().record_print(first.id, Err(&reason))?;
            round.blocked = Some(reason);
            return Ok(round);
        }
        for job in waiting {
            let number = job.sale_seq.to_string();
            let sent =
                self.receipt_escpos(&number, Copy::Original, Some(&printer.code_page), job.kick).and_then(|bytes| {
                    till_printer::send(&printer.url, &bytes).map_err(|e| RegisterError::Input(e.to_string()))
                });
            match sent {
                Ok(()) => {
                    self.store().record_print(job.id, Ok(&self.now().to_string()))?;
                    round.printed += 1;
                    round.waiting -= 1;
                }
                Err(e) => {
                    self.store().record_print(job.id, Err(&e.to_string()))?;
                    round.blocked = Some(e.to_string());
                    break;
                }
            }
        }
        Ok(round)
    }
}

impl Register {
    /// A stable, non-negative weight in kilograms from the Toledo 8217 scale on `port`;
    /// one in motion or below zero is refused with what to do.
    pub fn weigh(&self, port: &str) -> Result<rust_decimal::Decimal, RegisterError> {
        use till_devices::Scale;
        Ok(till_devices::Toledo8217::open(port)?.weigh()?)
    }
}

impl Register {
    /// Waits up to `timeout` for the next scan from the serial scanner on `port`, and reads
    /// it with the store's rules.
    pub fn read_scanner(
        &self,
        port: &str,
        timeout: std::time::Duration,
    ) -> Result<(String, Result<till_barcode::Barcode, till_barcode::BarcodeError>), RegisterError> {
        let mut scanner =
            till_devices::SerialScanner::open(port, timeout).map_err(|e| RegisterError::Input(e.to_string()))?;
        let raw = scanner.next_scan().map_err(|e| RegisterError::Input(e.to_string()))?;
        let parsed = self.parse_barcode(&raw, None);
        Ok((raw, parsed))
    }
}
