//! The receipt, X-report and Z-report layouts as a reviewer reads them: inline snapshots
//! (`expect-test`; `UPDATE_EXPECT=1 cargo test -p till-receipt` rewrites them, then read
//! the diff). The records are built the way the register builds them — carts priced by
//! `price_cart`, paid through `settle` / `settle_refund` — so the figures are the ones a
//! committed sale carries.
#![allow(clippy::unwrap_used)]

use expect_test::{Expect, expect};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use till_domain::returns;
use till_domain::*;
use till_receipt::{Copy, ReceiptLayout, receipt_text, x_report_text, z_report_text};

const NICKEL: Option<CashRounding> = Some(CashRounding { increment: dec!(0.05), mode: RoundingMode::HalfUp });

fn layout(width: usize) -> ReceiptLayout {
    ReceiptLayout {
        width,
        header: vec!["Harbour & Co".into(), "Prinsengracht 1, Amsterdam".into(), "VAT NL000099998B57".into()],
        footer: vec!["Returns within 30 days with receipt".into(), "Thank you!".into()],
        timezone: TimeZone::get("Europe/Amsterdam").unwrap(),
    }
}

fn at(time: &str) -> Timestamp {
    format!("2026-11-27T{time}Z").parse().unwrap()
}

fn item(sku: &str, name: &str, price: Decimal, rate: Decimal, category: &str) -> Item {
    Item {
        sku: sku.into(),
        name: name.into(),
        category: Some(category.into()),
        price: Money::new(price),
        price_source: PriceSource::Base,
        cost: None,
        unit: Unit::Each,
        tax_class: TaxClass { name: if rate == dec!(21) { "standard" } else { "reduced" }.into(), rate },
        components: vec![],
    }
}

fn tee() -> Item {
    item("TEE-M-BLK", "Organic Cotton Tee - M / Black", dec!(19.95), dec!(21), "Tees")
}

fn coffee() -> Item {
    item("COFFEE-250", "Single Origin Coffee Beans 250g", dec!(8.95), dec!(9), "Coffee")
}

fn each(n: u32) -> Quantity {
    Quantity::new(Decimal::from(n), Unit::Each).unwrap()
}

fn price(cart: &Cart, promotions: &[Promotion]) -> PricedCart {
    let policy = TaxPolicy {
        basis: PriceBasis::TaxInclusive,
        rounding: TaxRounding::PerLine,
        mode: RoundingMode::HalfUp,
        minor_units: 2,
    };
    price_cart(cart, &PricingContext { policy, promotions, now: at("09:00:00") }).unwrap()
}

fn cash(amount: Decimal) -> Tender {
    Tender { kind: TenderKind::Cash, amount: Money::new(amount) }
}

fn visa() -> TenderKind {
    TenderKind::Card(CardDetails::new("VISA", "4242", "T-7790").unwrap())
}

fn record(seq: u64, time: &str, cart: PricedCart, settlement: Settlement, coupons: &[&str]) -> SaleRecord {
    SaleRecord {
        id: format!("00000000-0000-7000-8000-{seq:012}"),
        receipt: ReceiptNumber { register: "R1".into(), seq },
        store: "AMS-01".into(),
        at: at(time),
        business_date: "2026-11-27".parse().unwrap(),
        currency: "EUR".into(),
        cart,
        settlement,
        coupons: coupons.iter().map(|c| c.to_string()).collect(),
        staff: Some("2".into()),
        session: Some(1),
        catalog: None,
        config: None,
    }
}

/// R1-000001: two tees (a 10 % line discount on one), coffee with a 1.00-off coupon
/// promotion; part by card, the rest in cash, rounded to 5 cents, with change.
fn sale() -> SaleRecord {
    let mut cart = Cart::new();
    let tees = cart.add(tee(), each(2)).unwrap();
    cart.add(coffee(), each(1)).unwrap();
    cart.discount_line(tees, Discount::Percent(dec!(10))).unwrap();
    cart.add_coupon("BEANS1").unwrap();
    let beans = Promotion {
        id: "beans-1-off".into(),
        name: "Coupon: 1.00 off coffee".into(),
        rule: PromotionRule::AmountOff {
            target: Target::Categories(vec!["Coffee".into()]),
            amount: Money::new(dec!(1)),
        },
        coupon: Some("BEANS1".into()),
        starts: None,
        ends: None,
        priority: 0,
    };
    let priced = price(&cart, &[beans]);
    let tenders = [Tender { kind: visa(), amount: Money::new(dec!(20.00)) }, cash(dec!(30.00))];
    let settlement = settle(priced.total, &tenders, NICKEL, 2).unwrap();
    record(1, "09:05:00", priced, settlement, &["BEANS1"])
}

