//! The TMAS facts of one Shopify order: its sale and its returns, per DOMAIN.md.
//!
//! Written from the rules, independently of the simulator's expected totals, so that
//! each checks the other.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::ledger::ledger_facts;
use super::order::{LineItem, Order, Refund, RefundLineItem};
use super::sale_facts::returned_value;
pub use super::sale_facts::{OrderFacts, ReturnFact, SaleFact, refund_location};

/// Whether TMAS imports this order at all: POS, not a test, with a retail location.
pub fn is_imported(order: &Order) -> bool {
    !order.test && order.source_name.as_deref() == Some("pos") && order.retail_location_id.is_some()
}

/// Turns an order into its sale and return facts: from its sales ledger when it was read
/// ([`ledger_facts`]), else from its line items and refunds (which say the same for an order
/// that is only sold, refunded or cancelled).
///
/// Orders that are not imported (online, test, no retail location) give no facts. Whether
/// prices include tax is the order's own setting, never the shop's.
pub fn order_facts(order: &Order) -> OrderFacts {
    let Some(home) = order.retail_location_id.filter(|_| is_imported(order)) else {
        return OrderFacts::default();
    };
    match &order.ledger {
        Some(ledger) => ledger_facts(order, home, ledger),
        None => line_item_facts(order, home),
    }
}

/// The facts of an imported order from its line items and refunds.
fn line_item_facts(order: &Order, home: i64) -> OrderFacts {
    let sold: Vec<_> = order
        .line_items
        .iter()
        .filter(|l| !l.is_gift_card)
        .collect();
    let sale = line_item_sale(order, &sold, home);
    let mut returns = Vec::new();
    // Per line: quantity and value already returned by refunds (for the cancellation rest).
    let mut returned: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for refund in &order.refunds {
        returns.extend(refund_return(order, refund, home, &mut returned));
    }
    if let Some(cancelled_at) = order.cancelled_at {
        returns.extend(cancellation_return(
            order,
            &sold,
            &returned,
            home,
            cancelled_at,
        ));
    }
    OrderFacts {
        sale,
        returns,
        problems: Vec::new(),
    }
}

/// The sale of the goods sold (gift cards are not sales), None when there are none.
fn line_item_sale(order: &Order, sold: &[&LineItem], home: i64) -> Option<SaleFact> {
    let taxes_included = order.taxes_included;
    (!sold.is_empty()).then(|| {
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
    })
}

/// The return a refund of goods makes, adding what it took back to `returned`; None for a
/// refund of shipping, tax or a tip only.
fn refund_return<'a>(
    order: &Order,
    refund: &'a Refund,
    home: i64,
    returned: &mut BTreeMap<&'a str, (i64, i64)>,
) -> Option<ReturnFact> {
    let taxes_included = order.taxes_included;
    let goods: Vec<&RefundLineItem> = refund
        .refund_line_items
        .iter()
        .filter(|rl| !rl.is_gift_card)
        .collect();
    if goods.is_empty() {
        // Shipping, tax or a tip only: changes nothing.
        return None;
    }
    let (mut value, mut items) = (0i64, 0i64);
    for rl in &goods {
        let v = returned_value(rl, taxes_included);
        let entry = returned.entry(rl.line_item_id.as_str()).or_default();
        entry.0 += rl.quantity;
        entry.1 += v;
        value += v;
        items += rl.quantity;
    }
    Some(ReturnFact {
        id: refund.id.clone(),
        order_id: order.id.clone(),
        shopify_location_id: refund_location(refund, &goods, taxes_included).unwrap_or(home),
        at: refund.at(),
        gross: 0,
        discounts: 0,
        returns: value,
        items,
        transaction: items > 0,
    })
}

