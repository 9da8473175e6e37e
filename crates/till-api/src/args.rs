//! What a screen sends: the arguments of the app's commands that are more than a word, read
//! here into the register's types (a malformed value is an `input` error naming it).

use rust_decimal::Decimal;
use serde::Deserialize;
use till_domain::pickup::Substitute;
use till_register::{AisleDelivery, HqTrust, Register, RegisterError, TrustError};
use ts_rs::TS;

use crate::Dec;

/// `text` as a decimal; the error names the field (`what`).
pub fn decimal(text: &str, what: &str) -> Result<Decimal, RegisterError> {
    Decimal::from_str_exact(text.trim()).map_err(|_| RegisterError::Input(format!("{what}: '{text}' is not a number")))
}

/// A tender as the screen sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct TenderArg {
    /// `cash`, `card`, `credit` or one of the store's own tenders.
    pub kind: String,
    /// The amount.
    pub amount: Dec,
}

/// The screen's tenders as the register reads them (`KIND:AMOUNT`).
pub fn tenders(reg: &Register, tenders: &[TenderArg]) -> Result<Vec<till_domain::Tender>, RegisterError> {
    tenders.iter().map(|t| reg.parse_tender(&format!("{}:{}", t.kind, t.amount.0))).collect()
}

/// A receipt line to take back.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReturnLineArg {
    /// The line's number on the receipt.
    pub line: u32,
    /// How many.
    pub quantity: Dec,
    /// The reason code.
    pub reason: String,
    /// Written off as damaged instead of back to stock.
    #[serde(default)]
    #[ts(optional)]
    pub damaged: Option<bool>,
}

/// A substitute as the screen sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SubstituteArg {
    /// The substitute's SKU.
    pub sku: String,
    /// Its price per unit for this customer.
    pub price: Dec,
    /// How the customer agreed.
    pub consent: String,
}

impl SubstituteArg {
    /// The substitute as the register takes it.
    pub fn substitute(&self) -> Result<Substitute, RegisterError> {
        Ok(Substitute {
            sku: self.sku.clone(),
            price: decimal(&self.price.0, "substitute price")?,
            consent: self.consent.clone(),
        })
    }
}

/// Units of one order line, for a partial pickup.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct HandLineArg {
    /// The order line.
    pub line: u32,
    /// Units.
    pub quantity: Dec,
}

/// The lines of a partial pickup (`None`: everything picked and not yet handed over).
pub fn hand_lines(lines: Option<&[HandLineArg]>) -> Result<Option<Vec<(u32, Decimal)>>, RegisterError> {
    lines
        .map(|lines| {
            lines
                .iter()
                .map(|l| Ok((l.line, decimal(&l.quantity.0, &format!("quantity of line {}", l.line))?)))
                .collect()
        })
        .transpose()
}

/// An endless-aisle basket line: a SKU and whole pieces.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AisleLineArg {
    pub sku: String,
    /// Pieces.
    pub quantity: Dec,
}

/// An endless-aisle basket as the register takes it.
pub fn basket(lines: &[AisleLineArg]) -> Result<Vec<(String, Decimal)>, RegisterError> {
    lines.iter().map(|l| Ok((l.sku.clone(), decimal(&l.quantity.0, &format!("quantity of {}", l.sku))?))).collect()
}

/// Where an endless-aisle order goes: `{method: "pickup", location}` or
/// `{method: "ship", zip, city, country_code, latitude?, longitude?}`.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DeliveryArg {
    /// `pickup` or `ship`.
    pub method: String,
    /// The pickup store.
    #[ts(optional)]
    pub location: Option<String>,
    /// Ship-to postcode.
    #[ts(optional)]
    pub zip: Option<String>,
    /// Ship-to city.
    #[ts(optional)]
    pub city: Option<String>,
    /// Ship-to country (ISO 3166).
    #[ts(optional)]
    pub country_code: Option<String>,
    /// Ship-to latitude (with longitude, or neither).
    #[ts(optional)]
    pub latitude: Option<Dec>,
    /// Ship-to longitude.
    #[ts(optional)]
    pub longitude: Option<Dec>,
}

impl DeliveryArg {
    /// The delivery as the register takes it: every field it needs given.
    pub fn delivery(self) -> Result<AisleDelivery, RegisterError> {
        let input = |m: String| RegisterError::Input(m);
        let given = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let needed = |v: Option<String>, what: &str| given(v).ok_or_else(|| input(format!("{what} is needed")));
        match self.method.as_str() {
            "pickup" => Ok(AisleDelivery::Pickup { location: needed(self.location, "the pickup store")? }),
            "ship" => {
                let coordinates = match (given(self.latitude.map(|d| d.0)), given(self.longitude.map(|d| d.0))) {
                    (None, None) => None,
                    (Some(lat), Some(lon)) => {
                        decimal(&lat, "latitude")?;
                        decimal(&lon, "longitude")?;
                        Some((lat, lon))
                    }
                    _ => return Err(input("give both latitude and longitude, or neither".into())),
                };
                Ok(AisleDelivery::Ship {
                    coordinates,
                    zip: needed(self.zip, "the postcode")?,
                    city: needed(self.city, "the city")?,
                    country_code: needed(self.country_code, "the country")?.to_uppercase(),
                })
            }
            other => Err(input(format!("delivery '{other}' is not pickup or ship"))),
        }
    }
}

