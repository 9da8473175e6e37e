//! The rules a register only calls: which actions in a cart need permission, where a
//! refund may go, how much of a line comes back, how an exchange settles.
#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use till_domain::*;

fn now() -> Timestamp {
    "2026-11-27T10:00:00Z".parse().unwrap()
}

fn item(sku: &str, price: Decimal) -> Item {
    Item {
        sku: sku.into(),
        name: format!("Item {sku}"),
        category: Some("Tees".into()),
        price: Money::new(price),
        price_source: PriceSource::Base,
        cost: None,
        unit: Unit::Each,
        tax_class: TaxClass { name: "standard".into(), rate: dec!(21) },
        components: vec![],
    }
}

fn each(n: u32) -> Quantity {
    Quantity::new(Decimal::from(n), Unit::Each).unwrap()
}

fn price(cart: &Cart) -> PricedCart {
    let policy = TaxPolicy {
        basis: PriceBasis::TaxInclusive,
        rounding: TaxRounding::PerLine,
        mode: RoundingMode::HalfUp,
        minor_units: 2,
    };
    price_cart(cart, &PricingContext { policy, promotions: &[], now: now() }).unwrap()
}

fn limits() -> ApprovalLimits {
    ApprovalLimits { discount_percent: dec!(10), refund: Money::new(dec!(100)) }
}

fn actions(cart: &Cart) -> Vec<(Action, String)> {
    sensitive_actions(cart, &price(cart), &limits()).unwrap().into_iter().map(|a| (a.action, a.detail)).collect()
}

fn returning(original: bool, refund: Decimal, note: Option<&str>) -> ReturnLine {
    ReturnLine {
        original: original.then(|| OriginalLine { sale_id: "s1".into(), receipt: "R1-000001".into(), seq: 1, line: 2 }),
        refund: Money::new(refund),
        fee_percent: Decimal::ZERO,
        reason: "changed_mind".into(),
        disposition: Disposition::Restock,
        override_note: note.map(str::to_string),
    }
}

#[test]
fn a_plain_cart_holds_no_sensitive_action() {
    let mut cart = Cart::new();
    cart.add(item("a", dec!(10)), each(2)).unwrap();
    cart.discount_line(LineId(1), Discount::Percent(dec!(10))).unwrap(); // at the limit, not above
    assert_eq!(actions(&cart), vec![]);
}

#[test]
fn each_sensitive_change_is_named_with_the_words_its_audit_record_keeps() {
    let mut cart = Cart::new();
    cart.add(item("a", dec!(10)), each(1)).unwrap();
    cart.add(item("b", dec!(20)), each(1)).unwrap();
    cart.add(item("c", dec!(30)), each(1)).unwrap();
    cart.void_line(LineId(1)).unwrap();
    cart.override_price(LineId(2), Money::new(dec!(15)), "scuffed").unwrap();
    cart.discount_line(LineId(3), Discount::Amount(Money::new(dec!(3.01)))).unwrap();
    cart.discount_order(Discount::Percent(dec!(12))).unwrap();
    assert_eq!(
        actions(&cart),
        vec![
            (Action::VoidLine, "voided line 1 (a x 1)".to_string()),
            (Action::PriceOverride, "line 2 (b): 15 instead of 20: scuffed".to_string()),
            (Action::DiscountAboveThreshold, "line 3 (c): 3.01 off 30.00".to_string()),
            (Action::DiscountAboveThreshold, "order: 5.04 off 45.00".to_string()),
        ]
    );
}

#[test]
fn an_amount_discount_at_the_limit_needs_nobody() {
    let mut cart = Cart::new();
    cart.add(item("c", dec!(30)), each(1)).unwrap();
    cart.discount_line(LineId(1), Discount::Amount(Money::new(dec!(3.00)))).unwrap();
    assert_eq!(actions(&cart), vec![]);
}

#[test]
fn returns_without_receipt_against_the_rules_and_big_refunds_are_sensitive() {
    let mut cart = Cart::new();
    cart.add_return(item("a", dec!(80)), each(1), returning(false, dec!(80), None)).unwrap();
    cart.add_return(item("b", dec!(40)), each(1), returning(true, dec!(40), Some("regular customer"))).unwrap();
    assert_eq!(
        actions(&cart),
        vec![
            (Action::ReturnWithoutReceipt, "1 x a without a receipt, refund 80".to_string()),
            (Action::ReturnOverride, "b from R1-000001 line 2: regular customer".to_string()),
            (Action::RefundAboveAmount, "refund of 120".to_string()),
        ]
    );
}

