//! An order's sales ledger (`Order.agreements`), derived from the model's events each time
//! it is asked for, so it can never drift from the order's other views: the sale, each
//! refund that is not a return's, each return (exchanges, restocking fees) and each edit.

use chrono::{DateTime, Utc};

use super::model::{SimEdit, SimLine, SimOrder, SimRefund, SimReturn, SimShop, SimTakeBack};

/// Which event an agreement records, with the id of what it points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementKind {
    Order,
    OrderEdit,
    Refund(i64),
    Return(i64),
}

impl AgreementKind {
    /// The agreement's `__typename`.
    pub fn type_name(self) -> &'static str {
        match self {
            AgreementKind::Order => "OrderAgreement",
            AgreementKind::OrderEdit => "OrderEditAgreement",
            AgreementKind::Refund(_) => "RefundAgreement",
            AgreementKind::Return(_) => "ReturnAgreement",
        }
    }

    /// `SalesAgreement.reason` (`OrderActionType`).
    pub fn reason(self) -> &'static str {
        match self {
            AgreementKind::Order => "ORDER",
            AgreementKind::OrderEdit => "ORDER_EDIT",
            AgreementKind::Refund(_) => "REFUND",
            AgreementKind::Return(_) => "RETURN",
        }
    }
}

/// `SaleActionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleAction {
    Order,
    Return,
    Update,
}

impl SaleAction {
    pub fn name(self) -> &'static str {
        match self {
            SaleAction::Order => "ORDER",
            SaleAction::Return => "RETURN",
            SaleAction::Update => "UPDATE",
        }
    }
}

/// `SaleLineType`, for the sales the simulator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleLine {
    Product,
    GiftCard,
    Tip,
    Shipping,
    Fee,
}

impl SaleLine {
    pub fn name(self) -> &'static str {
        match self {
            SaleLine::Product => "PRODUCT",
            SaleLine::GiftCard => "GIFT_CARD",
            SaleLine::Tip => "TIP",
            SaleLine::Shipping => "SHIPPING",
            SaleLine::Fee => "FEE",
        }
    }

    /// The `Sale` implementation Shopify uses for this line type.
    pub fn type_name(self) -> &'static str {
        match self {
            SaleLine::Product => "ProductSale",
            SaleLine::GiftCard => "GiftCardSale",
            SaleLine::Tip => "TipSale",
            SaleLine::Shipping => "ShippingLineSale",
            SaleLine::Fee => "FeeSale",
        }
    }
}

/// One `Sale`: amounts in minor units of the shop currency, signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub id: i64,
    pub action: SaleAction,
    pub line_type: SaleLine,
    /// The line item of a product or gift-card sale.
    pub line_id: Option<i64>,
    pub quantity: Option<i64>,
    /// `totalAmount`: after discounts, with tax.
    pub total: i64,
    /// `totalTaxAmount`.
    pub tax: i64,
    /// `totalDiscountAmountBeforeTaxes`.
    pub discount: i64,
}

/// One `SalesAgreement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: i64,
    pub kind: AgreementKind,
    pub happened_at: DateTime<Utc>,
    pub sales: Vec<Sale>,
}

/// Sales of one agreement, numbered after it.
struct Sales {
    agreement: i64,
    sales: Vec<Sale>,
}