/// One key of a burst, with when it came (ms, the page's monotonic clock).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct KeyArg {
    /// The key's name (`a`, `Enter`, `Shift`…).
    pub key: String,
    /// When it came.
    pub at_ms: f64,
}

/// How the Settings form says HQ's certificate is verified (`till enroll`'s `--ca` and
/// `--pin-sha256`).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrustArg {
    /// The operating system's root certificates (a public CA signed HQ's).
    System,
    /// A company CA: its certificate(s) as PEM text, pasted or read from a file.
    Ca {
        /// The PEM text.
        pem: String,
    },
    /// HQ's certificate pinned by its SHA-256 (64 hex digits, colons allowed).
    Pin {
        /// The digest.
        sha256: String,
    },
}

impl TrustArg {
    /// The trust as the register takes it; a CA without a certificate or a pin that is
    /// not 64 hex digits is an `input` error naming the field.
    pub fn trust(&self) -> Result<HqTrust, RegisterError> {
        match self {
            TrustArg::System => Ok(HqTrust::OsRoots),
            TrustArg::Ca { pem } => HqTrust::ca_pem(pem, "HQ's CA certificate").map_err(|e| match e {
                TrustError::BadCa { message, .. } => RegisterError::Input(format!("HQ's CA certificate: {message}")),
                other => RegisterError::Input(other.to_string()),
            }),
            TrustArg::Pin { sha256 } => HqTrust::pin(sha256).map_err(|_| {
                RegisterError::Input(format!(
                    "HQ certificate pin: '{}' is not a SHA-256 (64 hex digits, colons allowed)",
                    sha256.trim()
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_pickup_quantities_are_decimals_and_a_bad_one_names_its_line() {
        assert_eq!(hand_lines(None).unwrap(), None);
        let lines = [HandLineArg { line: 1, quantity: Dec(" 1.5 ".into()) }];
        assert_eq!(hand_lines(Some(&lines)).unwrap(), Some(vec![(1, Decimal::new(15, 1))]));
        let err = hand_lines(Some(&[HandLineArg { line: 2, quantity: Dec("two".into()) }])).unwrap_err();
        assert_eq!((err.code(), err.to_string().as_str()), ("input", "quantity of line 2: 'two' is not a number"));
    }

    #[test]
    fn a_ship_delivery_needs_its_address_and_both_coordinates_or_neither() {
        let ship = |lat: Option<&str>, lon: Option<&str>| DeliveryArg {
            method: "ship".into(),
            location: None,
            zip: Some("1011 AB".into()),
            city: Some("Amsterdam".into()),
            country_code: Some("nl".into()),
            latitude: lat.map(|s| Dec(s.into())),
            longitude: lon.map(|s| Dec(s.into())),
        };
        let AisleDelivery::Ship { country_code, coordinates, .. } = ship(None, None).delivery().unwrap() else {
            panic!("not shipped")
        };
        assert_eq!((country_code.as_str(), coordinates), ("NL", None));
        let half = ship(Some("52.37"), None).delivery().unwrap_err();
        assert_eq!(half.to_string(), "give both latitude and longitude, or neither");
        let bad = ship(Some("north"), Some("4.9")).delivery().unwrap_err();
        assert_eq!(bad.to_string(), "latitude: 'north' is not a number");
        let nowhere = DeliveryArg { method: "pickup".into(), ..ship(None, None) }.delivery().unwrap_err();
        assert_eq!(nowhere.to_string(), "the pickup store is needed");
    }

    #[test]
    fn a_trust_choice_reads_a_pin_with_or_without_colons_and_names_a_bad_one() {
        let hex = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        let pin = |s: &str| TrustArg::Pin { sha256: s.into() }.trust();
        assert_eq!(pin(&hex).unwrap(), HqTrust::PinSha256([0xab; 32]));
        assert_eq!(pin(&colons).unwrap(), HqTrust::PinSha256([0xab; 32]));
        let short = pin("abcd").unwrap_err();
        assert_eq!(
            (short.code(), short.to_string().as_str()),
            ("input", "HQ certificate pin: 'abcd' is not a SHA-256 (64 hex digits, colons allowed)")
        );
        let none = TrustArg::Ca { pem: "not a certificate".into() }.trust().unwrap_err();
        assert_eq!(
            (none.code(), none.to_string().as_str()),
            ("input", "HQ's CA certificate: holds no CERTIFICATE block")
        );
        assert_eq!(TrustArg::System.trust().unwrap(), HqTrust::OsRoots);
    }
}
