//! Till's checkout core: money, quantities, tax, the catalog model, carts, promotions,
//! pricing, tenders, returns and the pickup workflow.
//!
//! Architecture invariant: this crate does no I/O, reads no clock and draws no random
//! numbers. Time comes in as arguments (`now`), so every result is reproducible.

pub mod card_screen;
pub mod cart;
pub mod cash;
pub mod catalog;
pub mod money;
pub mod permission;
pub mod pickup;
pub mod pricing;
pub mod promotion;
pub mod quantity;
pub mod report;
pub mod returns;
pub mod sale;
pub mod sign_in;
pub mod tax;
pub mod tender;

pub use card_screen::{CardNumberInText, TextField, looks_like_card_number, screen_text};
pub use cart::{Cart, CartError, CartLine, Discount, LineId, OriginalLine, PriceOverride, ReturnLine};
pub use cash::{CashCount, Denominations, TenderBalance};
pub use catalog::{Component, Item, OptionValue, PriceListEntry, PriceSource, Product, SalesContext, Variant};
pub use money::{Currency, Money, MoneyError, RoundingMode};
pub use permission::{Action, ApprovalLimits, Permission, PermissionError, Role, SensitiveAction, sensitive_actions};
pub use pricing::{Adjustment, AdjustmentKind, PricedCart, PricedLine, PricingContext, PricingError, price_cart};
pub use promotion::{Promotion, PromotionRule, Target};
pub use quantity::{Quantity, QuantityError, Unit};
pub use report::{DrawerSummary, SalesTotals, TaxTotal, TenderTotal, XReport, ZReport};
pub use returns::{
    Disposition, LineReturn, NoReceiptRefund, ReturnPlanError, ReturnRefusal, ReturnRules, ReturnTerms,
    no_receipt_refund, plan_line_return,
};
pub use sale::{DocumentKind, ReceiptNumber, SaleRecord};
pub use sign_in::{BACK_OFF_AFTER, next_pin_try, pin_wait};
pub use tax::{PriceBasis, TaxAmount, TaxClass, TaxPolicy, TaxRounding};
pub use tender::{
    CardDetails, CashRounding, ExchangeSettlement, Payment, RefundMethod, RefundSource, RefundTarget, Settlement,
    Tender, TenderError, TenderKind, TenderPreview, exchange_settlement, preview_tenders, refund_targets, settle,
    settle_refund,
};
