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