/// The sale's line `n` as a return line: its refund share and where it came from.
fn returning(sale: &SaleRecord, n: usize, reason: &str, disposition: Disposition) -> (Item, ReturnLine) {
    let line = &sale.cart.lines[n];
    let back = ReturnLine {
        original: Some(OriginalLine {
            sale_id: sale.id.clone(),
            receipt: sale.receipt.to_string(),
            seq: sale.receipt.seq,
            line: u32::try_from(n + 1).unwrap(),
        }),
        refund: returns::refund_share(
            line.total,
            line.quantity.value(),
            Decimal::ZERO,
            Decimal::ONE,
            RoundingMode::HalfUp,
            2,
        )
        .unwrap(),
        fee_percent: Decimal::ZERO,
        reason: reason.into(),
        disposition,
        override_note: None,
    };
    (line.returned_item(vec![]), back)
}

/// R1-000002: one tee of R1-000001 back (defective, written off), refunded to the card.
fn a_return(original: &SaleRecord) -> SaleRecord {
    let mut cart = Cart::new();
    let (tee, back) = returning(original, 0, "defective", Disposition::Damaged);
    cart.add_return(tee, each(1), back).unwrap();
    let priced = price(&cart, &[]);
    let card = RefundTarget { kind: visa(), limit: Some(Money::new(dec!(20.00))) };
    let settlement = settle_refund(priced.total, &[card], NICKEL, 2, None).unwrap();
    record(2, "11:40:00", priced, settlement, &[])
}

/// R1-000003: the coffee of R1-000001 swapped for a tee; the customer pays the rest in
/// cash.
fn an_exchange(original: &SaleRecord) -> SaleRecord {
    let mut cart = Cart::new();
    let (beans, back) = returning(original, 1, "changed_mind", Disposition::Restock);
    cart.add_return(beans, each(1), back).unwrap();
    cart.add(tee(), each(1)).unwrap();
    let priced = price(&cart, &[]);
    let settlement = settle(priced.total, &[cash(dec!(20.00))], NICKEL, 2).unwrap();
    record(3, "16:20:00", priced, settlement, &[])
}

fn check(text: String, snapshot: Expect) {
    snapshot.assert_eq(&text);
}

