//! The "examples" shop: exactly the worked examples A–E of DOMAIN.md (America/Toronto, CAD,
//! prices without tax, 13% tax), so tests can check TMAS against the numbers written there,
//! and an order whose prices include tax, returned at another store's till. DOMAIN.md's
//! example G (an exchange on order A) is [`example_g`], made on demand.

use chrono::{DateTime, TimeZone, Utc};

use super::model::{
    Channel, Plan, SimLine, SimLocation, SimOrder, SimRefund, SimRefundLine, SimShop,
    SimTransaction,
};

pub const EXAMPLES_SHOP: &str = "examples";
/// Order A of DOMAIN.md's examples.
pub const ORDER_A: i64 = 7_000_001;
/// TMAS "STORE-01".
pub const STORE_01: i64 = 1001;
/// TMAS "STORE-02".
pub const STORE_02: i64 = 1002;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("the examples' instants are valid UTC times")
}

fn location(id: i64, name: &str) -> SimLocation {
    SimLocation {
        id,
        name: name.to_string(),
        active: true,
        address1: format!("{} King St W", id - 900),
        city: "Toronto".into(),
        province_code: "ON".into(),
        country_code: "CA".into(),
        zip: "M5H 1A1".into(),
    }
}

struct OrderBuilder {
    order: SimOrder,
}

impl OrderBuilder {
    fn new(id: i64, channel: Channel, location: Option<i64>, at: DateTime<Utc>) -> Self {
        OrderBuilder {
            order: SimOrder {
                id,
                number: id - 7_000_000 + 1000,
                channel,
                test: false,
                location_id: location,
                created_at: at,
                processed_at: at,
                updated_at: at,
                cancelled_at: None,
                taxes_included: false,
                lines: Vec::new(),
                refunds: Vec::new(),
                returns: Vec::new(),
                edits: Vec::new(),
                tip: 0,
                shipping: 0,
                garbled: false,
                quantity_skew: 0,
            },
        }
    }

    fn line(
        mut self,
        id: i64,
        qty: i64,
        price: i64,
        discounts: &[i64],
        tax: i64,
        gift: bool,
    ) -> Self {
        self.order.lines.push(SimLine {
            id,
            quantity: qty,
            unit_price: price,
            gift_card: gift,
            discounts: discounts.to_vec(),
            tax,
        });
        self
    }

    fn build(self) -> SimOrder {
        self.order
    }
}

/// DOMAIN.md's example G: order A's second shirt exchanged at STORE-02 on 2026-03-09 at
/// 14:20 local (EDT since 03-08: 18:20 UTC) for a jacket at 60.00 (13 % tax), the customer paying the
/// difference, the shirt restocked at STORE-02. Apply it to order A with
/// `SimHandle::exchange` or [`examples_shop_with_exchange`].
pub fn example_g() -> crate::sim::ExchangeSpec {
    crate::sim::ExchangeSpec {
        at: utc(2026, 3, 9, 18, 20),
        location_id: Some(STORE_02),
        returned: vec![crate::sim::RefundLineSpec {
            line_index: 0,
            quantity: 1,
        }],
        given: vec![crate::sim::LineSpec {
            quantity: 1,
            unit_price: 6000,
            gift_card: false,
            discount: 0,
        }],
        restock_location_id: Some(STORE_02),
        fee: 0,
    }
}

/// The examples shop with example G's exchange made on order A. (The plain examples shop
/// leaves it out: an importer that reads line items instead of the ledger would count the
/// jacket on A's sale day; tests of the ledger start from this one, or make the exchange
/// at run time.)
pub fn examples_shop_with_exchange() -> SimShop {
    let mut shop = examples_shop();
    super::control::apply_exchange(&mut shop, ORDER_A, &example_g())
        .expect("example G applies to order A");
    shop.sort_orders();
    shop
}

