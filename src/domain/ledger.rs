//! Shopify's sales ledger (`Order.agreements`) and the facts DOMAIN.md builds from it.
//!
//! An order's ledger holds one agreement per event (the sale, an edit, a refund, a return or
//! exchange), each with the instant it happened and its signed sales. For an order that is
//! only sold, refunded or cancelled the ledger says what the line-item rules in
//! [`super::facts`] say; it alone gets exchanges and edits right, so every order whose
//! ledger was read is counted from it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use super::order::{
    Agreement, AgreementKind, Ledger, Payment, ReturnPlaces, Sale, SaleAction, SaleLine,
};
use super::order::{Order, RefundLineItem};
pub use super::sale_facts::LedgerProblem;
use super::sale_facts::{OrderFacts, ReturnFact, SaleFact, refund_location};

/// How far a payment's `processedAt` may be from a return's `happenedAt` and still be taken
/// as the same visit to the till (Shopify records both at the till, seconds apart).
const SAME_VISIT_SECONDS: i64 = 60;

/// Sums of one agreement's product sales.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    gross: i64,
    discounts: i64,
    returns: i64,
    items: i64,
    /// Whether a `RETURN` product sale is among them (goods taken back).
    takes_back: bool,
    /// Whether any product sale is among them.
    any: bool,
}

/// What a type TMAS does not know is, named for support; `None` when every part is known.
fn unknown_part(agreement: &Agreement) -> Option<String> {
    if let AgreementKind::Unknown(t) = &agreement.kind {
        return Some(format!("agreement type {t}"));
    }
    agreement
        .sales
        .iter()
        .find_map(|s| match (&s.action, &s.line) {
            (SaleAction::Unknown(a), _) => Some(format!("sale action {a}")),
            (_, SaleLine::Unknown(l)) => Some(format!("sale line type {l}")),
            _ => None,
        })
}

fn sums(agreement: &Agreement) -> Sums {
    let mut out = Sums::default();
    for sale in &agreement.sales {
        let counts_in_returns = match (&sale.action, &sale.line) {
            (_, SaleLine::Adjustment) => true,
            (SaleAction::Return, SaleLine::Product) => true,
            (SaleAction::Order | SaleAction::Update, SaleLine::Product) => false,
            _ => continue,
        };
        out.any = true;
        let (v, d) = (sale.value(), sale.discount);
        if counts_in_returns {
            out.returns -= v;
        } else {
            out.gross += v + d;
            out.discounts += d;
        }
        if sale.line == SaleLine::Product {
            out.items += sale.quantity.unwrap_or(0);
            out.takes_back |= sale.action == SaleAction::Return;
        }
    }
    out
}

/// Where an agreement that takes goods back happened, per DOMAIN.md; `None`: the order's
/// retail location.
fn agreement_location(order: &Order, ledger: &Ledger, agreement: &Agreement) -> Option<i64> {
    let refund_place = |refund_id: &str| {
        let refund = order.refunds.iter().find(|r| r.id == refund_id)?;
        let goods: Vec<&RefundLineItem> = refund
            .refund_line_items
            .iter()
            .filter(|l| !l.is_gift_card)
            .collect();
        refund_location(refund, &goods, order.taxes_included)
    };
    match &agreement.kind {
        AgreementKind::Refund { refund_id } => refund_place(refund_id),
        AgreementKind::Return { return_id } => {
            let Some(returns) = &ledger.returns else {
                return payment_place(&ledger.payments, agreement.happened_at);
            };
            let places = returns.iter().find(|r| &r.id == return_id)?;
            places
                .refund_ids
                .iter()
                .find_map(|id| refund_place(id))
                .or_else(|| heaviest_restock(&places.restocked))
        }
        _ => None,
    }
}

