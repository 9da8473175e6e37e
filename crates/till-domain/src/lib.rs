//! Till's checkout core: money, quantities, tax, the catalog model, carts, promotions,
//! pricing and tenders.
//!
//! Architecture invariant: this crate does no I/O, reads no clock and draws no random
//! numbers. Time comes in as arguments (`now`), so every result is reproducible.

pub mod cart;
pub mod catalog;
pub mod money;
pub mod pricing;
pub mod promotion;
pub mod quantity;
pub mod report;
pub mod sale;
pub mod tax;
pub mod tender;

pub use cart::{Cart, CartError, CartLine, Discount, LineId, PriceOverride};
pub use catalog::{Component, Item, OptionValue, PriceListEntry, PriceSource, Product, SalesContext, Variant};
pub use money::{Currency, Money, MoneyError, RoundingMode};
pub use pricing::{Adjustment, AdjustmentKind, PricedCart, PricedLine, PricingContext, PricingError, price_cart};
pub use promotion::{Promotion, PromotionRule, Target};
pub use quantity::{Quantity, QuantityError, Unit};
pub use report::{SalesTotals, TaxTotal, TenderTotal, XReport};
pub use sale::{ReceiptNumber, SaleRecord};
pub use tax::{PriceBasis, TaxAmount, TaxClass, TaxPolicy, TaxRounding};
pub use tender::{CardDetails, CashRounding, Payment, Settlement, Tender, TenderError, TenderKind, settle};