/// The examples shop with orders A–E (and C's left-out orders).
pub fn examples_shop() -> SimShop {
    let mut orders = vec![example_a()];
    orders.extend(example_c_left_out());
    orders.extend(example_d_around_dst());
    orders.push(example_e());
    orders.push(tax_included_order());

    let mut shop = SimShop {
        name: EXAMPLES_SHOP.to_string(),
        time_zone: chrono_tz::America::Toronto,
        currency: "CAD".into(),
        taxes_included: false,
        tax_rate_bp: 1300,
        plan: Plan::Basic,
        locations: vec![
            location(STORE_01, "STORE-01"),
            location(STORE_02, "STORE-02"),
        ],
        orders,
        next_id: 10_000_000,
    };
    shop.sort_orders();
    shop
}

/// Order A with its refund B.
fn example_a() -> SimOrder {
    // A: 2026-03-02 10:15 EST = 15:15 UTC at STORE-01. 2 shirts at 20.00 (discount 2.00 each),
    // 1 mug at 12.00 (discount 1.20), 13% tax on the discounted prices, a 5.00 tip.
    let mut a = OrderBuilder::new(
        ORDER_A,
        Channel::Pos,
        Some(STORE_01),
        utc(2026, 3, 2, 15, 15),
    )
    .line(8_000_011, 2, 2000, &[200, 200], 468, false)
    .line(8_000_012, 1, 1200, &[120], 140, false)
    .build();
    a.tip = 500;
    // B: 2026-03-04 16:40 EST = 21:40 UTC, one shirt back at STORE-02: 18.00 + 2.34 tax,
    // refunded at STORE-02's till and not restocked (the transaction's location decides).
    let mut b = SimRefund::at(
        9_000_001,
        utc(2026, 3, 4, 21, 40),
        vec![SimRefundLine {
            line_id: 8_000_011,
            quantity: 1,
            subtotal: 1800,
            tax: 234,
            location_id: None,
            discount: 200,
        }],
    );
    b.transactions
        .push(SimTransaction::refund(Some(STORE_02), 1800 + 234));
    a.refunds.push(b);
    a.touch(utc(2026, 3, 4, 21, 40));
    a
}

/// Example C's orders, each left out of the totals.
fn example_c_left_out() -> Vec<SimOrder> {
    let mut orders = Vec::new();
    // C: same day at STORE-01, all left out. An online order of 30.00 picked up in store,
    // carrying a 3.00 shipping charge that is refunded (a refund of shipping only).
    let mut web = OrderBuilder::new(7_000_002, Channel::Web, None, utc(2026, 3, 2, 16, 0))
        .line(8_000_021, 1, 3000, &[], 390, false)
        .build();
    web.shipping = 300;
    let mut shipping_back = SimRefund::at(9_000_002, utc(2026, 3, 2, 18, 30), vec![]);
    shipping_back.other_amount = 300;
    web.refunds.push(shipping_back);
    web.touch(utc(2026, 3, 2, 18, 30));
    orders.push(web);
    // A test POS order of 99.00.
    let mut test = OrderBuilder::new(
        7_000_003,
        Channel::Pos,
        Some(STORE_01),
        utc(2026, 3, 2, 17, 0),
    )
    .line(8_000_031, 1, 9900, &[], 1287, false)
    .build();
    test.test = true;
    orders.push(test);
    // A POS order with only a 50.00 gift card.
    orders.push(
        OrderBuilder::new(
            7_000_004,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 3, 2, 18, 0),
        )
        .line(8_000_041, 1, 5000, &[], 0, true)
        .build(),
    );
    // A 3.00 shipping refund on a POS order of STORE-01 (an order of that day sold at a till
    // with local delivery): the refund returns no goods, so it changes nothing.
    let mut ship = OrderBuilder::new(
        7_000_005,
        Channel::Pos,
        Some(STORE_01),
        utc(2026, 3, 2, 19, 0),
    )
    .line(8_000_051, 1, 5000, &[], 0, true)
    .build();
    ship.shipping = 300;
    let mut shipping_back = SimRefund::at(9_000_005, utc(2026, 3, 2, 20, 0), vec![]);
    shipping_back.other_amount = 300;
    shipping_back
        .transactions
        .push(SimTransaction::refund(Some(STORE_01), 300));
    ship.refunds.push(shipping_back);
    ship.touch(utc(2026, 3, 2, 20, 0));
    orders.push(ship);
    orders
}

