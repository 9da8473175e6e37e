//! Returns and exchanges through the register service on a real SQLite file: where
//! refunds go, what a return without a receipt is worth, the catalog's own return
//! rules, and goods that arrived by an exchange.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use jiff::SignedDuration;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use till_domain::{CardDetails, Cart, Discount, Disposition, Money, ReturnPlanError, SaleRecord, Tender, TenderKind};
use till_register::{
    Authority, CheckoutError, FixedClock, NewStaff, RefundMethod, Register, RegisterError, ReturnPick, ReturnRequest,
    SeededIds, Settle,
};
use till_tests::{NOW, cash};

struct Shop {
    _dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    reg: Register,
    boss: Authority,
}

/// The demo register (its config as `edit` makes it) and a signed-in manager.
fn shop(edit: impl Fn(String) -> String) -> Shop {
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    let (dir, mut reg) = till_tests::demo_register(edit, clock.clone(), Box::new(SeededIds::new(11)));
    reg.add_staff(&mut Authority::setup(), &NewStaff { code: "1", name: "Boss", role: "manager", pin: "1234" })
        .unwrap();
    let boss = reg.authority(Some("1:1234"), &[]).unwrap();
    Shop { _dir: dir, clock, reg, boss }
}

fn card(amount: Decimal) -> Tender {
    Tender { kind: TenderKind::Card(CardDetails::new("VISA", "4242", "T-9").unwrap()), amount: Money::new(amount) }
}

impl Shop {
    fn sell(&mut self, codes: &[&str], tenders: &[Tender]) -> SaleRecord {
        let mut cart = Cart::new();
        for code in codes {
            self.reg.scan(&mut cart, code, None).unwrap();
        }
        self.reg.complete_sale(&cart, Settle::Tenders(tenders), &mut self.boss).unwrap()
    }

    fn request(receipt: Option<&SaleRecord>, picks: Vec<ReturnPick>) -> ReturnRequest {
        ReturnRequest {
            receipt: receipt.map(|s| s.receipt.to_string()),
            picks,
            reason: "changed_mind".into(),
            disposition: Disposition::Restock,
            override_note: None,
        }
    }

    fn give_back(&mut self, request: &ReturnRequest, method: RefundMethod) -> Result<SaleRecord, RegisterError> {
        let mut cart = Cart::new();
        self.reg.add_return(&mut cart, request)?;
        self.reg.complete_sale(&cart, Settle::Refund(method), &mut self.boss)
    }
}

/// (tender code, amount) of each payment.
fn payments(sale: &SaleRecord) -> Vec<(String, Decimal)> {
    sale.settlement.payments.iter().map(|p| (p.kind.code().to_string(), p.amount.amount())).collect()
}

#[test]
fn a_refund_to_the_original_tenders_goes_to_the_card_first_then_cash_each_capped() {
    let mut shop = shop(|c| c);
    // Hoodie 49.95 + tote 12.50 = 62.45: 30.00 on the card, the rest in cash.
    let sale = shop.sell(&["HOOD-M", "TOTE-1"], &[card(dec!(30)), cash(dec!(40))]);
    let first =
        shop.give_back(&Shop::request(Some(&sale), vec![ReturnPick::Line(1, None)]), RefundMethod::Original).unwrap();
    assert_eq!(payments(&first), [("card".into(), dec!(-30.00)), ("cash".into(), dec!(-19.95))]);
    // The card has nothing left: the tote goes back in cash.
    let second =
        shop.give_back(&Shop::request(Some(&sale), vec![ReturnPick::Line(2, None)]), RefundMethod::Original).unwrap();
    assert_eq!(payments(&second), [("cash".into(), dec!(-12.50))]);
    let nothing_left = shop.give_back(&Shop::request(Some(&sale), vec![ReturnPick::Line(2, None)]), RefundMethod::Cash);
    assert!(
        matches!(nothing_left, Err(ref e @ RegisterError::ReturnPlan(ReturnPlanError::NotThatMany { .. })) if e.to_string().contains("0 left to return")),
        "{nothing_left:?}"
    );
}

#[test]
fn goods_from_an_even_exchange_come_back_for_what_they_were_worth() {
    let mut shop = shop(|c| c);
    let sale = shop.sell(&["HOOD-M"], &[cash(dec!(50))]);
    // Hoodie M swapped for hoodie L: nothing to pay, nothing to refund.
    let mut cart = Cart::new();
    shop.reg.add_return(&mut cart, &Shop::request(Some(&sale), vec![ReturnPick::Line(1, None)])).unwrap();
    shop.reg.scan(&mut cart, "HOOD-L", None).unwrap();
    let exchange = shop.reg.complete_sale(&cart, Settle::Refund(RefundMethod::Cash), &mut shop.boss).unwrap();
    assert!(exchange.settlement.payments.is_empty());
    // Then hoodie L comes back too: its 49.95 was paid (by hoodie M), so 49.95 is refunded.
    let back =
        shop.give_back(&Shop::request(Some(&exchange), vec![ReturnPick::Line(2, None)]), RefundMethod::Cash).unwrap();
    assert_eq!(payments(&back), [("cash".into(), dec!(-49.95))]);
}

