//! Staff permissions: every sensitive action is Allowed, Denied or Approval-required per
//! role. Deciding lives here; asking (and auditing) is the register's job, so no caller
//! can skip it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::cart::{Cart, Discount};
use crate::money::{Money, MoneyError};
use crate::pricing::{AdjustmentKind, PricedCart};

/// A sensitive action a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Void a line of a cart being rung up.
    VoidLine,
    /// Cancel a whole cart.
    VoidSale,
    /// A line or order discount above the store's threshold.
    DiscountAboveThreshold,
    /// Replace a catalog price.
    PriceOverride,
    /// Take back goods without a receipt.
    ReturnWithoutReceipt,
    /// A refund above the store's threshold.
    RefundAboveAmount,
    /// Accept a return the rules refuse (outside the window, final sale).
    ReturnOverride,
    /// Open the cash drawer without a sale.
    OpenDrawer,
    /// Take cash out of the drawer for an expense.
    PaidOut,
    /// Reprint a receipt or a Z report.
    Reprint,
    /// Close a cash session whose count differs from what was expected by more than the
    /// store's threshold.
    CloseWithDifference,
    /// Add staff, change roles, unlock staff.
    ManageStaff,
    /// Enroll the register with an HQ, or move it to another (`till enroll`, Settings).
    ConfigureSync,
    /// See what the drawer should hold now (the X report's "expected now"): a blind count
    /// means nothing to someone who read it first.
    ViewExpected,
    /// Change the store's configuration at the register (`till config set`, Settings),
    /// when it is not enrolled with an HQ (which then owns the configuration).
    ConfigureStore,
}

impl Action {
    /// Every action, for tables and defaults.
    pub const ALL: [Action; 15] = [
        Action::VoidLine,
        Action::VoidSale,
        Action::DiscountAboveThreshold,
        Action::PriceOverride,
        Action::ReturnWithoutReceipt,
        Action::RefundAboveAmount,
        Action::ReturnOverride,
        Action::OpenDrawer,
        Action::PaidOut,
        Action::Reprint,
        Action::CloseWithDifference,
        Action::ManageStaff,
        Action::ConfigureSync,
        Action::ViewExpected,
        Action::ConfigureStore,
    ];

    /// The spelling used in configuration, the CLI and audit records.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::VoidLine => "void_line",
            Action::VoidSale => "void_sale",
            Action::DiscountAboveThreshold => "discount_above_threshold",
            Action::PriceOverride => "price_override",
            Action::ReturnWithoutReceipt => "return_without_receipt",
            Action::RefundAboveAmount => "refund_above_amount",
            Action::ReturnOverride => "return_override",
            Action::OpenDrawer => "open_drawer",
            Action::PaidOut => "paid_out",
            Action::Reprint => "reprint",
            Action::CloseWithDifference => "close_with_difference",
            Action::ManageStaff => "manage_staff",
            Action::ConfigureSync => "configure_sync",
            Action::ViewExpected => "view_expected",
            Action::ConfigureStore => "configure_store",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
            format!("unknown action '{s}' (one of: {})", names.join(", "))
        })
    }
}

/// What a role may do about one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Go ahead.
    Allowed,
    /// Never.
    Denied,
    /// Only with the PIN of someone whose role allows it, for this one action.
    ApprovalRequired,
}

impl Permission {
    /// The spelling used in configuration and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Allowed => "allowed",
            Permission::Denied => "denied",
            Permission::ApprovalRequired => "approval",
        }
    }
}

impl FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allowed" => Ok(Permission::Allowed),
            "denied" => Ok(Permission::Denied),
            "approval" => Ok(Permission::ApprovalRequired),
            other => Err(format!("unknown permission '{other}' (allowed, denied or approval)")),
        }
    }
}

/// A role: a name and its permission per action (unlisted actions are denied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's name (`cashier`, `supervisor`, `manager`).
    pub name: String,
    /// Permission per action.
    pub permissions: BTreeMap<Action, Permission>,
}

impl Role {
    /// What this role may do about `action`.
    pub fn permission(&self, action: Action) -> Permission {
        self.permissions.get(&action).copied().unwrap_or(Permission::Denied)
    }

