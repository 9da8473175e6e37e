//! Seeded randomised tests of the money a day moves, through the real register on real
//! SQLite files: refunds never exceed what each tender paid; stock after a sale and its
//! restocked return is what it was; X and then Z add up to the session's receipts; and
//! over/short is counted − expected.
//!
//! Each case starts from a copy of one demo register made once per run. The cases come
//! from a fixed seed, so CI runs the same ones every time; `PROPTEST_CASES=N` runs more
//! and `PROPTEST_RNG_SEED=N` other ones. Failing cases are shrunk and printed.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use till_domain::{CardDetails, Cart, CashCount, Disposition, Money, ReturnPlanError, SaleRecord, Tender, TenderKind};
use till_register::{
    Authority, Count, DrawerMove, FixedClock, RefundMethod, Register, RegisterError, ReturnPick, ReturnRequest,
    SeededIds, Settle,
};
use till_tests::{DEMO_SKUS as SKUS, NOW};

/// `cases` cases from the fixed seed, unless the environment asks for others.
/// The demo register, made once; each case works on a copy of its file.
fn template() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
        let (dir, mut reg) = till_tests::demo_register(|c| c, clock, Box::new(SeededIds::new(0)));
        let db = dir.path().join(till_register::DATABASE_FILE);
        let manager = till_register::NewStaff { code: "1", name: "Maria", role: "manager", pin: "1234" };
        reg.add_staff(&mut Authority::setup(), &manager).unwrap();
        drop(reg); // checkpoints: the copy below is the whole register
        (dir, db)
    })
    .1
}

/// A copy of the demo register, with its manager signed in.
fn fresh(seed: u64) -> (tempfile::TempDir, Register, Authority) {
    let dir = tempfile::tempdir().unwrap();
    // The whole register: its database and the PIN pepper kept beside it.
    let from = template().parent().unwrap();
    for file in [till_register::DATABASE_FILE, till_register::PEPPER_FILE] {
        std::fs::copy(from.join(file), dir.path().join(file)).unwrap();
    }
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    let mut reg = Register::open(dir.path(), clock, Box::new(SeededIds::new(seed))).unwrap();
    let manager = reg.authority(Some("1:1234"), &[]).unwrap();
    (dir, reg, manager)
}

/// A sale: items (index into [`SKUS`], pieces) and how it is paid: the percentage put
/// on a card, the percentage of the rest on a voucher, and whole euros of cash over.
#[derive(Debug, Clone)]
struct SaleSpec {
    items: Vec<(usize, u32)>,
    card_percent: u32,
    voucher_percent: u32,
    cash_over: u32,
}

fn sale_spec() -> impl Strategy<Value = SaleSpec> {
    (prop::collection::vec((0..SKUS.len(), 1u32..=3), 1..=5), 0u32..=100, 0u32..=100, 0u32..=20).prop_map(
        |(items, card_percent, voucher_percent, cash_over)| SaleSpec {
            items,
            card_percent,
            voucher_percent,
            cash_over,
        },
    )
}

fn percent_of(amount: Money, percent: u32) -> Money {
    Money::new((amount.amount() * Decimal::from(percent) / dec!(100)).round_dp(2))
}

/// Rings up and pays a sale as `spec` says.
fn sell(reg: &mut Register, auth: &mut Authority, spec: &SaleSpec) -> SaleRecord {
    let mut cart = Cart::new();
    for &(i, pieces) in &spec.items {
        reg.scan(&mut cart, SKUS[i], Some(Decimal::from(pieces))).unwrap();
    }
    let total = reg.price(&cart).unwrap().total;
    let card = percent_of(total, spec.card_percent);
    let voucher = percent_of(total.checked_sub(card).unwrap(), spec.voucher_percent);
    let rest = total.checked_sub(card).unwrap().checked_sub(voucher).unwrap();
    let mut tenders = Vec::new();
    if !card.is_zero() {
        let kind = TenderKind::Card(CardDetails::new("VISA", "4242", "T1").unwrap());
        tenders.push(Tender { kind, amount: card });
    }
    if !voucher.is_zero() {
        tenders.push(Tender { kind: TenderKind::Custom("voucher".into()), amount: voucher });
    }
    if !rest.is_zero() {
        // Notes and coins: the rest rounded up to the 5 cents Dutch cash comes in.
        let coins = (rest.amount() * dec!(20)).ceil() / dec!(20);
        let cash = Money::new(coins + Decimal::from(spec.cash_over));
        tenders.push(Tender { kind: TenderKind::Cash, amount: cash });
    }
    reg.complete_sale(&cart, Settle::Tenders(&tenders), auth).unwrap()
}

