//! The boundary types both front ends speak: what `till --json` prints and what the
//! desktop app's commands answer, one Rust type per shape, built `From` the register's and
//! the domain's values. Money and quantities cross as decimal strings ([`Dec`]), never as
//! numbers. Errors cross as [`ErrorView`]: a stable code, a message for a person, and
//! typed details a screen in another language can say in its own words.
//!
//! The UI's TypeScript types are generated from these (`ts-rs`, see [`typescript`]) into
//! `ui/src/lib/types.gen.ts`; a test fails when that file is stale.
//!
//! Architecture invariant: no business rule here — only shapes and conversions. The CLI's
//! documented JSON (`docs/cli.md`) is a contract: fields are only ever added.

// Transfer types: a field named `sku` or `store` says what it holds; a doc comment is
// written where it says more (a unit, a sign, when it is null), and then it reaches the
// UI's generated types too.
#![allow(missing_docs)]

pub mod args;
mod cart;
mod catalog;
pub mod cli;
mod config;
mod drawer;
mod error;
mod orders;
mod receipts;
mod returns;
mod sale;
mod session;
mod staff;
mod sync;
pub mod typescript;

pub use args::{AisleLineArg, DeliveryArg, HandLineArg, KeyArg, ReturnLineArg, SubstituteArg, TenderArg, TrustArg};
pub use cart::{AdjustmentView, CartLineView, CartView, ScanView};
pub use catalog::{
    ComponentView, ImportView, ItemView, JournalProblemView, JournalView, RejectedRowView, RowWarningView,
};
pub use config::{ConfigStateView, ConfigValueView, PendingConfigView};
pub use drawer::{
    BalanceView, CashMovementView, DrawerOpened, DrawerView, ExpectedView, HourTotal, ReceiptRange, TaxView,
    TenderTotalView, XReportReply, XReportView, ZReportReply,
};
pub use error::{ErrorDetails, ErrorView, HandoverAt};
pub use orders::{
    AisleDeliveryView, AisleItemView, AisleOrderDone, AisleOrderView, AisleRefreshView, AisleStockView,
    HandoverLineView, HandoverView, MailJobView, MailRoundView, NoticeView, OnlineLineView, OnlineOrderView,
    OrderLineView, PickupOrderView, PrintRoundView, PrinterSummaryView, ShipmentView, SubstituteView,
    UnreadableOrderView, VerifiedView,
};
pub use receipts::FoundReceiptView;
pub use returns::{ReturnDocArg, ReturnItemArg, ReturnQuoteView};
pub use sale::{
    ParkedCartView, ParkedView, ReceiptLineView, ReceiptView, ReturningView, SaleDone, SaleLineAdjustmentView,
    SaleLineView, SaleView, TenderPreviewView, TenderView,
};
pub use session::{KeyEvent, OperatorView, SessionView, WedgeView};
pub use staff::{AuditView, RoleView, StaffListView, StaffView};
pub use sync::{ConflictView, QuarantinedView, StatusView, SyncStatusView};

use serde::Serialize;
use ts_rs::TS;

/// A decimal as exact text ("12.90", "-0.505", "0.412"): money and quantities cross the
/// boundary this way so no float ever touches them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(rename = "Decimal")]
pub struct Dec(pub String);

impl Dec {
    /// `value` as its exact text.
    pub fn of(value: impl std::fmt::Display) -> Dec {
        Dec(value.to_string())
    }
}