    /// A role as stored: `permissions` as written when it was last changed. An action
    /// added to Till since then takes its default for a role of that name (a stored
    /// `manager` may view expected amounts), or denied for a role Till does not define —
    /// an upgrade never grants a custom role anything.
    pub fn from_stored(name: &str, permissions: BTreeMap<Action, Permission>) -> Role {
        let default = Role::defaults().into_iter().find(|r| r.name == name);
        let permissions = Action::ALL
            .into_iter()
            .filter_map(|a| {
                let p = permissions.get(&a).copied().or_else(|| default.as_ref().map(|d| d.permission(a)))?;
                Some((a, p))
            })
            .collect();
        Role { name: name.to_string(), permissions }
    }

    /// The roles a new register starts with: a cashier who needs approval for sensitive
    /// actions (but voids lines, pays in, drops and reprints freely, and counts the drawer
    /// blind: never sees what it should hold), a supervisor who may do them but not manage
    /// staff or enroll the register, and a manager who may do everything.
    pub fn defaults() -> Vec<Role> {
        use Action::*;
        use Permission::*;
        let cashier = [
            (VoidLine, Allowed),
            (VoidSale, ApprovalRequired),
            (DiscountAboveThreshold, ApprovalRequired),
            (PriceOverride, ApprovalRequired),
            (ReturnWithoutReceipt, ApprovalRequired),
            (RefundAboveAmount, ApprovalRequired),
            (ReturnOverride, ApprovalRequired),
            (OpenDrawer, ApprovalRequired),
            (PaidOut, ApprovalRequired),
            (Reprint, Allowed),
            (CloseWithDifference, ApprovalRequired),
            (ManageStaff, Denied),
            (ConfigureSync, Denied),
            (ViewExpected, Denied),
            (ConfigureStore, Denied),
        ];
        let role = |name: &str, f: &dyn Fn(Action, Permission) -> Permission| Role {
            name: name.to_string(),
            permissions: cashier.iter().map(|&(a, p)| (a, f(a, p))).collect(),
        };
        vec![
            role("cashier", &|_, p| p),
            role("supervisor", &|a, _| {
                if matches!(a, ManageStaff | ConfigureSync | ConfigureStore) { Denied } else { Allowed }
            }),
            role("manager", &|_, _| Allowed),
        ]
    }
}

/// The limits above which a cashier's change to a cart is a sensitive action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalLimits {
    /// A discount above this percent of what it discounts.
    pub discount_percent: Decimal,
    /// A refund above this amount.
    pub refund: Money,
}

/// One sensitive action a cart holds, with the words its audit record keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveAction {
    /// What is done.
    pub action: Action,
    /// To what, as the audit record says it.
    pub detail: String,
}