/// Example D's orders, around the night the clocks go back.
fn example_d_around_dst() -> Vec<SimOrder> {
    // D: 2026-11-01, clocks go back at 02:00 in Toronto. Net 10.00 at 01:30 EDT (05:30 UTC),
    // net 15.00 at 01:30 EST (06:30 UTC), and 7.00 at 23:30 EST (04:30 UTC on 11-02).
    vec![
        OrderBuilder::new(
            7_000_006,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 11, 1, 5, 30),
        )
        .line(8_000_061, 1, 1000, &[], 130, false)
        .build(),
        OrderBuilder::new(
            7_000_007,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 11, 1, 6, 30),
        )
        .line(8_000_071, 1, 1500, &[], 195, false)
        .build(),
        OrderBuilder::new(
            7_000_008,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 11, 2, 4, 30),
        )
        .line(8_000_081, 1, 700, &[], 91, false)
        .build(),
    ]
}

/// Order E, cancelled the day it was sold.
fn example_e() -> SimOrder {
    // E: a jacket at 80.00 processed 2026-03-05 11:20 EST (16:20 UTC), cancelled at 15:10 EST
    // (20:10 UTC) with a refund returning it.
    let mut e = OrderBuilder::new(
        7_000_009,
        Channel::Pos,
        Some(STORE_01),
        utc(2026, 3, 5, 16, 20),
    )
    .line(8_000_091, 1, 8000, &[], 1040, false)
    .build();
    e.cancelled_at = Some(utc(2026, 3, 5, 20, 10));
    let mut jacket_back = SimRefund::at(
        9_000_009,
        utc(2026, 3, 5, 20, 10),
        vec![SimRefundLine {
            line_id: 8_000_091,
            quantity: 1,
            subtotal: 8000,
            tax: 1040,
            location_id: Some(STORE_01),
            discount: 0,
        }],
    );
    jacket_back
        .transactions
        .push(SimTransaction::refund(Some(STORE_01), 9040));
    e.refunds.push(jacket_back);
    e.touch(utc(2026, 3, 5, 20, 10));
    e
}