/// Σ payment amounts per tender code.
fn by_tender(sale: &SaleRecord) -> BTreeMap<String, Money> {
    let mut sums = BTreeMap::new();
    for p in &sale.settlement.payments {
        let sum = sums.entry(p.kind.code().to_string()).or_insert(Money::ZERO);
        *sum = sum.checked_add(p.amount).unwrap();
    }
    sums
}

/// One return off the receipt: (which of its lines, pieces wanted) and the refund method.
type ReturnSpec = (Vec<(usize, u32)>, u8, bool);

fn return_spec() -> impl Strategy<Value = ReturnSpec> {
    (prop::collection::vec((0usize..5, 1u32..=3), 1..=3), 0u8..3, any::<bool>())
}

proptest! {
    #![proptest_config(till_tests::proptest_config(48))]

    #[test]
    fn refunds_never_exceed_what_each_tender_paid_and_restocked_returns_restore_stock(
        seed in any::<u64>(),
        spec in sale_spec(),
        returns in prop::collection::vec(return_spec(), 1..=4),
    ) {
        let (_dir, mut reg, mut auth) = fresh(seed);
        // What one piece of each SKU moves in stock: itself, or a bundle's components.
        let moves = |reg: &Register, sku: &str| -> Vec<(String, Decimal)> {
            let item = reg.lookup(sku).unwrap();
            if item.components.is_empty() {
                vec![(item.sku, Decimal::ONE)]
            } else {
                item.components.into_iter().map(|c| (c.sku, c.quantity)).collect()
            }
        };
        let stocked: Vec<String> =
            spec.items.iter().flat_map(|&(i, _)| moves(&reg, SKUS[i])).map(|(sku, _)| sku).collect();
        let stock_before: BTreeMap<String, Decimal> =
            stocked.iter().map(|s| (s.clone(), reg.stock(s).unwrap())).collect();
        let sale = sell(&mut reg, &mut auth, &spec);
        let paid = by_tender(&sale);
        let lines: Vec<(u32, String, Decimal)> =
            sale.cart.lines.iter().map(|l| (l.id.0, l.sku.clone(), l.quantity.value())).collect();
        let mut left: Vec<Decimal> = lines.iter().map(|l| l.2).collect();
        let mut restocked: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut refunded_original: BTreeMap<String, Money> = BTreeMap::new();
        let mut refunded = Money::ZERO;
        let mut completed = 0u32;
        // Restocking fees kept back (the demo charges 10% on Kitchen goods).
        let mut fees = Money::ZERO;

        for (picks, method, damaged) in returns {
            let method = [RefundMethod::Original, RefundMethod::Cash, RefundMethod::StoreCredit][usize::from(method)];
            let disposition = if damaged { Disposition::Damaged } else { Disposition::Restock };
            let mut wanted: BTreeMap<usize, Decimal> = BTreeMap::new();
            for (i, pieces) in picks {
                *wanted.entry(i % lines.len()).or_default() += Decimal::from(pieces);
            }
            // Asking for more than is left is refused, and changes nothing.
            let too_many = wanted.iter().find(|(i, q)| **q > left[**i]);
            let mut cart = Cart::new();
            let request = |picks: Vec<ReturnPick>| ReturnRequest {
                receipt: Some(sale.receipt.to_string()),
                picks,
                reason: "changed_mind".into(),
                disposition,
                override_note: None,
            };
            if let Some((&i, _)) = too_many {
                let err = reg.add_return(&mut cart, &request(vec![ReturnPick::Line(lines[i].0, Some(wanted[&i]))]));
                prop_assert!(
                    matches!(err, Err(ref e @ RegisterError::ReturnPlan(ReturnPlanError::NotThatMany { .. })) if e.to_string().contains("left to return")),
                    "{err:?}"
                );
                continue;
            }
            let picks = wanted.iter().map(|(&i, &q)| ReturnPick::Line(lines[i].0, Some(q))).collect();
            reg.add_return(&mut cart, &request(picks)).unwrap();
            let back = reg.complete_sale(&cart, Settle::Refund(method), &mut auth).unwrap();
            completed += 1;
            // A fee is a negative discount on a refund.
            fees = fees.checked_sub(back.cart.discount_total).unwrap();
            for (&i, &q) in &wanted {
                left[i] -= q;
                if !damaged {
                    *restocked.entry(lines[i].1.clone()).or_default() += q;
                }
            }
            for p in &back.settlement.payments {
                prop_assert!(p.amount.is_negative() || p.amount.is_zero(), "a refund pays out: {p:?}");
                refunded = refunded.checked_add(p.amount.negated()).unwrap();
                if method == RefundMethod::Original {
                    let sum = refunded_original.entry(p.kind.code().to_string()).or_insert(Money::ZERO);
                    *sum = sum.checked_add(p.amount.negated()).unwrap();
                }
            }
        }

        for (tender, back) in &refunded_original {
            let had = paid.get(tender).copied().unwrap_or(Money::ZERO);
            prop_assert!(*back <= had, "{tender}: refunded {back} to the original tender, which paid {had}");
        }
        let collected = sale.settlement.collected().unwrap();
        prop_assert!(refunded <= collected, "refunded {refunded} in all of a sale that collected {collected}");
        if left.iter().all(Decimal::is_zero) {
            // Everything came back: all that was collected is refunded but the restocking
            // fees, give or take a few cents of cash rounding per refund.
            let gap = collected.checked_sub(refunded).unwrap().checked_sub(fees).unwrap().amount();
            prop_assert!(
                gap.abs() < dec!(0.05) * Decimal::from(completed),
                "all returned, but {refunded} of {collected} refunded ({fees} in fees)"
            );
        }
        let mut expected = stock_before.clone();
        for (sku, sold) in lines.iter().map(|l| (&l.1, l.2)) {
            let back = restocked.get(sku).copied().unwrap_or_default();
            for (stocked, per_piece) in moves(&reg, sku) {
                *expected.get_mut(&stocked).unwrap() += (back - sold) * per_piece;
            }
        }
        for (sku, quantity) in expected {
            prop_assert_eq!(reg.stock(&sku).unwrap(), quantity, "stock of {}", sku);
        }
        let report = reg.verify_journal().unwrap();
        prop_assert!(report.problem.is_none(), "{:?}", report.problem);
    }
}