#[test]
fn a_refund_to_the_original_tenders_goes_to_cards_first_each_capped_at_what_it_has_left() {
    let card = TenderKind::Card(CardDetails::new("VISA", "4242", "").unwrap());
    let paid = |kind: &TenderKind, amount: Decimal| Payment {
        kind: kind.clone(),
        amount: Money::new(amount),
        tendered: Money::new(amount),
    };
    let settlement = Settlement {
        total: Money::new(dec!(50.00)),
        cash_rounding: Money::ZERO,
        payments: vec![paid(&TenderKind::Cash, dec!(20.00)), paid(&card, dec!(30.00))],
        change: Money::ZERO,
    };
    let refunded = [paid(&card, dec!(-12.50))];
    let source = RefundSource { kind: DocumentKind::Sale, settlement: &settlement, refunded: &refunded };
    let targets = refund_targets(RefundMethod::Original, Some(&source), || unreachable!()).unwrap();
    assert_eq!(
        targets,
        vec![
            RefundTarget { kind: card.clone(), limit: Some(Money::new(dec!(17.50))) },
            RefundTarget { kind: TenderKind::Cash, limit: Some(Money::new(dec!(20.00))) },
        ]
    );
    assert_eq!(source.ceiling().unwrap(), Some(Money::new(dec!(37.50))));
    let exchange = RefundSource { kind: DocumentKind::Exchange, ..source };
    assert_eq!(exchange.ceiling().unwrap(), None, "an exchange's new goods were paid partly by what came back");
}

#[test]
fn a_refund_to_the_original_tender_needs_the_receipt_and_only_store_credit_draws_a_code() {
    assert_eq!(refund_targets(RefundMethod::Original, None, || unreachable!()), Err(TenderError::OriginalNeedsReceipt));
    assert_eq!(
        refund_targets(RefundMethod::Cash, None, || unreachable!()).unwrap(),
        vec![RefundTarget { kind: TenderKind::Cash, limit: None }]
    );
    assert_eq!(
        refund_targets(RefundMethod::StoreCredit, None, || "SC-CODE".into()).unwrap(),
        vec![RefundTarget { kind: TenderKind::StoreCredit("SC-CODE".into()), limit: None }]
    );
    for (text, method) in
        [("original", RefundMethod::Original), ("cash", RefundMethod::Cash), ("credit", RefundMethod::StoreCredit)]
    {
        assert_eq!(text.parse::<RefundMethod>().unwrap(), method);
        assert_eq!(method.as_str(), text);
    }
    assert!("cheque".parse::<RefundMethod>().unwrap_err().contains("unknown refund method 'cheque'"));
}

#[test]
fn without_a_receipt_the_rules_may_allow_store_credit_only() {
    let mut rules = ReturnRules::default();
    assert_eq!(rules.check_refund_method(true, RefundMethod::Cash), Err(ReturnPlanError::NoReceiptCreditOnly));
    assert_eq!(rules.check_refund_method(true, RefundMethod::StoreCredit), Ok(()));
    assert_eq!(rules.check_refund_method(false, RefundMethod::Cash), Ok(()));
    rules.no_receipt_refund = NoReceiptRefund::Any;
    assert_eq!(rules.check_refund_method(true, RefundMethod::Cash), Ok(()));
    assert_eq!(rules.check_reason("defective"), Ok(()));
    let refused = rules.check_reason("bored").unwrap_err();
    assert_eq!(
        refused.to_string(),
        "reason 'bored' is not one of the store's reasons (changed_mind, defective, wrong_size, not_as_described)"
    );
}

#[test]
fn a_line_comes_back_at_most_as_often_as_it_was_sold() {
    let mut cart = Cart::new();
    cart.add(item("a", dec!(3.33)), each(3)).unwrap();
    let line = &price(&cart).lines[0];
    let all = plan_line_return("R1-000001", line, Decimal::ZERO, None, RoundingMode::HalfUp, 2).unwrap();
    assert_eq!((all.quantity, all.refund), (each(3), Money::new(dec!(9.99))));
    let refused = plan_line_return("R1-000001", line, dec!(2), Some(dec!(2)), RoundingMode::HalfUp, 2).unwrap_err();
    assert_eq!(
        refused,
        ReturnPlanError::NotThatMany {
            receipt: "R1-000001".into(),
            line: 1,
            left: dec!(1),
            sold: each(3),
            returned: dec!(2)
        }
    );
    assert_eq!(refused.to_string(), "line 1 of R1-000001: 1 left to return (3 sold, 2 returned)");
    let none_left = plan_line_return("R1-000001", line, dec!(3), None, RoundingMode::HalfUp, 2).unwrap_err();
    assert!(none_left.to_string().contains("0 left to return"), "{none_left}");
}