#[test]
fn without_a_receipt_the_refund_is_the_lowest_recent_price_as_store_credit() {
    let mut shop = shop(|c| c);
    // Sold at 5.00 (a price override) ten days ago; the shelf price is 9.99.
    let mut cart = Cart::new();
    let line = shop.reg.scan(&mut cart, "NOTE-A5", None).unwrap();
    cart.override_price(line, Money::new(dec!(5.00)), "shop-soiled").unwrap();
    shop.reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(5))]), &mut shop.boss).unwrap();
    shop.clock.advance(SignedDuration::from_hours(24 * 10));
    let request = Shop::request(None, vec![ReturnPick::Item("NOTE-A5".into(), dec!(1))]);
    let refused = shop.give_back(&request, RefundMethod::Cash);
    assert!(
        matches!(refused, Err(ref e @ RegisterError::ReturnPlan(ReturnPlanError::NoReceiptCreditOnly)) if e.to_string().contains("store credit")),
        "{refused:?}"
    );
    let back = shop.give_back(&request, RefundMethod::StoreCredit).unwrap();
    assert_eq!(payments(&back), [("store_credit".into(), dec!(-5.00))]);
    let TenderKind::StoreCredit(code) = &back.settlement.payments[0].kind else { panic!("not store credit") };
    assert_eq!(shop.reg.store_credit(code).unwrap(), Money::new(dec!(5.00)));

    // 91 days later the cheap sale is forgotten: the shelf price applies.
    shop.clock.advance(SignedDuration::from_hours(24 * 91));
    let later = shop.give_back(&request, RefundMethod::StoreCredit).unwrap();
    assert_eq!(payments(&later), [("store_credit".into(), dec!(-9.99))]);
}

#[test]
fn a_piece_given_free_by_a_promotion_is_not_worth_nothing_without_a_receipt() {
    let mut shop = shop(|c| c);
    // Three tees, "buy 2, get 1 free": one line at 0.00 after the promotion.
    shop.sell(&["TEE-S-BLK", "TEE-S-BLK", "TEE-S-BLK"], &[cash(dec!(40))]);
    let request = Shop::request(None, vec![ReturnPick::Item("TEE-S-BLK".into(), dec!(1))]);
    let back = shop.give_back(&request, RefundMethod::StoreCredit).unwrap();
    assert_eq!(payments(&back), [("store_credit".into(), dec!(-19.95))], "the shelf price it sold at");
}

#[test]
fn a_store_may_refund_returns_without_a_receipt_in_cash() {
    let mut shop = shop(|c| c.replace("no_receipt_refund = \"store_credit\"", "no_receipt_refund = \"any\""));
    let request = Shop::request(None, vec![ReturnPick::Item("TOTE-1".into(), dec!(2))]);
    let back = shop.give_back(&request, RefundMethod::Cash).unwrap();
    assert_eq!(payments(&back), [("cash".into(), dec!(-25.00))]);
}

#[test]
fn the_catalog_marks_final_sale_items_and_their_own_return_windows() {
    let mut shop = shop(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"type":"product","handle":"clearance-mug","title":"Clearance Mug","category":"Kitchen","final_sale":true,"variants":[{"sku":"MUG-CLR","price":"3.00","barcodes":["2000000000015"]}]}"#,
            "\n",
            r#"{"type":"product","handle":"swimsuit","title":"Swimsuit","category":"Swim","return_days":7,"variants":[{"sku":"SWIM-1","price":"30.00","barcodes":["2000000000022"]}]}"#,
            "\n"
        ),
    )
    .unwrap();
    let report = shop.reg.import_catalog(&file, &mut |_| {}).unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let sale = shop.sell(&["MUG-CLR", "SWIM-1"], &[cash(dec!(40))]);
    shop.clock.advance(SignedDuration::from_hours(24 * 8));
    for line in [1, 2] {
        let refused =
            shop.give_back(&Shop::request(Some(&sale), vec![ReturnPick::Line(line, None)]), RefundMethod::Cash);
        assert!(
            matches!(refused, Err(RegisterError::Checkout(CheckoutError::ReturnRefused { .. }))),
            "line {line}: {refused:?}"
        );
    }
    let message = shop
        .give_back(&Shop::request(Some(&sale), vec![ReturnPick::Line(2, None)]), RefundMethod::Cash)
        .unwrap_err()
        .to_string();
    assert!(message.contains("7 days"), "{message}");
    // A manager's note overrides the rule, and the note stays on the return line.
    let mut request = Shop::request(Some(&sale), vec![ReturnPick::Line(1, None)]);
    request.override_note = Some("wrong item picked at the shelf".into());
    let back = shop.give_back(&request, RefundMethod::Cash).unwrap();
    let note = back.cart.lines[0].returning.as_ref().unwrap().override_note.clone();
    assert_eq!(note.as_deref(), Some("wrong item picked at the shelf"));
}

