//! The "examples" shop: exactly the worked examples A–E of DOMAIN.md (America/Toronto, CAD,
//! prices without tax, 13% tax), so tests can check TMAS against the numbers written there.

use chrono::{DateTime, TimeZone, Utc};

use super::model::{
    Channel, Plan, SimLine, SimLocation, SimOrder, SimRefund, SimRefundLine, SimShop,
};

pub const EXAMPLES_SHOP: &str = "examples";
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
                lines: Vec::new(),
                refunds: Vec::new(),
                tip: 0,
                shipping: 0,
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

/// The examples shop with orders A–E (and C's left-out orders).
pub fn examples_shop() -> SimShop {
    let mut orders = Vec::new();

    // A: 2026-03-02 10:15 EST = 15:15 UTC at STORE-01. 2 shirts at 20.00 (discount 2.00 each),
    // 1 mug at 12.00 (discount 1.20), 13% tax on the discounted prices, a 5.00 tip.
    let mut a = OrderBuilder::new(
        7_000_001,
        Channel::Pos,
        Some(STORE_01),
        utc(2026, 3, 2, 15, 15),
    )
    .line(8_000_011, 2, 2000, &[200, 200], 468, false)
    .line(8_000_012, 1, 1200, &[120], 140, false)
    .build();
    a.tip = 500;
    // B: 2026-03-04 16:40 EST = 21:40 UTC, one shirt back at STORE-02: 18.00 + 2.34 tax.
    a.refunds.push(SimRefund {
        id: 9_000_001,
        created_at: utc(2026, 3, 4, 21, 40),
        lines: vec![SimRefundLine {
            line_id: 8_000_011,
            quantity: 1,
            subtotal: 1800,
            tax: 234,
            location_id: Some(STORE_02),
        }],
        other_amount: 0,
    });
    a.touch(utc(2026, 3, 4, 21, 40));
    orders.push(a);

    // C: same day at STORE-01, all left out. An online order of 30.00 picked up in store,
    // carrying a 3.00 shipping charge that is refunded (a refund of shipping only).
    let mut web = OrderBuilder::new(7_000_002, Channel::Web, None, utc(2026, 3, 2, 16, 0))
        .line(8_000_021, 1, 3000, &[], 390, false)
        .build();
    web.shipping = 300;
    web.refunds.push(SimRefund {
        id: 9_000_002,
        created_at: utc(2026, 3, 2, 18, 30),
        lines: vec![],
        other_amount: 300,
    });
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
    ship.refunds.push(SimRefund {
        id: 9_000_005,
        created_at: utc(2026, 3, 2, 20, 0),
        lines: vec![],
        other_amount: 300,
    });
    ship.touch(utc(2026, 3, 2, 20, 0));
    orders.push(ship);

    // D: 2026-11-01, clocks go back at 02:00 in Toronto. Net 10.00 at 01:30 EDT (05:30 UTC),
    // net 15.00 at 01:30 EST (06:30 UTC), and 7.00 at 23:30 EST (04:30 UTC on 11-02).
    orders.push(
        OrderBuilder::new(
            7_000_006,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 11, 1, 5, 30),
        )
        .line(8_000_061, 1, 1000, &[], 130, false)
        .build(),
    );
    orders.push(
        OrderBuilder::new(
            7_000_007,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 11, 1, 6, 30),
        )
        .line(8_000_071, 1, 1500, &[], 195, false)
        .build(),
    );
    orders.push(
        OrderBuilder::new(
            7_000_008,
            Channel::Pos,
            Some(STORE_01),
            utc(2026, 11, 2, 4, 30),
        )
        .line(8_000_081, 1, 700, &[], 91, false)
        .build(),
    );

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
    e.refunds.push(SimRefund {
        id: 9_000_009,
        created_at: utc(2026, 3, 5, 20, 10),
        lines: vec![SimRefundLine {
            line_id: 8_000_091,
            quantity: 1,
            subtotal: 8000,
            tax: 1040,
            location_id: Some(STORE_01),
        }],
        other_amount: 0,
    });
    e.touch(utc(2026, 3, 5, 20, 10));
    orders.push(e);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::expected::expected_totals;
    use chrono::NaiveDate;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
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
    }
}