#[test]
fn without_a_receipt_the_refund_is_the_lowest_recent_price_never_above_todays() {
    let eur = Currency::from_code("EUR").unwrap();
    let q = each(2);
    let refund = |recent: Option<Decimal>| {
        no_receipt_refund(Money::new(dec!(19.99)), recent.map(Money::new), q, &eur, RoundingMode::HalfUp).unwrap()
    };
    assert_eq!(refund(None), Money::new(dec!(39.98)));
    assert_eq!(refund(Some(dec!(14.995))), Money::new(dec!(29.99)));
    assert_eq!(refund(Some(dec!(24.00))), Money::new(dec!(39.98)), "never above today's price");
    let rules = ReturnRules::default();
    assert_eq!(rules.no_receipt_price_since(now()), "2026-08-29T10:00:00Z".parse::<Timestamp>().unwrap());
}

#[test]
fn an_exchange_settles_by_what_it_comes_to_and_refuses_tenders_when_nothing_is_due() {
    let m = |d: Decimal| Money::new(d);
    assert_eq!(exchange_settlement(m(dec!(5)), true), Ok(ExchangeSettlement::Pay));
    assert_eq!(exchange_settlement(m(dec!(5)), false), Ok(ExchangeSettlement::Pay));
    assert_eq!(exchange_settlement(m(dec!(0)), false), Ok(ExchangeSettlement::Even));
    assert_eq!(exchange_settlement(m(dec!(-5)), false), Ok(ExchangeSettlement::Refund));
    let even = exchange_settlement(m(dec!(0)), true).unwrap_err();
    assert_eq!(even.to_string(), "tenders given, but nothing is due: nothing is owed either way");
    let owed = exchange_settlement(m(dec!(-5.00)), true).unwrap_err();
    assert_eq!(owed.to_string(), "tenders given, but nothing is due: 5.00 goes back");
}

#[test]
fn a_payment_preview_says_what_cash_rounding_will_make_of_the_rest_and_of_the_change() {
    let m = |d: Decimal| Money::new(d);
    let rounding = Some(CashRounding { increment: dec!(0.05), mode: RoundingMode::HalfUp });
    let cash = |d: Decimal| Tender { kind: TenderKind::Cash, amount: m(d) };
    let card = |d: Decimal| Tender { kind: TenderKind::Card(CardDetails::new("", "", "").unwrap()), amount: m(d) };
    // Nothing tendered: 7.69 to pay, 7.70 if it is paid in cash.
    let none = preview_tenders(m(dec!(7.69)), &[], rounding, 2).unwrap();
    assert_eq!((none.remaining, none.remaining_in_cash, none.change), (m(dec!(7.69)), m(dec!(7.70)), Money::ZERO));
    // 5 in cash: the rest in cash is 2.70 (not 2.69), as the register will settle it.
    let part = preview_tenders(m(dec!(7.69)), &[cash(dec!(5))], rounding, 2).unwrap();
    assert_eq!((part.due, part.remaining, part.remaining_in_cash), (m(dec!(7.70)), m(dec!(2.70)), m(dec!(2.70))));
    // 10 in cash: covered; the change is 2.30 — never "over 2.31".
    let over = preview_tenders(m(dec!(7.69)), &[cash(dec!(10))], rounding, 2).unwrap();
    assert_eq!((over.remaining, over.change, over.tendered), (Money::ZERO, m(dec!(2.30)), m(dec!(10))));
    // A card pays exactly; the rest in cash is rounded.
    let split = preview_tenders(m(dec!(7.69)), &[card(dec!(3))], rounding, 2).unwrap();
    assert_eq!((split.remaining, split.remaining_in_cash), (m(dec!(4.69)), m(dec!(4.70))));
    assert!(matches!(
        preview_tenders(m(dec!(7.69)), &[card(dec!(8))], rounding, 2),
        Err(TenderError::NonCashOverpays { .. })
    ));
}