/// Where money moved at the till within [`SAME_VISIT_SECONDS`] of `at`: the location that
/// moved the most, the first listed on a tie.
fn payment_place(payments: &[Payment], at: DateTime<Utc>) -> Option<i64> {
    heaviest_restock(
        &payments
            .iter()
            .filter(|p| (p.at - at).num_seconds().abs() <= SAME_VISIT_SECONDS)
            .map(|p| (p.location_id, p.amount.abs()))
            .collect::<Vec<_>>(),
    )
}

/// Among `(location, weight)` pairs, the location with the largest total weight (units
/// restocked, money moved), the first listed on a tie.
fn heaviest_restock(restocked: &[(i64, i64)]) -> Option<i64> {
    let mut totals: Vec<(i64, i64)> = Vec::new();
    for &(location, quantity) in restocked {
        match totals.iter_mut().find(|(l, _)| *l == location) {
            Some(slot) => slot.1 += quantity,
            None => totals.push((location, quantity)),
        }
    }
    totals
        .into_iter()
        .rev()
        .max_by_key(|&(_, q)| q)
        .map(|(l, _)| l)
}

/// The self-check of DOMAIN.md: for every line item, the quantities of its product sales
/// add up to its `currentQuantity`. Lines whose current quantity Shopify did not give are
/// not checked.
fn quantity_problems(order: &Order, ledger: &Ledger) -> Vec<LedgerProblem> {
    let mut by_line: BTreeMap<&str, i64> = BTreeMap::new();
    for agreement in &ledger.agreements {
        for sale in &agreement.sales {
            if sale.line == SaleLine::Product
                && let Some(id) = &sale.line_item_id
            {
                *by_line.entry(id.as_str()).or_default() += sale.quantity.unwrap_or(0);
            }
        }
    }
    order
        .line_items
        .iter()
        .filter(|l| !l.is_gift_card)
        .filter_map(|l| {
            let current = l.current_quantity?;
            let ledger = by_line.get(l.id.as_str()).copied().unwrap_or(0);
            (ledger != current).then(|| LedgerProblem::QuantityMismatch {
                line_item_id: l.id.clone(),
                ledger,
                current,
            })
        })
        .collect()
}

