//! A completed sale as it is committed, journalled and printed.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::pricing::PricedCart;
use crate::tender::Settlement;

/// A receipt number: the register and its gap-free sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptNumber {
    /// The register that sold.
    pub register: String,
    /// 1, 2, 3… per register, assigned when the sale commits.
    pub seq: u64,
}

impl std::fmt::Display for ReceiptNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:06}", self.register, self.seq)
    }
}

/// Everything about one completed sale. Receipts, reports and the journal are built from
/// this record as stored, never from what a screen showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecord {
    /// Globally unique id (a UUID), the key HQ deduplicates on.
    pub id: String,
    /// The receipt number.
    pub receipt: ReceiptNumber,
    /// The store.
    pub store: String,
    /// When the sale completed.
    pub at: Timestamp,
    /// The store's business day it belongs to.
    pub business_date: Date,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Priced lines, tax breakdown and totals.
    pub cart: PricedCart,
    /// How it was paid.
    pub settlement: Settlement,
    /// Coupon codes presented.
    pub coupons: Vec<String>,
    /// The staff member who rang it (`None` on a register still being set up).
    pub staff: Option<String>,
    /// The cash session it belongs to.
    pub session: Option<u64>,
    /// The HQ catalog version its prices came from (`None`: a catalog the register
    /// imported itself). A register offline keeps selling on the version it has; this
    /// says which one, so HQ can tell a price that changed meanwhile.
    pub catalog: Option<String>,
    /// The configuration version its prices and tax were computed under (`local-N` or
    /// `hq-N`; `None` on records from before versions were kept).
    pub config: Option<String>,
}

/// What a document does: sell, take back, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// Only selling lines.
    Sale,
    /// Only return lines.
    Return,
    /// Both: goods taken back and others sold, in one transaction.
    Exchange,
}

impl DocumentKind {
    /// The spelling in records (`sale`, `return`, `exchange`).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Sale => "sale",
            DocumentKind::Return => "return",
            DocumentKind::Exchange => "exchange",
        }
    }
}

impl SaleRecord {
    /// What the receipt's barcode or QR code carries, for finding the sale again at a
    /// return: `till:STORE/RECEIPT`.
    pub fn receipt_code(&self) -> String {
        format!("till:{}/{}", self.store, self.receipt)
    }

    /// Whether the document sells, takes back, or both.
    pub fn kind(&self) -> DocumentKind {
        let returns = self.cart.lines.iter().filter(|l| l.returning.is_some()).count();
        match returns {
            0 => DocumentKind::Sale,
            n if n == self.cart.lines.len() => DocumentKind::Return,
            _ => DocumentKind::Exchange,
        }
    }
}