/// The order whose prices include tax, returned at another store's till.
fn tax_included_order() -> SimOrder {
    // G (tax-inclusive prices, an order whose setting differs from the shop's): processed
    // 2026-03-06 12:05 EST (17:05 UTC) at STORE-02, 13% tax inside the prices: a scarf at
    // 22.60 (2.60 of it tax) and a hat at 11.30 with a 1.13 discount (1.17 tax on the 10.17
    // paid). Gross 33.90 − 3.77 tax = 30.13, discounts 1.13, net 29.00.
    let mut g = OrderBuilder::new(
        7_000_010,
        Channel::Pos,
        Some(STORE_02),
        utc(2026, 3, 6, 17, 5),
    )
    .line(8_000_101, 1, 2260, &[], 260, false)
    .line(8_000_102, 1, 1130, &[113], 117, false)
    .build();
    g.taxes_included = true;
    // The scarf comes back on 2026-03-07, refunded at STORE-01's till at 14:20 EST (19:20
    // UTC); Shopify left `createdAt` null. Its subtotal holds its 2.60 tax: returns 20.00.
    let mut scarf_back = SimRefund::at(
        9_000_010,
        utc(2026, 3, 7, 19, 20),
        vec![SimRefundLine {
            line_id: 8_000_101,
            quantity: 1,
            subtotal: 2000,
            tax: 260,
            location_id: None,
            discount: 0,
        }],
    );
    scarf_back.created_at = None;
    scarf_back
        .transactions
        .push(SimTransaction::refund(Some(STORE_01), 2260));
    g.refunds.push(scarf_back);
    g.touch(utc(2026, 3, 7, 19, 20));
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::expected::expected_totals;
    use chrono::NaiveDate;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn totals(t: crate::sim::expected::HourlyTotals) -> (i64, i64, i64, i64, i64, i64) {
        (
            t.gross,
            t.discounts,
            t.returns,
            t.net,
            t.transactions,
            t.items,
        )
    }

    #[test]
    fn example_g_is_the_numbers_of_domain_md() {
        let shop = examples_shop_with_exchange();
        let t = expected_totals(&shop);
        assert_eq!(
            totals(t.hour(STORE_02, date(2026, 3, 9), 14)),
            (6000, 0, 1800, 4200, 1, 0)
        );
        // Order A's sale hour is unchanged: the jacket is not a sale of that day.
        assert_eq!(
            totals(t.hour(STORE_01, date(2026, 3, 2), 10)),
            (5200, 520, 0, 4680, 1, 3)
        );
        // The ledger says what DOMAIN.md says: one ReturnAgreement, no refund.
        let a = shop
            .orders
            .iter()
            .find(|o| o.id == ORDER_A)
            .expect("order A");
        assert_eq!(a.refunds.len(), 1, "only example B's refund");
        let ledger = crate::sim::ledger::ledger(&shop, a);
        let g = ledger.last().expect("the exchange's agreement");
        assert_eq!(g.kind.type_name(), "ReturnAgreement");
        assert_eq!(g.happened_at, utc(2026, 3, 9, 18, 20));
        let sales: Vec<_> = g
            .sales
            .iter()
            .map(|s| {
                (
                    s.action.name(),
                    s.line_type.name(),
                    s.quantity,
                    s.total,
                    s.tax,
                    s.discount,
                )
            })
            .collect();
        assert_eq!(
            sales,
            [
                ("RETURN", "PRODUCT", Some(-1), -2034, -234, -200),
                ("ORDER", "PRODUCT", Some(1), 6780, 780, 0),
            ]
        );
        assert!(crate::sim::ledger::quantity_mismatches(&shop, a).is_empty());
        let shirt = &a.lines[0];
        assert_eq!((shirt.quantity, a.current_quantity(shirt)), (2, 0));
        assert_eq!(a.lines.len(), 3, "the jacket is appended");
    }

    #[test]
    fn expected_totals_are_the_numbers_of_domain_md() {
        let t = expected_totals(&examples_shop());
        // A
        let a = t.hour(STORE_01, date(2026, 3, 2), 10);
        assert_eq!(
            (
                a.gross,
                a.discounts,
                a.returns,
                a.net,
                a.transactions,
                a.items
            ),
            (5200, 520, 0, 4680, 1, 3)
        );
        // B
        let b = t.hour(STORE_02, date(2026, 3, 4), 16);
        assert_eq!(
            (b.returns, b.net, b.transactions, b.items),
            (1800, -1800, 1, -1)
        );
        assert_eq!(
            t.day(STORE_01, date(2026, 3, 4)),
            crate::sim::expected::HourlyTotals::default()
        );
        // C
        let c = t.day(STORE_01, date(2026, 3, 2));
        assert_eq!((c.net, c.transactions, c.items), (4680, 1, 3));
        // D
        let d = t.hour(STORE_01, date(2026, 11, 1), 1);
        assert_eq!((d.net, d.transactions), (2500, 2));
        let late = t.hour(STORE_01, date(2026, 11, 1), 23);
        assert_eq!((late.net, late.transactions), (700, 1));
        // E
        let e11 = t.hour(STORE_01, date(2026, 3, 5), 11);
        assert_eq!((e11.net, e11.transactions, e11.items), (8000, 1, 1));
        let e15 = t.hour(STORE_01, date(2026, 3, 5), 15);
        assert_eq!(
            (e15.returns, e15.net, e15.transactions, e15.items),
            (8000, -8000, 1, -1)
        );
        let eday = t.day(STORE_01, date(2026, 3, 5));
        assert_eq!((eday.net, eday.transactions, eday.items), (0, 2, 0));
        // G
        let g = t.hour(STORE_02, date(2026, 3, 6), 12);
        assert_eq!(
            (
                g.gross,
                g.discounts,
                g.returns,
                g.net,
                g.transactions,
                g.items
            ),
            (3013, 113, 0, 2900, 1, 2)
        );
        let g_back = t.hour(STORE_01, date(2026, 3, 7), 14);
        assert_eq!(
            (
                g_back.returns,
                g_back.net,
                g_back.transactions,
                g_back.items
            ),
            (2000, -2000, 1, -1)
        );
        assert_eq!(
            t.day(STORE_02, date(2026, 3, 7)),
            crate::sim::expected::HourlyTotals::default()
        );
    }
}