// At 32 columns nothing is cut: what does not fit beside its figure (the receipt number
// beside the time, a long promotion label, the tax heading) goes on its own line with the
// figure right-aligned below, and a footer wider than the paper wraps.
#[test]
fn a_sale_at_32_42_and_48_columns() {
    let sale = sale();
    check(
        receipt_text(&sale, &layout(32), Copy::Original),
        expect![[r#"
                      Harbour & Co
               Prinsengracht 1, Amsterdam
                   VAT NL000099998B57
            --------------------------------
            Store AMS-01         Register R1
            Receipt R1-000001
                            2026-11-27 10:05
            --------------------------------
            Organic Cotton Tee - M / Black
              2 x 19.95              39.90 A
                Discount 10%         -3.99
            Single Origin Coffee Beans 250g
              1 x 8.95                8.95 B
                Coupon: 1.00 off coffee
                                     -1.00
            --------------------------------
            Subtotal                 48.85
            Discounts                -4.99
            TOTAL EUR                43.86
            --------------------------------
            Tax (incl.)
                         Net     Tax   Gross
            A 21%      29.68    6.23   35.91
            B 9%        7.29    0.66    7.95
            --------------------------------
            Card VISA ****4242       20.00
              ref T-7790
            Cash                     30.00
            Cash rounding            -0.01
            Change                    6.15
            Coupons: BEANS1
            Served by 2
            --------------------------------
              Returns within 30 days with
                        receipt
                       Thank you!
                 till:AMS-01/R1-000001
        "#]],
    );
    check(
        receipt_text(&sale, &layout(42), Copy::Original),
        expect![[r#"
                           Harbour & Co
                    Prinsengracht 1, Amsterdam
                        VAT NL000099998B57
            ------------------------------------------
            Store AMS-01                   Register R1
            Receipt R1-000001         2026-11-27 10:05
            ------------------------------------------
            Organic Cotton Tee - M / Black
              2 x 19.95                        39.90 A
                Discount 10%                   -3.99
            Single Origin Coffee Beans 250g
              1 x 8.95                          8.95 B
                Coupon: 1.00 off coffee        -1.00
            ------------------------------------------
            Subtotal                           48.85
            Discounts                          -4.99
            TOTAL EUR                          43.86
            ------------------------------------------
            Tax (incl.)          Net      Tax    Gross
            A 21%              29.68     6.23    35.91
            B 9%                7.29     0.66     7.95
            ------------------------------------------
            Card VISA ****4242                 20.00
              ref T-7790
            Cash                               30.00
            Cash rounding                      -0.01
            Change                              6.15
            Coupons: BEANS1
            Served by 2
            ------------------------------------------
               Returns within 30 days with receipt
                            Thank you!
                      till:AMS-01/R1-000001
        "#]],
    );
    check(
        receipt_text(&sale, &layout(48), Copy::Original),
        expect![[r#"
                              Harbour & Co
                       Prinsengracht 1, Amsterdam
                           VAT NL000099998B57
            ------------------------------------------------
            Store AMS-01                         Register R1
            Receipt R1-000001               2026-11-27 10:05
            ------------------------------------------------
            Organic Cotton Tee - M / Black
              2 x 19.95                              39.90 A
                Discount 10%                         -3.99
            Single Origin Coffee Beans 250g
              1 x 8.95                                8.95 B
                Coupon: 1.00 off coffee              -1.00
            ------------------------------------------------
            Subtotal                                 48.85
            Discounts                                -4.99
            TOTAL EUR                                43.86
            ------------------------------------------------
            Tax (incl.)                Net      Tax    Gross
            A 21%                    29.68     6.23    35.91
            B 9%                      7.29     0.66     7.95
            ------------------------------------------------
            Card VISA ****4242                       20.00
              ref T-7790
            Cash                                     30.00
            Cash rounding                            -0.01
            Change                                    6.15
            Coupons: BEANS1
            Served by 2
            ------------------------------------------------
                  Returns within 30 days with receipt
                               Thank you!
                         till:AMS-01/R1-000001
        "#]],
    );
}

#[test]
fn a_return_and_an_exchange() {
    let sale = sale();
    check(
        receipt_text(&a_return(&sale), &layout(42), Copy::Original),
        expect![[r#"
                       Harbour & Co
                Prinsengracht 1, Amsterdam
                    VAT NL000099998B57
                          RETURN
        ------------------------------------------
        Store AMS-01                   Register R1
        Receipt R1-000002         2026-11-27 12:40
        ------------------------------------------
        Organic Cotton Tee - M / Black
          returned 1                      -17.96 A
            from R1-000001 line 1; defective;
            damaged
        ------------------------------------------
        Subtotal                          -17.96
        REFUND EUR                        -17.96
        ------------------------------------------
        Tax (incl.)          Net      Tax    Gross
        A 21%             -14.84    -3.12   -17.96
        ------------------------------------------
        Refund to Card VISA ****4242      -17.96
          ref T-7790
        Served by 2
        ------------------------------------------
           Returns within 30 days with receipt
                        Thank you!
                  till:AMS-01/R1-000002
    "#]],
    );
    check(
        receipt_text(&an_exchange(&sale), &layout(42), Copy::Original),
        expect![[r#"
                       Harbour & Co
                Prinsengracht 1, Amsterdam
                    VAT NL000099998B57
                         EXCHANGE
        ------------------------------------------
        Store AMS-01                   Register R1
        Receipt R1-000003         2026-11-27 17:20
        ------------------------------------------
        Single Origin Coffee Beans 250g
          returned 1                       -7.95 B
            from R1-000001 line 2; changed mind;
            restock
        Organic Cotton Tee - M / Black
          1 x 19.95                        19.95 A
        ------------------------------------------
        Subtotal                           12.00
        TOTAL EUR                          12.00
        ------------------------------------------
        Tax (incl.)          Net      Tax    Gross
        A 21%              16.49     3.46    19.95
        B 9%               -7.29    -0.66    -7.95
        ------------------------------------------
        Cash                               20.00
        Change                              8.00
        Served by 2
        ------------------------------------------
           Returns within 30 days with receipt
                        Thank you!
                  till:AMS-01/R1-000003
    "#]],
    );
}

/// A training sale (numbered `R1-T-…` by the register): one bag of coffee in cash.
fn a_training_sale() -> SaleRecord {
    let mut cart = Cart::new();
    cart.add(coffee(), each(1)).unwrap();
    let priced = price(&cart, &[]);
    let settlement = settle(priced.total, &[cash(dec!(10.00))], NICKEL, 2).unwrap();
    let mut training = record(4, "10:30:00", priced, settlement, &[]);
    training.receipt.register = "R1-T".into();
    training.session = None;
    training
}

#[test]
fn a_training_copy_and_a_duplicate() {
    check(
        receipt_text(&a_training_sale(), &layout(42), Copy::Training),
        expect![[r#"
             *** TRAINING - NOT A RECEIPT ***
                       Harbour & Co
                Prinsengracht 1, Amsterdam
                    VAT NL000099998B57
        ------------------------------------------
        Store AMS-01                 Register R1-T
        Receipt R1-T-000004       2026-11-27 11:30
        ------------------------------------------
        Single Origin Coffee Beans 250g
          1 x 8.95                          8.95 A
        ------------------------------------------
        Subtotal                            8.95
        TOTAL EUR                           8.95
        ------------------------------------------
        Tax (incl.)          Net      Tax    Gross
        A 9%                8.21     0.74     8.95
        ------------------------------------------
        Cash                               10.00
        Change                              1.05
        Served by 2
        ------------------------------------------
           Returns within 30 days with receipt
                        Thank you!
                 till:AMS-01/R1-T-000004
             *** TRAINING - NOT A RECEIPT ***
    "#]],
    );
    // The return reprinted a second time, at 32 columns: the refund line keeps the card's
    // last digits, its amount below.
    check(
        receipt_text(&a_return(&sale()), &layout(32), Copy::Duplicate(2)),
        expect![[r#"
                  *** DUPLICATE 2 ***
                      Harbour & Co
               Prinsengracht 1, Amsterdam
                   VAT NL000099998B57
                         RETURN
            --------------------------------
            Store AMS-01         Register R1
            Receipt R1-000002
                            2026-11-27 12:40
            --------------------------------
            Organic Cotton Tee - M / Black
              returned 1            -17.96 A
                from R1-000001 line 1;
                defective; damaged
            --------------------------------
            Subtotal                -17.96
            REFUND EUR              -17.96
            --------------------------------
            Tax (incl.)
                         Net     Tax   Gross
            A 21%     -14.84   -3.12  -17.96
            --------------------------------
            Refund to Card VISA ****4242
                                    -17.96
              ref T-7790
            Served by 2
            --------------------------------
              Returns within 30 days with
                        receipt
                       Thank you!
                 till:AMS-01/R1-000002
                  *** DUPLICATE 2 ***
        "#]],
    );
}

/// The totals of `docs`, summed the way the register's reports sum them.
fn totals_of(docs: &[SaleRecord]) -> SalesTotals {
    let mut t = SalesTotals::default();
    let add = |a: Money, b: Money| a.checked_add(b).unwrap();
    for d in docs {
        t.sales += 1;
        if d.cart.lines.iter().any(|l| l.returning.is_some()) {
            t.returns += 1;
        }
        let returned = Money::sum(d.cart.lines.iter().filter(|l| l.returning.is_some()).map(|l| l.gross)).unwrap();
        t.returned = add(t.returned, returned);
        let seq = d.receipt.seq;
        t.receipts = Some(t.receipts.map_or((seq, seq), |(first, _)| (first, seq)));
        t.subtotal = add(t.subtotal, d.cart.subtotal);
        t.discount_total = add(t.discount_total, d.cart.discount_total);
        t.tax_total = add(t.tax_total, d.cart.tax_total);
        t.total = add(t.total, d.cart.total);
        t.cash_rounding = add(t.cash_rounding, d.settlement.cash_rounding);
        t.change = add(t.change, d.settlement.change);
        for tax in &d.cart.taxes {
            t.add_tax(&tax.label, tax.rate, tax.net.amount(), tax.tax.amount(), tax.gross.amount()).unwrap();
        }
        for p in &d.settlement.payments {
            t.add_tender(p.kind.code(), p.amount.amount()).unwrap();
        }
    }
    t
}

/// The day's three documents, and a drawer opened with 100.00, 12.50 paid out and 50.00
/// dropped to the safe: it should hold 100.00 + 35.85 − 12.50 − 50.00 = 73.35 in cash.
fn day() -> (SalesTotals, DrawerSummary) {
    let sale = sale();
    let docs = [sale.clone(), a_return(&sale), an_exchange(&sale)];
    let drawer = DrawerSummary {
        float: Money::new(dec!(100.00)),
        paid_in: Money::new(dec!(0.00)),
        paid_out: Money::new(dec!(12.50)),
        drops: Money::new(dec!(50.00)),
        no_sales: 1,
    };
    (totals_of(&docs), drawer)
}

/// The X report at noon: the sale and the return so far; the drawer holds its float and
/// the sale's 23.85 in cash.
fn x_report() -> XReport {
    let sale = sale();
    let back = a_return(&sale);
    let totals = totals_of(&[sale, back]);
    let none = Money::new(dec!(0.00));
    let drawer =
        DrawerSummary { float: Money::new(dec!(100.00)), paid_in: none, paid_out: none, drops: none, no_sales: 0 };
    XReport {
        store: "AMS-01".into(),
        register: "R1".into(),
        currency: "EUR".into(),
        at: at("11:00:00"),
        session: Some(1),
        grand_total: totals.total,
        totals,
        drawer: Some(drawer),
        expected: vec![("card".into(), Money::new(dec!(2.04))), ("cash".into(), Money::new(dec!(123.85)))],
        expected_withheld: false,
        journal_records: 4,
    }
}

/// The same X report as a cashier without `view_expected` reads it: the drawer's
/// movements, but not what it should hold.
#[test]
fn the_x_report_withholds_expected_amounts_from_a_blind_counter() {
    let report = XReport { expected: Vec::new(), expected_withheld: true, ..x_report() };
    let text = x_report_text(&report, &layout(32));
    let drawer = &text[text.find("Drawer").unwrap()..];
    check(
        drawer.to_string(),
        expect![[r#"
            Drawer
              Opening float           100.00
              Paid in                   0.00
              Paid out                  0.00
              Safe drops                0.00
              Opened without a sale        0
            Expected now            withheld
            --------------------------------
            Journal records                4
            Grand total (perpetual)    25.90
        "#]],
    );
    assert!(!text.contains("123.85"), "{text}");
}

#[test]
fn the_x_report_at_32_and_48_columns() {
    check(
        x_report_text(&x_report(), &layout(32)),
        expect![[r#"
                        X REPORT
              (interim - nothing is reset)
            --------------------------------
            Store AMS-01         Register R1
            Taken at        2026-11-27 12:00
            Cash session                   1
            Receipts                   1 - 2
            --------------------------------
            Documents                      2
              of which returns/exchanges   1
            Returned                  -17.96
            Before discounts           30.89
            Discounts                  -4.99
            Sales total EUR            25.90
              of which tax              3.77
            --------------------------------
            Tax rate
                         Net     Tax   Gross
            21%        14.84    3.11   17.95
            9%          7.29    0.66    7.95
            --------------------------------
            Tenders
              card (2)                  2.04
              cash (1)                 23.85
            Cash rounding              -0.01
            Change given                6.15
            --------------------------------
            Drawer
              Opening float           100.00
              Paid in                   0.00
              Paid out                  0.00
              Safe drops                0.00
              Opened without a sale        0
            Expected now
              card                      2.04
              cash                    123.85
            --------------------------------
            Journal records                4
            Grand total (perpetual)    25.90
        "#]],
    );
    check(
        x_report_text(&x_report(), &layout(48)),
        expect![[r#"
                                X REPORT
                      (interim - nothing is reset)
            ------------------------------------------------
            Store AMS-01                         Register R1
            Taken at                        2026-11-27 12:00
            Cash session                                   1
            Receipts                                   1 - 2
            ------------------------------------------------
            Documents                                      2
              of which returns/exchanges                   1
            Returned                                  -17.96
            Before discounts                           30.89
            Discounts                                  -4.99
            Sales total EUR                            25.90
              of which tax                              3.77
            ------------------------------------------------
            Tax rate                   Net      Tax    Gross
            21%                      14.84     3.11    17.95
            9%                        7.29     0.66     7.95
            ------------------------------------------------
            Tenders
              card (2)                                  2.04
              cash (1)                                 23.85
            Cash rounding                              -0.01
            Change given                                6.15
            ------------------------------------------------
            Drawer
              Opening float                           100.00
              Paid in                                   0.00
              Paid out                                  0.00
              Safe drops                                0.00
              Opened without a sale                        0
            Expected now
              card                                      2.04
              cash                                    123.85
            ------------------------------------------------
            Journal records                                4
            Grand total (perpetual)                    25.90
        "#]],
    );
}

fn z_report() -> ZReport {
    let (totals, drawer) = day();
    ZReport {
        number: 1,
        store: "AMS-01".into(),
        register: "R1".into(),
        currency: "EUR".into(),
        session: 1,
        opened_at: at("07:55:00"),
        closed_at: at("17:30:00"),
        opened_by: Some("2".into()),
        closed_by: Some("1".into()),
        grand_total: totals.total,
        totals,
        drawer,
        balances: vec![
            TenderBalance { tender: "card".into(), expected: Money::new(dec!(2.04)), counted: Money::new(dec!(2.04)) },
            TenderBalance {
                tender: "cash".into(),
                expected: Money::new(dec!(73.35)),
                counted: Money::new(dec!(72.85)),
            },
        ],
    }
}

// At 32 columns the Z report's balances keep the tender names (each above its figures).
#[test]
fn the_z_report_and_its_reprint() {
    check(
        z_report_text(&z_report(), &layout(42), Copy::Original),
        expect![[r#"
                        Z REPORT 1
                  (cash session closed)
        ------------------------------------------
        Store AMS-01                   Register R1
        Cash session                             1
        Opened                    2026-11-27 08:55
          by                                     2
        Closed                    2026-11-27 18:30
          by                                     1
        Receipts                             1 - 3
        ------------------------------------------
        Documents                                3
          of which returns/exchanges             2
        Returned                            -25.91
        Before discounts                     42.89
        Discounts                            -4.99
        Sales total EUR                      37.90
          of which tax                        6.57
        ------------------------------------------
        Tax rate             Net      Tax    Gross
        21%                31.33     6.57    37.90
        9%                  0.00     0.00     0.00
        ------------------------------------------
        Tenders
          card (2)                            2.04
          cash (2)                           35.85
        Cash rounding                        -0.01
        Change given                         14.15
        ------------------------------------------
        Drawer
          Opening float                     100.00
          Paid in                             0.00
          Paid out                          -12.50
          Safe drops                        -50.00
          Opened without a sale                  1
        ------------------------------------------
        Tender          Expected  Counted     Over
          card              2.04     2.04     0.00
          cash             73.35    72.85    -0.50
        ------------------------------------------
        Grand total (perpetual)              37.90
    "#]],
    );
    check(
        z_report_text(&z_report(), &layout(32), Copy::Duplicate(1)),
        expect![[r#"
                  *** DUPLICATE 1 ***
                       Z REPORT 1
                 (cash session closed)
            --------------------------------
            Store AMS-01         Register R1
            Cash session                   1
            Opened          2026-11-27 08:55
              by                           2
            Closed          2026-11-27 18:30
              by                           1
            Receipts                   1 - 3
            --------------------------------
            Documents                      3
              of which returns/exchanges   2
            Returned                  -25.91
            Before discounts           42.89
            Discounts                  -4.99
            Sales total EUR            37.90
              of which tax              6.57
            --------------------------------
            Tax rate
                         Net     Tax   Gross
            21%        31.33    6.57   37.90
            9%          0.00    0.00    0.00
            --------------------------------
            Tenders
              card (2)                  2.04
              cash (2)                 35.85
            Cash rounding              -0.01
            Change given               14.15
            --------------------------------
            Drawer
              Opening float           100.00
              Paid in                   0.00
              Paid out                -12.50
              Safe drops              -50.00
              Opened without a sale        1
            --------------------------------
            Tender
                  Expected  Counted     Over
              card
                      2.04     2.04     0.00
              cash
                     73.35    72.85    -0.50
            --------------------------------
            Grand total (perpetual)    37.90
                  *** DUPLICATE 1 ***
        "#]],
    );
}