impl Sales {
    fn new(agreement: i64) -> Self {
        Sales {
            agreement,
            sales: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        action: SaleAction,
        line_type: SaleLine,
        line_id: Option<i64>,
        quantity: Option<i64>,
        total: i64,
        tax: i64,
        discount: i64,
    ) {
        let id = self.agreement * 1000 + self.sales.len() as i64 + 1;
        self.sales.push(Sale {
            id,
            action,
            line_type,
            line_id,
            quantity,
            total,
            tax,
            discount,
        });
    }

    /// A line sold as it was when sold (or appended).
    fn sold(&mut self, order: &SimOrder, line: &SimLine) {
        let (discount, tax) = order.original_discount_and_tax(line);
        let before_tax =
            line.unit_price * line.quantity - discount - if order.taxes_included { tax } else { 0 };
        self.push(
            SaleAction::Order,
            line_kind(line),
            Some(line.id),
            Some(line.quantity),
            before_tax + tax,
            tax,
            discount,
        );
    }

    /// Units taken back, negative.
    fn taken(&mut self, order: &SimOrder, t: &SimTakeBack) {
        let kind = order
            .lines
            .iter()
            .find(|l| l.id == t.line_id)
            .map_or(SaleLine::Product, line_kind);
        self.push(
            SaleAction::Return,
            kind,
            Some(t.line_id),
            Some(-t.quantity),
            -(t.subtotal + t.tax),
            -t.tax,
            -t.discount,
        );
    }
}

fn line_kind(line: &SimLine) -> SaleLine {
    if line.gift_card {
        SaleLine::GiftCard
    } else {
        SaleLine::Product
    }
}

/// The order's agreements, oldest first (the sale first of all).
pub fn ledger(_shop: &SimShop, order: &SimOrder) -> Vec<Agreement> {
    let mut out = vec![sale_agreement(order)];
    for refund in order.refunds.iter().filter(|r| r.return_id.is_none()) {
        out.push(refund_agreement(order, refund));
    }
    for ret in &order.returns {
        out.push(return_agreement(order, ret));
    }
    for edit in &order.edits {
        out.push(edit_agreement(order, edit));
    }
    // Stable: the sale stays first when a change happened at the same instant.
    out.sort_by_key(|a| a.happened_at);
    out
}

/// The sale: the lines as sold (not those added later), the tip and the shipping.
fn sale_agreement(order: &SimOrder) -> Agreement {
    let mut sale = Sales::new(order.id);
    for line in order.lines.iter().filter(|l| !order.appended(l.id)) {
        sale.sold(order, line);
    }
    if order.tip > 0 {
        sale.push(
            SaleAction::Order,
            SaleLine::Tip,
            None,
            Some(1),
            order.tip,
            0,
            0,
        );
    }
    if order.shipping > 0 {
        sale.push(
            SaleAction::Order,
            SaleLine::Shipping,
            None,
            Some(1),
            order.shipping,
            0,
            0,
        );
    }
    Agreement {
        id: order.id,
        kind: AgreementKind::Order,
        happened_at: order.processed_at,
        sales: sale.sales,
    }
}

/// A refund outside a return: its lines taken back and any money without goods.
fn refund_agreement(order: &SimOrder, refund: &SimRefund) -> Agreement {
    let mut sales = Sales::new(refund.id);
    for rl in &refund.lines {
        sales.taken(
            order,
            &SimTakeBack {
                line_id: rl.line_id,
                quantity: rl.quantity,
                subtotal: rl.subtotal,
                tax: rl.tax,
                discount: rl.discount,
            },
        );
    }
    if refund.other_amount > 0 {
        // Money without goods: the shipping, else the tip (the simulator's refunds of
        // "tax only" are shown as shipping: never a sale either way).
        let kind = if order.shipping == 0 && order.tip > 0 {
            SaleLine::Tip
        } else {
            SaleLine::Shipping
        };
        sales.push(
            SaleAction::Return,
            kind,
            None,
            Some(-1),
            -refund.other_amount,
            0,
            0,
        );
    }
    Agreement {
        id: refund.id,
        kind: AgreementKind::Refund(refund.id),
        happened_at: refund.when(),
        sales: sales.sales,
    }
}

/// A return: units taken back, the lines given in exchange, its restocking fee.
fn return_agreement(order: &SimOrder, ret: &SimReturn) -> Agreement {
    let mut sales = Sales::new(ret.id);
    for t in &ret.lines {
        sales.taken(order, t);
    }
    for line in ret
        .exchange_lines
        .iter()
        .filter_map(|&id| find_line(order, id))
    {
        sales.sold(order, line);
    }
    if ret.fee > 0 {
        sales.push(
            SaleAction::Return,
            SaleLine::Fee,
            None,
            Some(1),
            ret.fee,
            0,
            0,
        );
    }
    Agreement {
        id: ret.id,
        kind: AgreementKind::Return(ret.id),
        happened_at: ret.at,
        sales: sales.sales,
    }
}

/// An order edit: lines added, units removed, discounts given later.
fn edit_agreement(order: &SimOrder, edit: &SimEdit) -> Agreement {
    let mut sales = Sales::new(edit.id);
    for line in edit.added.iter().filter_map(|&id| find_line(order, id)) {
        sales.sold(order, line);
    }
    for t in &edit.removed {
        sales.taken(order, t);
    }
    for d in &edit.discounts {
        // A discount given later: no units move, the line's value drops by the discount
        // (with its tax when prices exclude it).
        let total = if order.taxes_included {
            d.amount
        } else {
            d.amount + d.tax
        };
        sales.push(
            SaleAction::Update,
            SaleLine::Product,
            Some(d.line_id),
            Some(0),
            -total,
            -d.tax,
            d.amount,
        );
    }
    Agreement {
        id: edit.id,
        kind: AgreementKind::OrderEdit,
        happened_at: edit.at,
        sales: sales.sales,
    }
}

fn find_line(order: &SimOrder, id: i64) -> Option<&SimLine> {
    order.lines.iter().find(|l| l.id == id)
}

/// Lines whose product (or gift-card) sales do not add up to their `currentQuantity`:
/// the check DOMAIN.md asks of every order. Empty when the ledger is right.
pub fn quantity_mismatches(shop: &SimShop, order: &SimOrder) -> Vec<(i64, i64, i64)> {
    let agreements = ledger(shop, order);
    order
        .lines
        .iter()
        .filter_map(|line| {
            let sold: i64 = agreements
                .iter()
                .flat_map(|a| &a.sales)
                .filter(|s| s.line_id == Some(line.id))
                .filter(|s| matches!(s.line_type, SaleLine::Product | SaleLine::GiftCard))
                .filter_map(|s| s.quantity)
                .sum();
            let current = order.current_quantity(line);
            (sold != current).then_some((line.id, sold, current))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, Timelike};

    use super::*;
    use crate::sim::expected::{HourlyTotals, expected_totals};
    use crate::sim::generator::{ShopSpec, generate};
    use crate::sim::model::{Channel, SimRefund};

    /// DOMAIN.md's place of a refund: its successful refund transactions (largest amount,
    /// first on a tie), else its restock location.
    fn refund_place(r: &SimRefund) -> Option<i64> {
        let largest = |places: Vec<(i64, i64)>| {
            let mut totals: Vec<(i64, i64)> = Vec::new();
            for (p, w) in places {
                match totals.iter_mut().find(|(q, _)| *q == p) {
                    Some((_, t)) => *t += w,
                    None => totals.push((p, w)),
                }
            }
            totals
                .iter()
                .fold(None, |best: Option<(i64, i64)>, &(p, t)| match best {
                    Some((_, b)) if b >= t => best,
                    _ => Some((p, t)),
                })
                .map(|(p, _)| p)
        };
        largest(
            r.transactions
                .iter()
                .filter(|t| t.kind == "REFUND" && t.status == "SUCCESS")
                .filter_map(|t| t.location_id.map(|l| (l, t.amount)))
                .collect(),
        )
        .or_else(|| {
            largest(
                r.lines
                    .iter()
                    .filter_map(|l| l.location_id.map(|p| (p, l.subtotal)))
                    .collect(),
            )
        })
    }

    /// The totals an importer gets by reading the ledger with DOMAIN.md's rules.
    fn from_ledger(shop: &SimShop) -> BTreeMap<(i64, NaiveDate, u32), HourlyTotals> {
        let mut out: BTreeMap<(i64, NaiveDate, u32), HourlyTotals> = BTreeMap::new();
        for o in &shop.orders {
            let Some(home) = o.location_id else { continue };
            if o.test || o.channel != Channel::Pos {
                continue;
            }
            for a in ledger(shop, o) {
                let place = match a.kind {
                    AgreementKind::Order | AgreementKind::OrderEdit => home,
                    AgreementKind::Refund(id) => o
                        .refunds
                        .iter()
                        .find(|r| r.id == id)
                        .and_then(refund_place)
                        .unwrap_or(home),
                    AgreementKind::Return(id) => {
                        let ret = o.returns.iter().find(|r| r.id == id).expect("its return");
                        o.refunds
                            .iter()
                            .filter(|r| r.return_id == Some(id))
                            .find_map(refund_place)
                            .or(ret.restock_location_id)
                            .unwrap_or(home)
                    }
                };
                let products: Vec<&Sale> = a
                    .sales
                    .iter()
                    .filter(|s| s.line_type == SaleLine::Product)
                    .collect();
                if products.is_empty() {
                    continue;
                }
                let local = a.happened_at.with_timezone(&shop.time_zone);
                let b = out
                    .entry((place, local.date_naive(), local.hour()))
                    .or_default();
                for s in &products {
                    let v = s.total - s.tax;
                    match s.action {
                        SaleAction::Order | SaleAction::Update => {
                            b.gross += v + s.discount;
                            b.discounts += s.discount;
                        }
                        SaleAction::Return => b.returns -= v,
                    }
                    b.net += v;
                    b.items += s.quantity.unwrap_or(0);
                }
                let counts = match a.kind {
                    AgreementKind::Order => true,
                    AgreementKind::OrderEdit => false,
                    _ => products.iter().any(|s| s.action == SaleAction::Return),
                };
                b.transactions += i64::from(counts);
            }
        }
        out.retain(|_, t| *t != HourlyTotals::default());
        out
    }

    #[test]
    fn the_ledger_read_by_domain_rules_gives_the_expected_totals() {
        let spec = ShopSpec::new(
            "alpha",
            chrono_tz::America::Toronto,
            "CAD",
            NaiveDate::from_ymd_opt(2026, 11, 15).expect("valid date"),
        )
        .with_ledger_events();
        let mut shop = generate(&spec, 5);
        // The rest of a cancelled order is returned by TMAS's own rule, not by the ledger.
        shop.orders.retain(|o| o.cancelled_at.is_none());
        let mut expected = expected_totals(&shop).buckets;
        expected.retain(|_, t| *t != HourlyTotals::default());
        let read = from_ledger(&shop);
        assert_eq!(read.len(), expected.len());
        for (key, want) in &expected {
            assert_eq!(read.get(key), Some(want), "{key:?}");
        }
        // The history holds the cases this is about.
        assert!(shop.orders.iter().any(|o| !o.returns.is_empty()));
        assert!(shop.orders.iter().any(|o| !o.edits.is_empty()));
    }

    #[test]
    fn ledger_documents_validate_and_the_bulk_one_is_within_the_bulk_rules() {
        let paged = "query Ledger($id: ID!, $after: String) { order(id: $id) { edited returnStatus lineItems(first: 10) { nodes { id currentQuantity } } agreements(first: 5, after: $after) { edges { cursor node { __typename id happenedAt ... on RefundAgreement { refund { id } } ... on ReturnAgreement { return { id } } sales(first: 10) { nodes { __typename actionType lineType quantity totalAmount { shopMoney { amount currencyCode } } totalTaxAmount { shopMoney { amount } } totalDiscountAmountBeforeTaxes { shopMoney { amount } } ... on ProductSale { lineItem { id } } } pageInfo { hasNextPage endCursor } } } } pageInfo { hasNextPage endCursor } } returns(first: 5) { nodes { id refunds(first: 5) { nodes { id } } reverseFulfillmentOrders(first: 5) { nodes { lineItems(first: 10) { nodes { dispositions { type quantity location { id } } } } } } } } } }";
        crate::sim::validate::check_admin(paged).expect("valid against the pinned schema");
        let bulk = "{ orders { edges { node { id lineItems { edges { node { id currentQuantity } } } agreements { edges { node { __typename id happenedAt ... on ReturnAgreement { return { id } } sales { edges { node { __typename actionType lineType quantity totalAmount { shopMoney { amount } } ... on ProductSale { lineItem { id } } } } } } } } } } } }";
        let doc = crate::sim::validate::check_admin(bulk).expect("valid");
        crate::sim::bulk::check_rules(&doc).expect("within the bulk rules");
        let deeper = "{ orders { edges { node { returns { edges { node { reverseFulfillmentOrders { edges { node { lineItems { edges { node { id } } } } } } } } } } } } }";
        let doc = crate::sim::validate::check_admin(deeper).expect("valid");
        assert!(
            crate::sim::bulk::check_rules(&doc)
                .expect_err("three nested levels")
                .contains("nesting depth")
        );
        let in_list = "{ orders { edges { node { refunds { refundLineItems { edges { node { quantity } } } } } } } }";
        let doc = crate::sim::validate::check_admin(in_list).expect("valid");
        assert!(crate::sim::bulk::check_rules(&doc).is_err());
    }
}