#[test]
fn an_order_discount_is_refunded_as_it_was_spread() {
    let mut shop = shop(|c| c);
    let mut cart = Cart::new();
    shop.reg.scan(&mut cart, "HOOD-M", None).unwrap();
    shop.reg.scan(&mut cart, "TOTE-1", None).unwrap();
    cart.discount_order(Discount::Amount(Money::new(dec!(6.24)))).unwrap();
    let sale = shop.reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(60))]), &mut shop.boss).unwrap();
    let line_totals: Vec<Decimal> = sale.cart.lines.iter().map(|l| l.total.amount()).collect();
    let mut refunded = Decimal::ZERO;
    for line in [1, 2] {
        let back = shop
            .give_back(&Shop::request(Some(&sale), vec![ReturnPick::Line(line, None)]), RefundMethod::Original)
            .unwrap();
        assert_eq!(back.cart.total.amount(), -line_totals[line as usize - 1], "line {line} refunds what it cost");
        refunded -= back.settlement.collected().unwrap().amount();
    }
    assert_eq!(refunded, sale.settlement.collected().unwrap().amount());
}

/// Goods back for a [`till_register::ReturnDocument`].
fn goods(pick: ReturnPick, reason: &str, disposition: Disposition) -> till_register::ReturnedGoods {
    till_register::ReturnedGoods { pick, reason: reason.into(), disposition }
}

#[test]
fn a_return_document_keeps_each_lines_reason_quotes_the_refund_methods_and_commits_once_per_key() {
    let mut shop = shop(|c| c.replace(r#"{ Kitchen = "10" }"#, r#"{ Kitchen = "10", Bags = "10" }"#));
    let sale = shop.sell(&["CUPS-SET", "TOTE-1"], &[cash(dec!(40))]);
    let doc = till_register::ReturnDocument {
        receipt: Some(sale.receipt.to_string()),
        goods: vec![
            goods(ReturnPick::Line(1, None), "changed_mind", Disposition::Restock),
            goods(ReturnPick::Line(2, None), "defective", Disposition::Damaged),
        ],
        override_note: None,
        new_items: vec![],
    };
    let quote = shop.reg.quote_return(&shop.boss, &doc).unwrap();
    assert_eq!(quote.settlement, till_domain::ExchangeSettlement::Refund);
    assert_eq!(quote.refund_methods, [RefundMethod::Original, RefundMethod::Cash, RefundMethod::StoreCredit]);
    // 24.00 less a 10 % fee (changed mind), 12.50 whole (defective: the shop's fault).
    assert_eq!(quote.priced.total.amount(), dec!(-34.10));

    let key = "6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
    let back = shop.reg.complete_return(Some(key), &doc, &[], RefundMethod::Cash, &mut shop.boss).unwrap();
    let returning: Vec<_> = back.cart.lines.iter().filter_map(|l| l.returning.as_ref()).collect();
    let seen: Vec<_> = returning.iter().map(|r| (r.reason.as_str(), r.fee_percent, r.disposition)).collect();
    assert_eq!(seen, [("changed_mind", dec!(10), Disposition::Restock), ("defective", dec!(0), Disposition::Damaged)]);
    assert_eq!(payments(&back), [("cash".into(), dec!(-34.10))]);
    // The same key again (an answer lost on its way): the same document, nothing twice.
    let again = shop.reg.complete_return(Some(key), &doc, &[], RefundMethod::Cash, &mut shop.boss).unwrap();
    assert_eq!(again.id, back.id);

    // Without a receipt the rules allow store credit only; an exchange quotes what is due.
    let no_receipt = till_register::ReturnDocument {
        receipt: None,
        goods: vec![goods(ReturnPick::Item("TOTE-1".into(), dec!(1)), "changed_mind", Disposition::Restock)],
        override_note: None,
        new_items: vec!["HOOD-M".into()],
    };
    let quote = shop.reg.quote_return(&shop.boss, &no_receipt).unwrap();
    assert_eq!(quote.refund_methods, [RefundMethod::StoreCredit]);
    assert_eq!(quote.settlement, till_domain::ExchangeSettlement::Pay);
    let nobody = Authority::setup();
    assert!(shop.reg.quote_return(&nobody, &no_receipt).is_err(), "a quote needs someone signed in");
}