/// Every sensitive action in a priced cart, in the order they are to be authorized:
/// voided lines, then per line a price override, a discount above the limit, a return
/// without a receipt and a return against the rules; then an order discount above the
/// limit, and a refund above the limit. `priced` is `cart` priced (its lines are the
/// cart's active lines, in order).
pub fn sensitive_actions(
    cart: &Cart,
    priced: &PricedCart,
    limits: &ApprovalLimits,
) -> Result<Vec<SensitiveAction>, MoneyError> {
    let limit = limits.discount_percent;
    let above = |off: Money, of: Money| !of.is_zero() && off.amount() * Decimal::ONE_HUNDRED > limit * of.amount();
    let big = |discount: Discount, off: Money, of: Money| match discount {
        Discount::Percent(p) => p > limit,
        Discount::Amount(_) => above(off, of),
    };
    let mut out = Vec::new();
    let mut push = |action, detail: String| out.push(SensitiveAction { action, detail });
    for line in cart.lines().iter().filter(|l| l.voided) {
        push(Action::VoidLine, format!("voided line {} ({} x {})", line.id.0, line.item.sku, line.quantity));
    }
    for (cart_line, line) in cart.active_lines().zip(&priced.lines) {
        if let Some(o) = &cart_line.price_override {
            let detail =
                format!("line {} ({}): {} instead of {}: {}", line.id.0, line.sku, o.price, line.list_price, o.reason);
            push(Action::PriceOverride, detail);
        }
        if let Some(discount) = cart_line.discount {
            let off = Money::sum(
                line.adjustments.iter().filter(|a| a.kind == AdjustmentKind::LineDiscount).map(|a| a.amount),
            )?;
            if big(discount, off, line.gross) {
                push(
                    Action::DiscountAboveThreshold,
                    format!("line {} ({}): {} off {}", line.id.0, line.sku, off, line.gross),
                );
            }
        }
        if let Some(r) = &cart_line.returning {
            if r.original.is_none() {
                let detail = format!("{} x {} without a receipt, refund {}", cart_line.quantity, line.sku, r.refund);
                push(Action::ReturnWithoutReceipt, detail);
            }
            if let Some(note) = &r.override_note {
                let from =
                    r.original.as_ref().map_or("no receipt".into(), |o| format!("{} line {}", o.receipt, o.line));
                push(Action::ReturnOverride, format!("{} from {from}: {note}", line.sku));
            }
        }
    }
    if let Some(discount) = cart.order_discount() {
        let off = Money::sum(
            priced
                .lines
                .iter()
                .flat_map(|l| &l.adjustments)
                .filter(|a| a.kind == AdjustmentKind::OrderDiscount)
                .map(|a| a.amount),
        )?;
        let selling = Money::sum(priced.lines.iter().filter(|l| l.returning.is_none()).map(|l| l.gross))?;
        if big(discount, off, selling) {
            push(Action::DiscountAboveThreshold, format!("order: {off} off {selling}"));
        }
    }
    if priced.total.is_negative() && priced.total.negated() > limits.refund {
        push(Action::RefundAboveAmount, format!("refund of {}", priced.total.negated()));
    }
    Ok(out)
}

/// Why an action may not go ahead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermissionError {
    /// The role may never do it.
    #[error("{staff} (role {role}) may not {action}")]
    Denied {
        /// The action.
        action: Action,
        /// Who asked.
        staff: String,
        /// Their role.
        role: String,
    },
    /// The role needs an approver and none (left) was given.
    #[error("{action} needs a manager's approval for {staff} (role {role}); give an approver's PIN")]
    NeedsApproval {
        /// The action.
        action: Action,
        /// Who asked.
        staff: String,
        /// Their role.
        role: String,
    },
    /// The approver's role does not allow the action itself.
    #[error("{approver} (role {role}) may not approve {action}")]
    ApproverNotAllowed {
        /// The action.
        action: Action,
        /// The approver.
        approver: String,
        /// Their role.
        role: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_unknowns_are_named() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
        }
        assert!("fly".parse::<Action>().unwrap_err().contains("unknown action 'fly'"));
    }

    #[test]
    fn default_roles() {
        let roles = Role::defaults();
        let cashier = &roles[0];
        assert_eq!(cashier.permission(Action::PriceOverride), Permission::ApprovalRequired);
        assert_eq!(cashier.permission(Action::ManageStaff), Permission::Denied);
        assert_eq!(roles[1].permission(Action::PriceOverride), Permission::Allowed);
        assert_eq!(roles[1].permission(Action::ManageStaff), Permission::Denied);
        assert!(Action::ALL.iter().all(|&a| roles[2].permission(a) == Permission::Allowed));
        assert_eq!(cashier.permission(Action::ViewExpected), Permission::Denied);
        assert_eq!(roles[1].permission(Action::ViewExpected), Permission::Allowed);
    }

    #[test]
    fn a_stored_role_takes_the_default_of_actions_added_since() {
        // A manager stored before `view_expected` existed, with one change of its own.
        let stored: BTreeMap<_, _> = [(Action::Reprint, Permission::ApprovalRequired)].into();
        let manager = Role::from_stored("manager", stored.clone());
        assert_eq!(manager.permission(Action::ViewExpected), Permission::Allowed);
        assert_eq!(manager.permission(Action::Reprint), Permission::ApprovalRequired, "what was stored stands");
        let cashier = Role::from_stored("cashier", BTreeMap::new());
        assert_eq!(cashier.permission(Action::ViewExpected), Permission::Denied);
        let custom = Role::from_stored("stock-taker", stored);
        assert_eq!(custom.permission(Action::ViewExpected), Permission::Denied, "an upgrade grants nothing");
        assert_eq!(custom.permissions.len(), 1);
    }
}
