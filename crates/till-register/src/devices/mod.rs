//! The counter devices other than the printer: the scale (weights for items sold by
//! weight, less the store's tare), the serial scanner and the customer display. Each is
//! found from the store configuration, or named by the caller.

use crate::{Register, RegisterError};

/// What a counter device refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No scale configured and none named.
    #[error("no scale is configured ([scale] port) and none was given")]
    NoScale,
    /// No scanner port configured and none named.
    #[error("no scanner port is configured ([scanner] port) and none was given")]
    NoScanner,
    /// The scale reads no more than the tare: nothing on it.
    #[error("the scale reads {gross} kg, not more than the {tare} kg tare: put the item on the scale")]
    BelowTare {
        /// What the scale reads.
        gross: rust_decimal::Decimal,
        /// The configured tare.
        tare: rust_decimal::Decimal,
    },
    /// The serial scanner failed.
    #[error(transparent)]
    Scanner(#[from] till_devices::ScannerError),
    /// The customer display failed.
    #[error(transparent)]
    Display(#[from] till_devices::DisplayError),
}

impl Register {
    /// The configured scale's port, or why there is none.
    fn scale_port(&self, port: Option<&str>) -> Result<String, RegisterError> {
        match (port, &self.config().scale) {
            (Some(p), _) => Ok(p.to_string()),
            (None, Some(s)) => Ok(s.port.clone()),
            (None, None) => Err(DeviceError::NoScale.into()),
        }
    }

    /// A stable, non-negative net weight in kilograms from the Toledo 8217 scale on `port`
    /// (the configured one if `None`), less the configured tare; one in motion, below zero
    /// or not more than the tare is refused with what to do.
    pub fn weigh(&self, port: Option<&str>) -> Result<rust_decimal::Decimal, RegisterError> {
        use till_devices::Scale;
        let gross = till_devices::Toledo8217::open(&self.scale_port(port)?)?.weigh()?;
        let tare = self.config().scale.as_ref().map_or(rust_decimal::Decimal::ZERO, |s| s.tare_kg);
        if gross <= tare && !tare.is_zero() {
            return Err(DeviceError::BelowTare { gross, tare }.into());
        }
        Ok(gross - tare)
    }

    /// Zeroes the scale (empty platter) on `port`, the configured one if `None`.
    pub fn zero_scale(&self, port: Option<&str>) -> Result<(), RegisterError> {
        use till_devices::Scale;
        Ok(till_devices::Toledo8217::open(&self.scale_port(port)?)?.zero()?)
    }
}

impl Register {
    /// Waits up to `timeout` for the next scan from the serial scanner on `port` (the
    /// configured one if `None`), and reads it with the store's rules.
    pub fn read_scanner(
        &self,
        port: Option<&str>,
        timeout: std::time::Duration,
    ) -> Result<(String, Result<till_barcode::Barcode, till_barcode::BarcodeError>), RegisterError> {
        let port = match (port, self.config().scanner.port.as_deref()) {
            (Some(p), _) | (None, Some(p)) => p.to_string(),
            (None, None) => {
                return Err(DeviceError::NoScanner.into());
            }
        };
        let mut scanner = till_devices::SerialScanner::open(&port, timeout).map_err(DeviceError::from)?;
        let raw = scanner.next_scan().map_err(DeviceError::from)?;
        let parsed = self.parse_barcode(&raw, None);
        Ok((raw, parsed))
    }
}

impl Register {
    /// Shows the cart on the customer display: its last line (name and amount) above, the
    /// total below. No display configured: nothing to do.
    /// The caller passes the cart as it priced it for the screen, so a scan prices once.
    pub fn show_cart(&self, priced: &till_domain::PricedCart) -> Result<(), RegisterError> {
        if self.config().display.is_none() {
            return Ok(());
        }
        let width = till_devices::COLUMNS;
        let upper = priced.lines.last().map_or_else(String::new, |l| {
            let name = if l.quantity.value() == rust_decimal::Decimal::ONE {
                l.name.clone()
            } else {
                format!("{} {}", l.quantity.value().normalize(), l.name)
            };
            till_devices::two_columns(&name, &l.total.to_string(), width)
        });
        let lower = till_devices::two_columns("TOTAL", &priced.total.to_string(), width);
        self.show(&upper, &lower)
    }

    /// Shows a completed sale: what was paid above, the change (or thanks) below.
    pub fn show_sale(&self, sale: &till_domain::SaleRecord) -> Result<(), RegisterError> {
        if self.config().display.is_none() {
            return Ok(());
        }
        let width = till_devices::COLUMNS;
        let s = &sale.settlement;
        let upper = till_devices::two_columns("TOTAL", &s.total.to_string(), width);
        let lower = if s.change.is_zero() {
            "Thank you!".to_string()
        } else {
            till_devices::two_columns("CHANGE", &s.change.to_string(), width)
        };
        self.show(&upper, &lower)
    }

    /// Two lines on the configured display, over the connection kept from the last update
    /// (opened again if it failed: a display unplugged and back works on the next line).
    fn show(&self, upper: &str, lower: &str) -> Result<(), RegisterError> {
        let Some(config) = &self.config().display else { return Ok(()) };
        let mut slot = self.display.borrow_mut();
        if slot.is_none() {
            let protocol: till_devices::DisplayProtocol = config.protocol.parse().map_err(DeviceError::from)?;
            *slot = Some(till_devices::open_display(&config.url, protocol).map_err(DeviceError::from)?);
        }
        let shown = slot.as_mut().map_or(Ok(()), |d| d.show(upper, lower));
        if shown.is_err() {
            *slot = None;
        }
        Ok(shown.map_err(DeviceError::from)?)
    }
}