/// Something that happens during a cash session.
#[derive(Debug, Clone)]
enum Step {
    Sale(SaleSpec),
    /// A training sale: never in the totals.
    Training(SaleSpec),
    /// Return everything of the last sale, in cash (`true`) or to the original tenders.
    ReturnLast(bool),
    PaidIn(u32),
    PaidOut(u32),
    Drop(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => sale_spec().prop_map(Step::Sale),
        1 => sale_spec().prop_map(Step::Training),
        1 => any::<bool>().prop_map(Step::ReturnLast),
        1 => (1u32..=50).prop_map(Step::PaidIn),
        1 => (1u32..=20).prop_map(Step::PaidOut),
        1 => (1u32..=50).prop_map(Step::Drop),
    ]
}

/// Euro denominations and how many of each, for floats and counts.
fn cash_count() -> impl Strategy<Value = CashCount> {
    let values =
        [dec!(50), dec!(20), dec!(10), dec!(5), dec!(2), dec!(1), dec!(0.50), dec!(0.20), dec!(0.10), dec!(0.05)];
    prop::collection::vec(0u32..=12, values.len()).prop_map(move |pieces| CashCount {
        entries: values.iter().copied().zip(pieces).filter(|(_, n)| *n > 0).collect(),
    })
}

proptest! {
    #![proptest_config(till_tests::proptest_config(32))]

    #[test]
    fn x_then_z_add_up_to_the_session_receipts_and_over_short_is_counted_minus_expected(
        seed in any::<u64>(),
        float in cash_count(),
        steps in prop::collection::vec(step(), 1..=12),
        counted in cash_count(),
        card_counted in 0u32..=500,
    ) {
        let (_dir, mut reg, mut auth) = fresh(seed);
        let session = reg.open_drawer_session(&auth, &float).unwrap();
        let mut receipts: Vec<SaleRecord> = Vec::new();
        let mut last_sale: Option<SaleRecord> = None;
        let mut drawer_moves = Money::ZERO;
        for step in steps {
            match step {
                Step::Sale(spec) => {
                    let sale = sell(&mut reg, &mut auth, &spec);
                    last_sale = Some(sale.clone());
                    receipts.push(sale);
                }
                Step::Training(spec) => {
                    let mut cart = Cart::new();
                    for &(i, pieces) in &spec.items {
                        reg.scan(&mut cart, SKUS[i], Some(Decimal::from(pieces))).unwrap();
                    }
                    let cash = [Tender { kind: TenderKind::Cash, amount: Money::new(dec!(1000)) }];
                    reg.complete_training_sale(&cart, &cash, &auth).unwrap();
                }
                Step::ReturnLast(in_cash) => {
                    let Some(sale) = last_sale.take() else { continue };
                    let mut cart = Cart::new();
                    let picks = sale.cart.lines.iter().map(|l| ReturnPick::Line(l.id.0, None)).collect();
                    let request = ReturnRequest {
                        receipt: Some(sale.receipt.to_string()),
                        picks,
                        reason: "changed_mind".into(),
                        disposition: Disposition::Restock,
                        override_note: None,
                    };
                    reg.add_return(&mut cart, &request).unwrap();
                    let method = if in_cash { RefundMethod::Cash } else { RefundMethod::Original };
                    receipts.push(reg.complete_sale(&cart, Settle::Refund(method), &mut auth).unwrap());
                }
                Step::PaidIn(euros) | Step::PaidOut(euros) | Step::Drop(euros) => {
                    let (movement, sign) = match step {
                        Step::PaidIn(_) => (DrawerMove::PaidIn, Decimal::ONE),
                        Step::PaidOut(_) => (DrawerMove::PaidOut, Decimal::NEGATIVE_ONE),
                        _ => (DrawerMove::Drop, Decimal::NEGATIVE_ONE),
                    };
                    let amount = Money::new(Decimal::from(euros));
                    reg.move_cash(&mut auth, movement, amount, "property test").unwrap();
                    drawer_moves = drawer_moves.checked_add(Money::new(amount.amount() * sign)).unwrap();
                }
            }
        }
        prop_assert!(receipts.iter().all(|r| r.session == Some(session)));

        // What the session's receipts add up to, computed here from the receipts alone.
        let total = Money::sum(receipts.iter().map(|r| r.settlement.total)).unwrap();
        let mut tenders: BTreeMap<String, Money> = BTreeMap::new();
        for r in &receipts {
            for (tender, amount) in by_tender(r) {
                let sum = tenders.entry(tender).or_insert(Money::ZERO);
                *sum = sum.checked_add(amount).unwrap();
            }
        }

        let x = reg.x_report(&auth).unwrap();
        prop_assert_eq!(x.session, Some(session));
        prop_assert_eq!(x.totals.sales, receipts.len() as u64);
        prop_assert_eq!(x.totals.total, total);
        let x_tenders: BTreeMap<String, Money> =
            x.totals.tenders.iter().map(|t| (t.tender.clone(), t.amount)).collect();
        prop_assert_eq!(&x_tenders, &tenders);

        let card = Money::new(Decimal::from(card_counted));
        let count = Count { cash: counted.clone(), others: vec![("card".into(), card)] };
        reg.count_drawer(&auth, &count).unwrap();
        let z = reg.close_drawer_session(&mut auth, None).unwrap();
        prop_assert_eq!(&z.totals, &x.totals, "the Z covers exactly what the X showed");
        prop_assert_eq!(z.session, session);

        // Over/short per tender is counted − expected, with expected computed here.
        let float_total = float.total().unwrap();
        let cash_in = tenders.get("cash").copied().unwrap_or(Money::ZERO);
        let expected_cash = float_total.checked_add(cash_in).unwrap().checked_add(drawer_moves).unwrap();
        let cash = z.balances.iter().find(|b| b.tender == "cash").unwrap();
        prop_assert_eq!(cash.expected, expected_cash);
        prop_assert_eq!(cash.counted, counted.total().unwrap());
        prop_assert_eq!(cash.over_short().unwrap(), counted.total().unwrap().checked_sub(expected_cash).unwrap());
        if let Some(card_paid) = tenders.get("card") {
            let b = z.balances.iter().find(|b| b.tender == "card").unwrap();
            prop_assert_eq!(b.expected, *card_paid);
            prop_assert_eq!(b.over_short().unwrap(), card.checked_sub(*card_paid).unwrap());
        }
        prop_assert!(reg.current_session().unwrap().is_none(), "the Z closed the session");
        let report = reg.verify_journal().unwrap();
        prop_assert!(report.problem.is_none(), "{:?}", report.problem);
    }
}
