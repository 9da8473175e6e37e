//! Reading scanned codes with the store's rules: its country's variable-measure numbers
//! and today's date (expiry) from the register's clock.

use till_barcode::{Barcode, BarcodeError, ParseOptions};

use crate::{Clock, Register, SystemClock};

impl Register {
    /// Reads `code` (with or without an AIM symbology identifier). `region` overrides the
    /// store's country (`region` in the store configuration) for variable-measure numbers.
    pub fn parse_barcode(&self, code: &str, region: Option<&str>) -> Result<Barcode, BarcodeError> {
        let today = self.now().to_zoned_datetime(self.config().timezone.clone()).date();
        let rcn_region = region.map(str::to_string).or_else(|| self.config().sales_context.region.clone());
        till_barcode::parse(code, &ParseOptions { rcn_region, today })
    }
}

/// Reads `code` where there is no register: no store country unless `region` is given,
/// today from the system clock (UTC).
pub fn parse_barcode_standalone(code: &str, region: Option<&str>) -> Result<Barcode, BarcodeError> {
    let today = SystemClock.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    till_barcode::parse(code, &ParseOptions { rcn_region: region.map(str::to_string), today })
}