/// The facts of an imported order from its ledger (the caller checked that TMAS imports
/// it), with what support should look at.
pub fn ledger_facts(order: &Order, home: i64, ledger: &Ledger) -> OrderFacts {
    let mut facts = OrderFacts {
        problems: quantity_problems(order, ledger),
        ..OrderFacts::default()
    };
    // Product value and units the ledger leaves sold, for the cancellation rule.
    let (mut left_value, mut left_items) = (0i64, 0i64);
    for agreement in &ledger.agreements {
        if let Some(what) = unknown_part(agreement) {
            facts.problems.push(LedgerProblem::UnknownType {
                agreement_id: agreement.id.clone(),
                what,
            });
            continue;
        }
        let s = sums(agreement);
        if !s.any {
            continue;
        }
        left_value += s.gross - s.discounts - s.returns;
        left_items += s.items;
        if agreement.kind == AgreementKind::Order && facts.sale.is_none() && s.returns == 0 {
            facts.sale = Some(SaleFact {
                order_id: order.id.clone(),
                shopify_location_id: home,
                at: agreement.happened_at,
                gross: s.gross,
                discounts: s.discounts,
                items: s.items,
                transaction: true,
            });
            continue;
        }
        let (id, transaction) = match &agreement.kind {
            AgreementKind::Refund { refund_id } => (refund_id.clone(), s.takes_back),
            AgreementKind::Return { return_id } => (return_id.clone(), s.takes_back),
            // A second sale agreement (Shopify makes one per order) still is a sale.
            AgreementKind::Order => (agreement.id.clone(), true),
            AgreementKind::OrderEdit | AgreementKind::Unknown(_) => (agreement.id.clone(), false),
        };
        facts.returns.push(ReturnFact {
            id,
            order_id: order.id.clone(),
            shopify_location_id: agreement_location(order, ledger, agreement).unwrap_or(home),
            at: agreement.happened_at,
            gross: s.gross,
            discounts: s.discounts,
            returns: s.returns,
            items: -s.items,
            transaction,
        });
    }
    if let Some(cancelled_at) = order.cancelled_at
        && (left_value != 0 || left_items != 0)
    {
        facts.returns.push(ReturnFact {
            id: format!("cancel:{}", order.id),
            order_id: order.id.clone(),
            shopify_location_id: home,
            at: cancelled_at,
            gross: 0,
            discounts: 0,
            returns: left_value,
            items: left_items,
            transaction: left_items > 0,
        });
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::facts::{HourlyTotals, bucket_facts, order_facts};
    use crate::domain::order::{
        LineItem, Refund, RefundTransaction, TransactionKind, TransactionStatus,
    };
    use chrono::{NaiveDate, TimeZone};

    const TORONTO: chrono_tz::Tz = chrono_tz::America::Toronto;
    const STORE_01: i64 = 1001;
    const STORE_02: i64 = 1002;

    /// A local Toronto time in March 2026 (EST until the 8th, EDT after).
    fn local(day: u32, h: u32, m: u32) -> DateTime<Utc> {
        TORONTO
            .with_ymd_and_hms(2026, 3, day, h, m, 0)
            .single()
            .expect("valid local time")
            .with_timezone(&Utc)
    }

    fn line(id: &str, quantity: i64, current: i64) -> LineItem {
        LineItem {
            id: id.into(),
            quantity,
            original_unit_price: 0,
            is_gift_card: false,
            discount: 0,
            tax: 0,
            current_quantity: Some(current),
        }
    }

    fn product(
        action: SaleAction,
        line: &str,
        quantity: i64,
        total: i64,
        tax: i64,
        discount: i64,
    ) -> Sale {
        Sale {
            action,
            line: SaleLine::Product,
            quantity: Some(quantity),
            total,
            tax,
            discount,
            line_item_id: Some(line.into()),
        }
    }

    fn agreement(id: &str, kind: AgreementKind, at: DateTime<Utc>, sales: Vec<Sale>) -> Agreement {
        Agreement {
            id: id.into(),
            kind,
            happened_at: at,
            sales,
        }
    }

    /// Example A of DOMAIN.md as its ledger: 2 shirts at 20.00 and a mug at 12.00, a 10 %
    /// order discount, 13 % tax, a 5.00 tip.
    fn example_a() -> Order {
        let sale = agreement(
            "gid://shopify/SalesAgreement/1",
            AgreementKind::Order,
            local(2, 10, 15),
            vec![
                product(SaleAction::Order, "shirt", 2, 4068, 468, 400),
                product(SaleAction::Order, "mug", 1, 1220, 140, 120),
                Sale {
                    action: SaleAction::Order,
                    line: SaleLine::NotSales("TIP".into()),
                    quantity: None,
                    total: 500,
                    tax: 0,
                    discount: 0,
                    line_item_id: None,
                },
            ],
        );
        Order {
            id: "gid://shopify/Order/1".into(),
            name: "#1001".into(),
            source_name: Some("pos".into()),
            test: false,
            retail_location_id: Some(STORE_01),
            processed_at: local(2, 10, 15),
            cancelled_at: None,
            updated_at: local(2, 10, 15),
            created_at: local(2, 10, 15),
            taxes_included: false,
            currency_code: "CAD".into(),
            line_items: vec![line("shirt", 2, 2), line("mug", 1, 1)],
            refunds: vec![],
            ledger: Some(Ledger {
                agreements: vec![sale],
                returns: Some(vec![]),
                payments: vec![],
            }),
        }
    }

    fn hour(facts: &OrderFacts, location: i64, day: u32, h: u32) -> HourlyTotals {
        let date = NaiveDate::from_ymd_opt(2026, 3, day).expect("date");
        bucket_facts([facts], TORONTO)
            .get(&(location, date, h))
            .copied()
            .unwrap_or_default()
    }

    fn ledger_mut(o: &mut Order) -> &mut Ledger {
        o.ledger.as_mut().expect("a ledger")
    }

    #[test]
    fn example_a_from_the_ledger_is_the_sale_of_the_line_item_rules() {
        let f = order_facts(&example_a());
        let h = hour(&f, STORE_01, 2, 10);
        assert_eq!(
            (
                h.gross,
                h.discounts,
                h.returns,
                h.net,
                h.transactions,
                h.items
            ),
            (5200, 520, 0, 4680, 1, 3)
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }

    /// Example G: order A's second shirt exchanged at STORE-02 on 2026-03-09 14:20 for a
    /// 60.00 jacket; the customer pays the difference; the shirt restocked at STORE-02.
    fn example_g() -> Order {
        let mut o = example_a();
        o.line_items[0].current_quantity = Some(1);
        o.line_items.push(line("jacket", 1, 1));
        let ledger = ledger_mut(&mut o);
        ledger.agreements.push(agreement(
            "gid://shopify/SalesAgreement/2",
            AgreementKind::Return {
                return_id: "gid://shopify/Return/7".into(),
            },
            local(9, 14, 20),
            vec![
                product(SaleAction::Return, "shirt", -1, -2034, -234, -200),
                product(SaleAction::Order, "jacket", 1, 6780, 780, 0),
            ],
        ));
        ledger.returns = Some(vec![ReturnPlaces {
            id: "gid://shopify/Return/7".into(),
            refund_ids: vec![],
            restocked: vec![(STORE_02, 1)],
        }]);
        o
    }

    #[test]
    fn example_g_an_exchange_counts_when_and_where_it_happened() {
        let f = order_facts(&example_g());
        let h = hour(&f, STORE_02, 9, 14);
        assert_eq!(
            (
                h.gross,
                h.discounts,
                h.returns,
                h.net,
                h.transactions,
                h.items
            ),
            (6000, 0, 1800, 4200, 1, 0)
        );
        // Order A's own hour is unchanged: the jacket is not a sale of that day.
        let a = hour(&f, STORE_01, 2, 10);
        assert_eq!((a.net, a.items, a.transactions), (4680, 3, 1));
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }

    #[test]
    fn a_return_is_placed_by_its_refund_then_its_restock_then_the_store() {
        let mut o = example_g();
        // The difference refunded at STORE-03's till: the refund decides.
        o.refunds.push(Refund {
            id: "gid://shopify/Refund/5".into(),
            created_at: Some(local(9, 14, 21)),
            processed_at: local(9, 14, 21),
            refund_line_items: vec![],
            transactions: vec![RefundTransaction {
                kind: TransactionKind::Refund,
                status: TransactionStatus::Success,
                location_id: Some(1003),
                amount: 100,
            }],
        });
        ledger_mut(&mut o).returns.as_mut().expect("returns")[0].refund_ids =
            vec!["gid://shopify/Refund/5".into()];
        let f = order_facts(&o);
        assert_eq!(hour(&f, 1003, 9, 14).net, 4200);
        // A refund without a location: the restock place.
        o.refunds[0].transactions[0].location_id = None;
        assert_eq!(hour(&order_facts(&o), STORE_02, 9, 14).net, 4200);
        // Not restocked: the store of the sale.
        ledger_mut(&mut o).returns.as_mut().expect("returns")[0].restocked = vec![];
        assert_eq!(hour(&order_facts(&o), STORE_01, 9, 14).net, 4200);
        // Returns not readable (no scope): the till where the difference was paid, within
        // a minute of the exchange; else the store of the sale.
        ledger_mut(&mut o).returns = None;
        ledger_mut(&mut o).payments = vec![
            Payment {
                at: local(2, 10, 15),
                location_id: STORE_01,
                amount: 5788,
            },
            Payment {
                at: local(9, 14, 20) + chrono::Duration::seconds(40),
                location_id: STORE_02,
                amount: 4746,
            },
        ];
        assert_eq!(hour(&order_facts(&o), STORE_02, 9, 14).net, 4200);
        ledger_mut(&mut o).payments[1].at = local(9, 14, 25);
        assert_eq!(hour(&order_facts(&o), STORE_01, 9, 14).net, 4200);
    }

    #[test]
    fn edits_add_remove_and_discount_later_without_a_transaction() {
        let mut o = example_a();
        o.line_items[1].current_quantity = Some(0);
        o.line_items.push(line("belt", 1, 1));
        ledger_mut(&mut o).agreements.push(agreement(
            "gid://shopify/SalesAgreement/3",
            AgreementKind::OrderEdit,
            local(3, 9, 5),
            vec![
                // The belt added at 15.00, the mug removed, 2.00 off the shirts later.
                product(SaleAction::Order, "belt", 1, 1695, 195, 0),
                product(SaleAction::Return, "mug", -1, -1220, -140, -120),
                product(SaleAction::Update, "shirt", 0, -226, -26, 200),
            ],
        ));
        let f = order_facts(&o);
        let h = hour(&f, STORE_01, 3, 9);
        // gross: 15.00 + (−2.00 + 2.00); discounts 2.00; returns 10.80 (the mug after its
        // discount); net 15.00 − 2.00 − 10.80.
        assert_eq!(
            (
                h.gross,
                h.discounts,
                h.returns,
                h.net,
                h.transactions,
                h.items
            ),
            (1500, 200, 1080, 220, 0, 0)
        );
        assert_eq!(hour(&f, STORE_01, 2, 10).net, 4680, "the sale's hour stays");
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }

    #[test]
    fn fees_tips_and_shipping_are_never_sales_and_adjustments_are_returns() {
        let mut o = example_a();
        o.line_items[0].current_quantity = Some(1);
        ledger_mut(&mut o).agreements.push(agreement(
            "gid://shopify/SalesAgreement/4",
            AgreementKind::Return {
                return_id: "gid://shopify/Return/8".into(),
            },
            local(4, 16, 40),
            vec![
                product(SaleAction::Return, "shirt", -1, -2034, -234, -200),
                Sale {
                    action: SaleAction::Order,
                    line: SaleLine::NotSales("FEE".into()),
                    quantity: None,
                    total: 300,
                    tax: 0,
                    discount: 0,
                    line_item_id: None,
                },
                Sale {
                    action: SaleAction::Return,
                    line: SaleLine::Adjustment,
                    quantity: None,
                    total: 50,
                    tax: 0,
                    discount: 0,
                    line_item_id: None,
                },
            ],
        ));
        let f = order_facts(&o);
        let h = hour(&f, STORE_01, 4, 16);
        // The shirt (18.00) less an adjustment of 0.50 kept by the store; the fee is no sale.
        assert_eq!(
            (h.returns, h.net, h.items, h.transactions),
            (1750, -1750, -1, 1)
        );
    }

    #[test]
    fn an_unknown_type_is_left_out_and_listed_and_the_rest_stays_exact() {
        let mut o = example_g();
        ledger_mut(&mut o).agreements.push(agreement(
            "gid://shopify/SalesAgreement/9",
            AgreementKind::Unknown("LayawayAgreement".into()),
            local(10, 12, 0),
            vec![product(SaleAction::Order, "jacket", 1, 100, 0, 0)],
        ));
        let mut sale = product(SaleAction::Order, "jacket", 1, 100, 0, 0);
        sale.line = SaleLine::Unknown("UNKNOWN".into());
        ledger_mut(&mut o).agreements.push(agreement(
            "gid://shopify/SalesAgreement/10",
            AgreementKind::OrderEdit,
            local(11, 12, 0),
            vec![sale],
        ));
        let f = order_facts(&o);
        assert_eq!(hour(&f, STORE_02, 9, 14).net, 4200);
        assert_eq!(hour(&f, STORE_01, 2, 10).net, 4680);
        assert_eq!(hour(&f, STORE_01, 10, 12), HourlyTotals::default());
        assert_eq!(hour(&f, STORE_01, 11, 12), HourlyTotals::default());
        let unknown: Vec<_> = f
            .problems
            .iter()
            .filter(|p| matches!(p, LedgerProblem::UnknownType { .. }))
            .collect();
        assert_eq!(unknown.len(), 2, "{:?}", f.problems);
        assert!(unknown[0].to_string().contains("LayawayAgreement"));
        assert!(unknown[1].to_string().contains("sale line type UNKNOWN"));
    }

    #[test]
    fn a_line_whose_ledger_does_not_add_up_is_counted_by_the_ledger_and_listed() {
        let mut o = example_g();
        // Shopify says two shirts are left; the ledger says one.
        o.line_items[0].current_quantity = Some(2);
        let f = order_facts(&o);
        assert_eq!(hour(&f, STORE_02, 9, 14).net, 4200, "never corrected");
        assert_eq!(
            f.problems,
            vec![LedgerProblem::QuantityMismatch {
                line_item_id: "shirt".into(),
                ledger: 1,
                current: 2,
            }]
        );
    }

    #[test]
    fn a_cancelled_order_nets_to_zero_by_its_refund_or_by_the_rest() {
        // Cancelled with a refund agreement that takes everything back.
        let mut o = example_a();
        o.cancelled_at = Some(local(2, 15, 10));
        o.line_items[0].current_quantity = Some(0);
        o.line_items[1].current_quantity = Some(0);
        ledger_mut(&mut o).agreements.push(agreement(
            "gid://shopify/SalesAgreement/5",
            AgreementKind::Refund {
                refund_id: "gid://shopify/Refund/6".into(),
            },
            local(2, 15, 10),
            vec![
                product(SaleAction::Return, "shirt", -2, -4068, -468, -400),
                product(SaleAction::Return, "mug", -1, -1220, -140, -120),
            ],
        ));
        let f = order_facts(&o);
        assert_eq!(
            f.returns.len(),
            1,
            "no remainder: the refund took everything"
        );
        let day: i64 = [10, 15].iter().map(|&h| hour(&f, STORE_01, 2, h).net).sum();
        assert_eq!(day, 0);
        assert_eq!(hour(&f, STORE_01, 2, 15).transactions, 1);
        // Cancelled without a refund in the ledger: the rest comes back at cancelledAt.
        let mut o = example_a();
        o.cancelled_at = Some(local(2, 15, 10));
        let f = order_facts(&o);
        let h = hour(&f, STORE_01, 2, 15);
        assert_eq!((h.returns, h.items, h.transactions), (4680, -3, 1));
    }

    #[test]
    fn an_exchanged_in_item_refunded_later_leaves_at_the_refunds_store() {
        let mut o = example_g();
        o.line_items[2].current_quantity = Some(0);
        o.refunds.push(Refund {
            id: "gid://shopify/Refund/8".into(),
            created_at: Some(local(12, 11, 0)),
            processed_at: local(12, 11, 0),
            refund_line_items: vec![],
            transactions: vec![RefundTransaction {
                kind: TransactionKind::Refund,
                status: TransactionStatus::Success,
                location_id: Some(STORE_02),
                amount: 6780,
            }],
        });
        ledger_mut(&mut o).agreements.push(agreement(
            "gid://shopify/SalesAgreement/6",
            AgreementKind::Refund {
                refund_id: "gid://shopify/Refund/8".into(),
            },
            local(12, 11, 0),
            vec![product(SaleAction::Return, "jacket", -1, -6780, -780, 0)],
        ));
        let f = order_facts(&o);
        let h = hour(&f, STORE_02, 12, 11);
        assert_eq!(
            (h.returns, h.net, h.items, h.transactions),
            (6000, -6000, -1, 1)
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
    }
}