/// What a cancellation returns: every good the refunds did not take back.
fn cancellation_return(
    order: &Order,
    sold: &[&LineItem],
    returned: &BTreeMap<&str, (i64, i64)>,
    home: i64,
    cancelled_at: DateTime<Utc>,
) -> Option<ReturnFact> {
    let taxes_included = order.taxes_included;
    // What the refunds did not return comes back now, at its value after discounts,
    // so that the order nets to exactly zero.
    let (mut value, mut items) = (0i64, 0i64);
    for l in sold {
        let paid = l.original_unit_price * l.quantity
            - l.discount
            - if taxes_included { l.tax } else { 0 };
        let (q, v) = returned.get(l.id.as_str()).copied().unwrap_or_default();
        if q < l.quantity {
            items += l.quantity - q;
            value += paid - v;
        }
    }
    (items > 0).then(|| ReturnFact {
        id: format!("cancel:{}", order.id),
        order_id: order.id.clone(),
        shopify_location_id: home,
        at: cancelled_at,
        gross: 0,
        discounts: 0,
        returns: value,
        items,
        transaction: true,
    })
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
            b.gross += r.gross;
            b.discounts += r.discounts;
            b.returns += r.returns;
            b.net += r.gross - r.discounts - r.returns;
            b.items -= r.items;
            b.transactions += i64::from(r.transaction);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::{
        LineItem, Refund, RefundTransaction, TransactionKind, TransactionStatus,
    };
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
            taxes_included: false,
            currency_code: "CAD".into(),
            line_items: vec![
                LineItem {
                    id: "gid://shopify/LineItem/1".into(),
                    quantity: 2,
                    original_unit_price: 2000,
                    is_gift_card: false,
                    discount: 400,
                    tax: 468,
                    current_quantity: None,
                },
                LineItem {
                    id: "gid://shopify/LineItem/2".into(),
                    quantity: 1,
                    original_unit_price: 1200,
                    is_gift_card: false,
                    discount: 120,
                    tax: 140,
                    current_quantity: None,
                },
                LineItem {
                    id: "gid://shopify/LineItem/3".into(),
                    quantity: 1,
                    original_unit_price: 5000,
                    is_gift_card: true,
                    discount: 0,
                    tax: 0,
                    current_quantity: None,
                },
            ],
            refunds: vec![],
            ledger: None,
        }
    }

    fn line(subtotal: i64, tax: i64, restock: Option<i64>) -> RefundLineItem {
        RefundLineItem {
            quantity: 1,
            subtotal,
            tax,
            location_id: restock,
            line_item_id: "gid://shopify/LineItem/1".into(),
            is_gift_card: false,
        }
    }

    fn refund_tx(location: Option<i64>, amount: i64) -> RefundTransaction {
        RefundTransaction {
            kind: TransactionKind::Refund,
            status: TransactionStatus::Success,
            location_id: location,
            amount,
        }
    }

    fn refund(lines: Vec<RefundLineItem>, transactions: Vec<RefundTransaction>) -> Refund {
        Refund {
            id: "gid://shopify/Refund/9".into(),
            created_at: Some(at(20, 0)),
            processed_at: at(20, 0),
            refund_line_items: lines,
            transactions,
        }
    }

    /// The location the single return of `o` is placed at.
    fn placed(o: &Order) -> i64 {
        let f = order_facts(o);
        assert_eq!(f.returns.len(), 1, "one refund, one return");
        f.returns[0].shopify_location_id
    }

    #[test]
    fn a_sale_counts_goods_but_not_gift_cards() {
        let f = order_facts(&order());
        let s = f.sale.expect("a sale");
        assert_eq!((s.gross, s.discounts, s.items), (5200, 520, 3));
        assert!(s.transaction);
        assert!(f.returns.is_empty());
    }

    #[test]
    fn included_tax_is_removed_from_gross_per_the_orders_own_setting() {
        let mut o = order();
        o.taxes_included = true;
        let s = order_facts(&o).sale.expect("a sale");
        assert_eq!(s.gross, 5200 - 468 - 140);
        // The same lines on an order without tax in its prices keep their price.
        o.taxes_included = false;
        assert_eq!(order_facts(&o).sale.expect("a sale").gross, 5200);
    }

    #[test]
    fn test_and_online_orders_give_nothing() {
        let mut o = order();
        o.test = true;
        assert_eq!(order_facts(&o), OrderFacts::default());
        let mut o = order();
        o.source_name = Some("web".into());
        assert_eq!(order_facts(&o), OrderFacts::default());
    }

    #[test]
    fn a_tax_inclusive_return_is_counted_without_its_tax() {
        let mut o = order();
        o.taxes_included = true;
        // One shirt back: 20.00 − 2.00 discount, tax included (2.07 of it is tax).
        o.refunds.push(refund(vec![line(1800, 207, None)], vec![]));
        let f = order_facts(&o);
        assert_eq!((f.returns[0].returns, f.returns[0].items), (1593, 1));
        // Without tax in the prices, the subtotal is the value returned.
        o.taxes_included = false;
        o.refunds = vec![refund(vec![line(1800, 234, None)], vec![])];
        assert_eq!(order_facts(&o).returns[0].returns, 1800);
    }

    #[test]
    fn a_return_is_placed_where_its_refund_transactions_were_processed() {
        let mut o = order();
        // Restocked at the warehouse (9), refunded at STORE-02's till: STORE-02.
        o.refunds = vec![refund(
            vec![line(1800, 0, Some(9))],
            vec![refund_tx(Some(1002), 2034)],
        )];
        assert_eq!(placed(&o), 1002);
        // Not restocked at all: still the till.
        o.refunds = vec![refund(
            vec![line(1800, 0, None)],
            vec![refund_tx(Some(1002), 2034)],
        )];
        assert_eq!(placed(&o), 1002);
        // Failed or non-refund transactions do not place it; the restock location does.
        let failed = RefundTransaction {
            status: TransactionStatus::Other,
            ..refund_tx(Some(1003), 2034)
        };
        let sale = RefundTransaction {
            kind: TransactionKind::Other,
            ..refund_tx(Some(1004), 2034)
        };
        o.refunds = vec![refund(vec![line(1800, 0, Some(1002))], vec![failed, sale])];
        assert_eq!(placed(&o), 1002);
        // A transaction without a location does not place it either.
        o.refunds = vec![refund(
            vec![line(1800, 0, Some(1002))],
            vec![refund_tx(None, 2034)],
        )];
        assert_eq!(placed(&o), 1002);
        // Nothing known: the order's own store.
        o.refunds = vec![refund(
            vec![line(1800, 0, None)],
            vec![refund_tx(None, 2034)],
        )];
        assert_eq!(placed(&o), 1001);
    }

    #[test]
    fn a_refund_at_several_places_is_one_return_at_the_heaviest() {
        let mut o = order();
        // Transactions at two tills: the one that gave back more money.
        o.refunds = vec![refund(
            vec![line(1800, 0, None)],
            vec![
                refund_tx(Some(1003), 500),
                refund_tx(Some(1002), 1000),
                refund_tx(Some(1003), 400),
            ],
        )];
        assert_eq!(placed(&o), 1002);
        // Equal amounts: the first listed.
        o.refunds = vec![refund(
            vec![line(1800, 0, None)],
            vec![refund_tx(Some(1003), 1000), refund_tx(Some(1002), 1000)],
        )];
        assert_eq!(placed(&o), 1003);
        // Goods restocked at two places: the one that took back the most value; the
        // return still counts once, with all its goods.
        let mut cheap = line(600, 0, Some(1003));
        cheap.line_item_id = "gid://shopify/LineItem/2".into();
        o.refunds = vec![refund(
            vec![cheap.clone(), line(1800, 0, Some(1002))],
            vec![],
        )];
        let f = order_facts(&o);
        assert_eq!(f.returns.len(), 1);
        assert_eq!(f.returns[0].shopify_location_id, 1002);
        assert_eq!((f.returns[0].returns, f.returns[0].items), (2400, 2));
        assert!(f.returns[0].transaction);
        // Equal values: the first listed.
        let mut same = line(1800, 0, Some(1003));
        same.line_item_id = "gid://shopify/LineItem/2".into();
        o.refunds = vec![refund(vec![same, line(1800, 0, Some(1002))], vec![])];
        assert_eq!(placed(&o), 1003);
    }

    #[test]
    fn a_refund_without_created_at_counts_when_processed() {
        let mut o = order();
        let mut r = refund(vec![line(1800, 0, None)], vec![]);
        r.created_at = None;
        r.processed_at = at(22, 30);
        o.refunds = vec![r];
        assert_eq!(order_facts(&o).returns[0].at, at(22, 30));
        o.refunds[0].created_at = Some(at(21, 0));
        assert_eq!(order_facts(&o).returns[0].at, at(21, 0));
    }

    #[test]
    fn a_refund_counts_where_and_when_it_happened_and_a_cancel_returns_the_rest() {
        let mut o = order();
        o.refunds
            .push(refund(vec![line(1800, 234, Some(1002))], vec![]));
        o.refunds.push(Refund {
            id: "gid://shopify/Refund/10".into(),
            created_at: Some(at(20, 5)),
            processed_at: at(20, 5),
            refund_line_items: vec![],
            transactions: vec![refund_tx(Some(1001), 300)],
        });
        o.cancelled_at = Some(at(21, 0));
        let f = order_facts(&o);
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
    fn a_tax_inclusive_cancelled_order_nets_to_zero() {
        let mut o = order();
        o.taxes_included = true;
        o.refunds.push(refund(vec![line(1800, 207, None)], vec![]));
        o.cancelled_at = Some(at(21, 0));
        let f = order_facts(&o);
        let s = f.sale.expect("a sale");
        let net = s.gross - s.discounts - f.returns.iter().map(|r| r.returns).sum::<i64>();
        assert_eq!(net, 0);
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
