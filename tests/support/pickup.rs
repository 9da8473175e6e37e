//! Online orders at a store, for the end-to-end tests (`pickup.rs`, `mail.rs`): a WAN
//! between the stores and HQ that can be cut, registers of a store enrolled through it,
//! Shopify pickup orders delivered to HQ, and the commands' JSON.

use serde_json::Value;

use crate::chain::{AMSTERDAM, Chain, body, shopify_order};
use crate::proxy::{Chaos, Proxy};
use crate::{TempRegister, stderr, stdout};

/// The WAN between the stores and HQ: a loopback proxy that can be cut.
pub struct Wan(pub Proxy);

impl Wan {
    /// The WAN to the chain's HQ, up.
    pub fn up(chain: &Chain) -> Wan {
        Wan::to(&chain.hq.url)
    }

    /// The WAN to the HQ at `url`, up.
    pub fn to(url: &str) -> Wan {
        Wan(Proxy::start(url, Chaos::default(), 7))
    }

    /// Cuts it: every request from a store is dropped.
    pub fn cut(&self) {
        self.0.set_chaos(Chaos { drop_request: 1000, ..Chaos::default() });
    }

    /// Brings it back.
    pub fn restore(&self) {
        self.0.set_chaos(Chaos::default());
    }
}

/// A register of `store` enrolled with HQ through the WAN, on the real clock (HQ signs
/// tokens on its clock; a pinned register clock would be raised as skew).
pub fn register(chain: &Chain, wan: &Wan, store: &str, code: &str) -> TempRegister {
    register_with(chain, wan, store, code, "")
}

/// [`register`] with `extra` appended to its configuration (a `[mail]` section).
pub fn register_with(chain: &Chain, wan: &Wan, store: &str, code: &str, extra: &str) -> TempRegister {
    let mut reg = TempRegister::demo_with_staff_edit(|c| {
        let c = c
            .replace("store = \"AMS-01\"", &format!("store = \"{store}\""))
            .replace("register = \"R1\"", &format!("register = \"{code}\""))
            .replace("location = \"AMS-01-floor\"", &format!("location = \"{store}-floor\""));
        format!("{c}\n{extra}")
    });
    reg.now = Some(jiff::Timestamp::now().to_string());
    let token = chain.hq.token(store, code);
    // Enrolling is the manager's (configure_sync).
    let out = reg.till(&["enroll", "--staff", "1:1234", "--hq", &wan.0.url, "--token", &token]);
    assert!(out.status.success(), "enroll {store}/{code}: {}", stderr(&out));
    sync(&reg);
    reg
}

pub fn sync(reg: &TempRegister) {
    let out = reg.till(&["sync"]);
    assert!(out.status.success(), "sync: {}{}", stdout(&out), stderr(&out));
}

/// Runs `till ARGS --json` expecting failure; returns the error's code and message.
pub fn refused(reg: &TempRegister, args: &[&str]) -> (String, String) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = reg.till(&all);
    assert!(!out.status.success(), "till {args:?} should fail: {}", stdout(&out));
    let err: Value = serde_json::from_str(stdout(&out).trim()).unwrap_or(Value::Null);
    (err["error"]["code"].as_str().unwrap_or("").to_string(), format!("{}{}", stdout(&out), stderr(&out)))
}

/// The customer's pickup token for order `order`, as HQ issues it.
pub fn token(chain: &Chain, order: &str) -> String {
    chain.hq.admin_json(&["order", "token", order])["token"].as_str().unwrap().to_string()
}

/// Order `id` as HQ shows it, with its history.
pub fn order(chain: &Chain, id: &str) -> Value {
    chain.hq.admin_json(&["order", "show", id])
}

/// Delivers Shopify order `id` for pickup at Amsterdam Centraal; returns HQ's order id.
pub fn deliver_pickup(chain: &Chain, id: u64, lines: &[(&str, u32)]) -> String {
    deliver_pickup_with(chain, id, lines, |_| {})
}

/// [`deliver_pickup`] with the Shopify order changed by `edit` first.
pub fn deliver_pickup_with(chain: &Chain, id: u64, lines: &[(&str, u32)], edit: impl FnOnce(&mut Value)) -> String {
    let mut o = shopify_order(id, lines, AMSTERDAM, Some("Amsterdam Centraal"));
    edit(&mut o);
    let (status, answer) = chain.deliver("orders/create", &format!("wh-{id}"), &body(&o));
    assert_eq!(status, 200, "{answer}");
    format!("shopify:{id}")
}