proptest! {
    /// A preview that says "covered" is exactly what settling does: the same change.
    #[test]
    fn a_covered_preview_has_the_change_settling_gives(cents in 1i64..100_000, paid in 1i64..200_000) {
        let rounding = Some(CashRounding { increment: dec!(0.05), mode: RoundingMode::HalfUp });
        let total = Money::new(Decimal::new(cents, 2));
        let tenders = [Tender { kind: TenderKind::Cash, amount: Money::new(Decimal::new(paid, 2)) }];
        let preview = preview_tenders(total, &tenders, rounding, 2).unwrap();
        match settle(total, &tenders, rounding, 2) {
            Ok(s) => prop_assert_eq!((preview.change, preview.remaining), (s.change, Money::ZERO)),
            Err(TenderError::Underpaid { short, .. }) => {
                prop_assert_eq!(preview.remaining, short);
                prop_assert_eq!(preview.remaining, preview.remaining_in_cash);
            }
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    /// However a line is returned in parts, the parts' refunds add up to what it cost and
    /// the last part leaves nothing to return.
    #[test]
    fn a_line_returned_in_parts_refunds_exactly_what_it_cost(
        cents in 1i64..100_000,
        sold in 1u32..20,
        parts in prop::collection::vec(1u32..5, 1..8),
    ) {
        let mut cart = Cart::new();
        cart.add(item("a", Decimal::new(cents, 2)), each(sold)).unwrap();
        let line = price(&cart).lines[0].clone();
        let mut returned = Decimal::ZERO;
        let mut refunded = Money::ZERO;
        for part in parts {
            let left = Decimal::from(sold) - returned;
            let wanted = Decimal::from(part).min(left);
            if wanted.is_zero() {
                break;
            }
            let r = plan_line_return("R1-000001", &line, returned, Some(wanted), RoundingMode::HalfUp, 2).unwrap();
            returned += r.quantity.value();
            refunded = refunded.checked_add(r.refund).unwrap();
        }
        if returned < Decimal::from(sold) {
            let rest = plan_line_return("R1-000001", &line, returned, None, RoundingMode::HalfUp, 2).unwrap();
            refunded = refunded.checked_add(rest.refund).unwrap();
            returned += rest.quantity.value();
        }
        prop_assert_eq!(refunded, line.total);
        let over = plan_line_return("R1-000001", &line, returned, None, RoundingMode::HalfUp, 2);
        prop_assert!(matches!(over, Err(ReturnPlanError::NotThatMany { .. })), "nothing is left: {over:?}");
    }

    /// The original tenders never take back more than each paid, less what it got back.
    #[test]
    fn original_tender_limits_never_exceed_what_each_tender_has_left(
        cash in 0i64..10_000,
        card in 0i64..10_000,
        back_cash in 0i64..10_000,
        back_card in 0i64..10_000,
    ) {
        let kinds = [TenderKind::Cash, TenderKind::Card(CardDetails::new("", "", "").unwrap())];
        let pay = |k: &TenderKind, c: i64| Payment { kind: k.clone(), amount: Money::new(Decimal::new(c, 2)), tendered: Money::new(Decimal::new(c, 2)) };
        let settlement = Settlement {
            total: Money::new(Decimal::new(cash + card, 2)),
            cash_rounding: Money::ZERO,
            payments: vec![pay(&kinds[0], cash), pay(&kinds[1], card)],
            change: Money::ZERO,
        };
        let refunded = [pay(&kinds[0], -back_cash.min(cash)), pay(&kinds[1], -back_card.min(card))];
        let source = RefundSource { kind: DocumentKind::Sale, settlement: &settlement, refunded: &refunded };
        let targets = refund_targets(RefundMethod::Original, Some(&source), || unreachable!()).unwrap();
        for (kind, paid, back) in [(&kinds[0], cash, back_cash.min(cash)), (&kinds[1], card, back_card.min(card))] {
            let limit = targets.iter().filter(|t| &t.kind == kind).filter_map(|t| t.limit).map(|m| m.amount()).sum::<Decimal>();
            prop_assert_eq!(limit, Decimal::new(paid - back, 2));
        }
        prop_assert!(targets.last().is_none_or(|t| t.kind == TenderKind::Cash || targets.iter().all(|t| t.kind != TenderKind::Cash)));
    }

    /// A cart without overrides, voids, returns or discounts never asks for a manager.
    #[test]
    fn a_cart_of_plain_scans_needs_no_approval(prices in prop::collection::vec((1i64..100_000, 1u32..5), 1..10)) {
        let mut cart = Cart::new();
        for (i, (cents, n)) in prices.iter().enumerate() {
            cart.add(item(&format!("sku{i}"), Decimal::new(*cents, 2)), each(*n)).unwrap();
        }
        prop_assert!(actions(&cart).is_empty());
    }
}
