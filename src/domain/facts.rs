//! The TMAS facts of one Shopify order: its sale and its returns, per DOMAIN.md.
//!
//! Written from the rules, independently of the simulator's expected totals, so that
//! each checks the other.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::shopify::types::Order;

/// What an order adds when it is processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleFact {
    pub order_id: String,
    pub shopify_location_id: i64,
    pub at: DateTime<Utc>,
    /// Unit price × quantity of non-gift-card lines, less included tax.
    pub gross: i64,
    pub discounts: i64,
    pub items: i64,
    pub transaction: bool,
}

/// What a refund (or a cancellation's unreturned remainder) takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnFact {
    /// The refund's id, or `cancel:<order id>` for what a cancellation returns.
    /// When one refund returns goods at several locations, each location after the
    /// first gets `<refund id>@<location id>` so that ids stay unique.
    pub id: String,
    pub order_id: String,
    pub shopify_location_id: i64,
    pub at: DateTime<Utc>,
    /// Value returned (positive; subtracted from net sales).
    pub returns: i64,
    /// Items returned (positive; subtracted from items sold).
    pub items: i64,
    pub transaction: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFacts {
    pub sale: Option<SaleFact>,
    pub returns: Vec<ReturnFact>,
}

/// Whether TMAS imports this order at all: POS, not a test, with a retail location.
pub fn is_imported(order: &Order) -> bool {
    !order.test && order.source_name.as_deref() == Some("pos") && order.retail_location_id.is_some()
}

/// Turns a parsed order into its sale and return facts.
///
/// Orders that are not imported (online, test, no retail location) give no facts.
pub fn order_facts(order: &Order, taxes_included: bool) -> OrderFacts {
    let Some(home) = order.retail_location_id.filter(|_| is_imported(order)) else {
        return OrderFacts::default();
    };
    let sold: Vec<_> = order
        .line_items
        .iter()
        .filter(|l| !l.is_gift_card)
        .collect();

    let sale = (!sold.is_empty()).then(|| {
        let gross = sold
            .iter()
            .map(|l| l.original_unit_price * l.quantity - if taxes_included { l.tax } else { 0 })
            .sum();
        SaleFact {
            order_id: order.id.clone(),
            shopify_location_id: home,
            at: order.processed_at,
            gross,
            discounts: sold.iter().map(|l| l.discount).sum(),
            items: sold.iter().map(|l| l.quantity).sum(),
            transaction: true,
        }
    });

    let mut returns = Vec::new();
    // Per line: quantity and value already returned by refunds (for the cancellation rest).
    let mut returned: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for refund in &order.refunds {
        // Group the goods of this refund by where they came back.
        let mut by_location: Vec<(i64, i64, i64)> = Vec::new();
        for rl in refund
            .refund_line_items
            .iter()
            .filter(|rl| !rl.is_gift_card)
        {
            let entry = returned.entry(rl.line_item_id.as_str()).or_default();
            entry.0 += rl.quantity;
            entry.1 += rl.subtotal;
            let loc = rl.location_id.unwrap_or(home);
            match by_location.iter_mut().find(|(l, _, _)| *l == loc) {
                Some(slot) => {
                    slot.1 += rl.subtotal;
                    slot.2 += rl.quantity;
                }
                None => by_location.push((loc, rl.subtotal, rl.quantity)),
            }
        }
        for (i, (loc, value, items)) in by_location.into_iter().enumerate() {
            let id = if i == 0 {
                refund.id.clone()
            } else {
                format!("{}@{loc}", refund.id)
            };
            returns.push(ReturnFact {
                id,
                order_id: order.id.clone(),
                shopify_location_id: loc,
                at: refund.created_at,
                returns: value,
                items,
                transaction: items > 0,
            });
        }
    }

    if let Some(cancelled_at) = order.cancelled_at {
        // What the refunds did not return comes back now, at its value after discounts,
        // so that the order nets to exactly zero.
        let (mut value, mut items) = (0i64, 0i64);
        for l in &sold {
            let paid = l.original_unit_price * l.quantity
                - l.discount
                - if taxes_included { l.tax } else { 0 };
            let (q, v) = returned.get(l.id.as_str()).copied().unwrap_or_default();
            if q < l.quantity {
                items += l.quantity - q;
                value += paid - v;
            }
        }
        if items > 0 {
            returns.push(ReturnFact {
                id: format!("cancel:{}", order.id),
                order_id: order.id.clone(),
                shopify_location_id: home,
                at: cancelled_at,
                returns: value,
                items,
                transaction: true,
            });
        }
    }
    OrderFacts { sale, returns }
}

/// Totals of one location's local hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourlyTotals {
    pub gross: i64,
    pub discounts: i64,
    pub returns: i64,
    pub net: i64,
    pub transactions: i64,
    pub items: i64,
}

/// The local date and hour (0–23) of an instant in a time zone. On the night clocks go
/// back, both real hours share one local hour, which is what DOMAIN.md asks for.
pub fn local_hour(at: DateTime<Utc>, tz: Tz) -> (NaiveDate, u32) {
    let local = at.with_timezone(&tz);
    (local.date_naive(), local.hour())
}

