//! Errors at the boundary: `{code, message, details}`. The code is the register's stable
//! name ([`RegisterError::code`]), the message is for a person, and the details carry the
//! refusal's data so a screen in another language says it in its own words — no screen
//! parses an English message.

use serde::Serialize;
use till_domain::pickup::{Gone, PickupError};
use till_domain::{PermissionError, ReturnPlanError, ReturnRefusal, TenderError};
use till_register::{CheckoutError, DrawerError, RegisterError, StaffError};
use ts_rs::TS;

use crate::Dec;

/// An error as both front ends report it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ErrorView {
    /// What kind of failure (stable, for a program: `permission`, `underpaid`…).
    pub code: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The refusal's data, when it has any a screen can use (boxed: an error stays small
    /// on the happy path's `Result`).
    pub details: Option<Box<ErrorDetails>>,
}

impl ErrorView {
    /// An error with `code` and `message` and no details.
    pub fn new(code: &str, message: impl Into<String>) -> ErrorView {
        ErrorView { code: code.to_string(), message: message.into(), details: None }
    }
}

impl From<&RegisterError> for ErrorView {
    fn from(e: &RegisterError) -> Self {
        ErrorView { code: e.code().to_string(), message: e.to_string(), details: ErrorDetails::of(e).map(Box::new) }
    }
}

impl From<RegisterError> for ErrorView {
    fn from(e: RegisterError) -> Self {
        ErrorView::from(&e)
    }
}

impl From<till_domain::CartError> for ErrorView {
    fn from(e: till_domain::CartError) -> Self {
        ErrorView::from(RegisterError::from(e))
    }
}

/// A handover that used up a pickup code: where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HandoverAt {
    /// The register that handed the goods over (`null`: they were shipped).
    pub register: Option<String>,
    /// When (`null`: shipped).
    pub at: Option<String>,
}

/// The data of a refusal, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorDetails {
    /// A pickup code past its expiry.
    TokenExpired {
        order: String,
        /// When it expired.
        at: String,
    },
    /// A pickup code for another store.
    TokenOtherStore {
        order: String,
        /// The code's store.
        store: String,
        /// This register's store.
        here: String,
    },
    /// A pickup code whose goods left already.
    TokenUsed {
        number: String,
        /// Where they went.
        handovers: Vec<HandoverAt>,
    },
    /// An action the signed-in role may not do, or not without an approval.
    Permission {
        /// `denied`, `needs_approval` or `approver_not_allowed`.
        refusal: String,
        action: String,
        /// Who asked (or the approver, for `approver_not_allowed`).
        staff: String,
        /// Their role.
        role: String,
    },
    /// A free text refused because it looks like it holds a card number.
    CardNumber {
        /// The field it was typed into (`park label`, `cash movement reason`…).
        field: String,
    },
    /// Tenders that do not cover what is due.
    Underpaid {
        /// Due.
        due: Dec,
        /// Tendered.
        paid: Dec,
        /// Missing.
        short: Dec,
    },
    /// An item sold by weight scanned without a weight and without a scale.
    NeedsWeight {
        /// The code as scanned or typed.
        code: String,
        sku: String,
        name: String,
    },
    /// More of a receipt line than is left to return.
    NotThatMany {
        receipt: String,
        /// The line.
        line: u32,
        /// What may still come back.
        left: Dec,
        /// What was sold.
        sold: Dec,
        /// What came back already.
        returned: Dec,
    },
    /// The return rules refuse a return (a manager may override with a note).
    ReturnRefused {
        sku: String,
        name: String,
        /// Days since the sale (outside the window), or `null` (final sale).
        days: Option<i64>,
        /// The return window (`null`: final sale).
        window: Option<u32>,
    },
    /// A wrong PIN.
    WrongPin {
        code: String,
        /// Tries left before each try waits (0: it waits now).
        left: u32,
        /// How long the next try must wait, in seconds.
        wait_seconds: u64,
    },
    /// No cash session is open.
    NoSession,
    /// Too little disk space to sell safely.
    LowDisk {
        /// Free MiB.
        free_mib: u64,
        /// The reserve in MiB.
        reserve_mib: u64,
    },
}

impl ErrorDetails {
    /// The details of `e`, for the refusals a screen says in its own words.
    pub fn of(e: &RegisterError) -> Option<ErrorDetails> {
        Some(match e {
            RegisterError::Token(till_register::TokenError::Expired { order, expires }) => {
                ErrorDetails::TokenExpired { order: order.clone(), at: expires.to_string() }
            }
            RegisterError::Token(till_register::TokenError::OtherStore { order, store, here }) => {
                ErrorDetails::TokenOtherStore { order: order.clone(), store: store.clone(), here: here.clone() }
            }
            RegisterError::Pickup(PickupError::NothingLeft { number, previous }) => ErrorDetails::TokenUsed {
                number: number.clone(),
                handovers: previous
                    .iter()
                    .map(|g| match g {
                        Gone::HandedOver { register, at } => {
                            HandoverAt { register: Some(register.clone()), at: Some(at.to_string()) }
                        }
                        Gone::Shipped => HandoverAt { register: None, at: None },
                    })
                    .collect(),
            },
            RegisterError::Permission(p) => {
                let (refusal, action, staff, role) = match p {
                    PermissionError::Denied { action, staff, role } => ("denied", action, staff, role),
                    PermissionError::NeedsApproval { action, staff, role } => ("needs_approval", action, staff, role),
                    PermissionError::ApproverNotAllowed { action, approver, role } => {
                        ("approver_not_allowed", action, approver, role)
                    }
                };
                ErrorDetails::Permission {
                    refusal: refusal.to_string(),
                    action: action.as_str().to_string(),
                    staff: staff.clone(),
                    role: role.clone(),
                }
            }
            RegisterError::CardNumber(e) => ErrorDetails::CardNumber { field: e.field.as_str().to_string() },
            RegisterError::Tender(TenderError::Underpaid { due, paid, short }) => {
                ErrorDetails::Underpaid { due: Dec::of(due), paid: Dec::of(paid), short: Dec::of(short) }
            }
            RegisterError::Checkout(CheckoutError::NeedsWeight { code, sku, name }) => {
                ErrorDetails::NeedsWeight { code: code.clone(), sku: sku.clone(), name: name.clone() }
            }
            RegisterError::ReturnPlan(ReturnPlanError::NotThatMany { receipt, line, left, sold, returned }) => {
                ErrorDetails::NotThatMany {
                    receipt: receipt.clone(),
                    line: *line,
                    left: Dec::of(left),
                    sold: Dec::of(sold),
                    returned: Dec::of(returned),
                }
            }
            RegisterError::Checkout(CheckoutError::ReturnRefused { sku, name, refusal }) => {
                let (days, window) = match refusal {
                    ReturnRefusal::OutsideWindow { days, window } => (Some(*days), Some(*window)),
                    ReturnRefusal::FinalSale => (None, None),
                };
                ErrorDetails::ReturnRefused { sku: sku.clone(), name: name.clone(), days, window }
            }
            RegisterError::Staff(StaffError::WrongPin { code, left, wait_seconds }) => {
                ErrorDetails::WrongPin { code: code.clone(), left: *left, wait_seconds: *wait_seconds }
            }
            RegisterError::Drawer(DrawerError::NoSession) => ErrorDetails::NoSession,
            RegisterError::LowDisk { free_mib, reserve_mib } => {
                ErrorDetails::LowDisk { free_mib: *free_mib, reserve_mib: *reserve_mib }
            }
            _ => return None,
        })
    }
}