/// Adds facts into hourly buckets keyed by (Shopify location id, local date, hour).
pub fn bucket_facts<'a>(
    facts: impl IntoIterator<Item = &'a OrderFacts>,
    tz: Tz,
) -> BTreeMap<(i64, NaiveDate, u32), HourlyTotals> {
    let mut out: BTreeMap<(i64, NaiveDate, u32), HourlyTotals> = BTreeMap::new();
    for f in facts {
        if let Some(s) = &f.sale {
            let (d, h) = local_hour(s.at, tz);
            let b = out.entry((s.shopify_location_id, d, h)).or_default();
            b.gross += s.gross;
            b.discounts += s.discounts;
            b.net += s.gross - s.discounts;
            b.items += s.items;
            b.transactions += i64::from(s.transaction);
        }
        for r in &f.returns {
            let (d, h) = local_hour(r.at, tz);
            let b = out.entry((r.shopify_location_id, d, h)).or_default();
            b.returns += r.returns;
            b.net -= r.returns;
            b.items -= r.items;
            b.transactions += i64::from(r.transaction);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::types::{LineItem, Refund, RefundLineItem};
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0)
            .single()
            .expect("valid time")
    }

    fn order() -> Order {
        Order {
            id: "gid://shopify/Order/1".into(),
            name: "#1001".into(),
            source_name: Some("pos".into()),
            test: false,
            retail_location_id: Some(1001),
            processed_at: at(15, 15),
            cancelled_at: None,
            updated_at: at(15, 15),
            created_at: at(15, 15),
            currency_code: "CAD".into(),
            line_items: vec![
                LineItem {
                    id: "gid://shopify/LineItem/1".into(),
                    quantity: 2,
                    original_unit_price: 2000,
                    is_gift_card: false,
                    discount: 400,
                    tax: 468,
                },
                LineItem {
                    id: "gid://shopify/LineItem/2".into(),
                    quantity: 1,
                    original_unit_price: 1200,
                    is_gift_card: false,
                    discount: 120,
                    tax: 140,
                },
                LineItem {
                    id: "gid://shopify/LineItem/3".into(),
                    quantity: 1,
                    original_unit_price: 5000,
                    is_gift_card: true,
                    discount: 0,
                    tax: 0,
                },
            ],
            refunds: vec![],
        }
    }

    #[test]
    fn a_sale_counts_goods_but_not_gift_cards() {
        let f = order_facts(&order(), false);
        let s = f.sale.expect("a sale");
        assert_eq!((s.gross, s.discounts, s.items), (5200, 520, 3));
        assert!(s.transaction);
        assert!(f.returns.is_empty());
    }

    #[test]
    fn included_tax_is_removed_from_gross() {
        let s = order_facts(&order(), true).sale.expect("a sale");
        assert_eq!(s.gross, 5200 - 468 - 140);
    }

    #[test]
    fn test_and_online_orders_give_nothing() {
        let mut o = order();
        o.test = true;
        assert_eq!(order_facts(&o, false), OrderFacts::default());
        let mut o = order();
        o.source_name = Some("web".into());
        assert_eq!(order_facts(&o, false), OrderFacts::default());
    }

    #[test]
    fn a_refund_counts_where_and_when_it_happened_and_a_cancel_returns_the_rest() {
        let mut o = order();
        o.refunds.push(Refund {
            id: "gid://shopify/Refund/9".into(),
            created_at: at(20, 0),
            refund_line_items: vec![RefundLineItem {
                quantity: 1,
                subtotal: 1800,
                location_id: Some(1002),
                line_item_id: "gid://shopify/LineItem/1".into(),
                is_gift_card: false,
            }],
        });
        o.refunds.push(Refund {
            id: "gid://shopify/Refund/10".into(),
            created_at: at(20, 5),
            refund_line_items: vec![],
        });
        o.cancelled_at = Some(at(21, 0));
        let f = order_facts(&o, false);
        assert_eq!(f.returns.len(), 2, "a shipping-only refund adds nothing");
        assert_eq!(f.returns[0].shopify_location_id, 1002);
        assert_eq!((f.returns[0].returns, f.returns[0].items), (1800, 1));
        let c = &f.returns[1];
        assert_eq!(c.id, "cancel:gid://shopify/Order/1");
        assert_eq!(c.shopify_location_id, 1001);
        assert_eq!(c.items, 2);
        let s = f.sale.expect("a sale");
        let net = s.gross - s.discounts - f.returns.iter().map(|r| r.returns).sum::<i64>();
        assert_eq!(net, 0);
        assert_eq!(s.items - f.returns.iter().map(|r| r.items).sum::<i64>(), 0);
    }

    #[test]
    fn local_hours_follow_daylight_saving_time() {
        let tz = chrono_tz::America::Toronto;
        let utc = |d, h, m| {
            Utc.with_ymd_and_hms(2026, 3, d, h, m, 0)
                .single()
                .expect("valid time")
        };
        let date = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("valid date");
        // Spring forward on 2026-03-08: 01:59 EST is followed by 03:00 EDT; hour 2 is empty.
        assert_eq!(local_hour(utc(8, 6, 59), tz), (date(8), 1));
        assert_eq!(local_hour(utc(8, 7, 0), tz), (date(8), 3));
        // Late evening local time is still the local date, not the UTC one.
        assert_eq!(local_hour(utc(9, 3, 30), tz), (date(8), 23));
    }
}
