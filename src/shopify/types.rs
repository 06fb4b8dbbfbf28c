//! Shopify payloads: the wire shapes of the GraphQL answers (camelCase, decimal strings)
//! and the parsed types the rest of TMAS uses (exact minor units, parsed instants).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ShopifyError;
use crate::domain::money::{currency_digits, parse_minor};

/// The numeric part of a Shopify global id (`gid://shopify/Location/1001` is 1001).
pub fn gid_number(gid: &str) -> Option<i64> {
    let tail = gid.rsplit('/').next()?;
    // Some gids carry parameters (`…/Location/1?foo=bar`); the id is before them.
    let tail = tail.split('?').next()?;
    tail.parse().ok()
}

/// A time window on `updatedAt`, both ends inclusive, as Shopify's search syntax takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The shop's settings TMAS needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shop {
    pub name: String,
    pub currency_code: String,
    pub iana_timezone: String,
    pub taxes_included: bool,
    pub plan_display_name: String,
    pub shopify_plus: bool,
}

/// A Shopify location (a store, a warehouse…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub id: String,
    pub legacy_id: i64,
    pub name: String,
    pub is_active: bool,
    pub address: LocationAddress,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationAddress {
    pub address1: Option<String>,
    pub city: Option<String>,
    pub province_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
}

// The order model is TMAS's own (the facts rules read it); the client maps its payloads
// into it below. Re-exported so that callers can keep naming it from here.
use crate::domain::ledger::{
    Agreement, AgreementKind, Ledger, Payment, ReturnPlaces, Sale, SaleAction, SaleLine,
};
pub use crate::domain::order::{
    LineItem, Order, Refund, RefundLineItem, RefundTransaction, TransactionKind, TransactionStatus,
};

/// The answer of `GET /admin/oauth/access_scopes.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessScopes {
    pub access_scopes: Vec<AccessScope>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessScope {
    pub handle: String,
}

/// One page of orders and where to continue.
#[derive(Debug, Clone)]
pub struct OrdersPage {
    pub orders: Vec<Order>,
    /// Orders of the page TMAS could not read (a field missing, null or malformed): the
    /// run names them and goes on with the others.
    pub unreadable: Vec<UnreadableOrder>,
    /// `Some` when Shopify has another page (`pageInfo.hasNextPage`).
    pub next_cursor: Option<String>,
    pub cost: Option<QueryCost>,
}

/// An order of a page that could not be read, and what TMAS could still make out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableOrder {
    pub id: String,
    pub name: String,
    /// Which field, and what was wrong with it (`refunds[0].createdAt: invalid type: null…`).
    pub problem: String,
    /// Where and when the order would have counted, as far as its readable fields tell:
    /// (Shopify location id, instant) pairs, so that those hours can say something is
    /// missing.
    pub touches: Vec<(i64, DateTime<Utc>)>,
    /// Whether what could be read says TMAS would import it at all (POS, not a test).
    pub maybe_imported: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

/// `extensions.cost` of a GraphQL answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    pub requested_query_cost: f64,
    pub actual_query_cost: Option<f64>,
    pub throttle_status: ThrottleStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

// ---------- wire shapes ----------

pub(crate) mod wire {
    use super::*;

    #[derive(Debug, Deserialize)]
    pub struct GraphqlResponse<T> {
        pub data: Option<T>,
        #[serde(default)]
        pub errors: Option<serde_json::Value>,
        #[serde(default)]
        pub extensions: Option<Extensions>,
    }

    #[derive(Debug, Deserialize)]
    pub struct Extensions {
        pub cost: Option<QueryCost>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PageInfo {
        pub has_next_page: bool,
        pub end_cursor: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    pub struct ShopData {
        pub shop: WireShop,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireShop {
        pub name: String,
        pub currency_code: String,
        pub iana_timezone: String,
        pub taxes_included: bool,
        pub plan: WirePlan,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WirePlan {
        pub public_display_name: String,
        pub shopify_plus: bool,
    }

    #[derive(Debug, Deserialize)]
    pub struct LocationsData {
        pub locations: Connection<WireLocation>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Connection<T> {
        pub nodes: Vec<T>,
        pub page_info: Option<PageInfo>,
    }

    /// No nodes and nothing more to read (no `T: Default` bound, unlike a derive).
    impl<T> Default for Connection<T> {
        fn default() -> Self {
            Connection {
                nodes: Vec::new(),
                page_info: None,
            }
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireLocation {
        pub id: String,
        pub name: String,
        pub is_active: bool,
        pub address: Option<LocationAddress>,
    }

    #[derive(Debug, Deserialize)]
    /// Orders are read one by one (see [`super::wire_orders_page`]), so the page's nodes
    /// stay raw JSON here.
    pub struct OrdersData {
        pub orders: Connection<serde_json::Value>,
    }

    #[derive(Debug, Deserialize)]
    pub struct IdRef {
        pub id: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireOrder {
        pub id: String,
        pub name: String,
        pub source_name: Option<String>,
        pub test: bool,
        pub retail_location: Option<IdRef>,
        pub processed_at: DateTime<Utc>,
        pub cancelled_at: Option<DateTime<Utc>>,
        pub updated_at: DateTime<Utc>,
        pub created_at: DateTime<Utc>,
        pub taxes_included: bool,
        pub line_items: Connection<WireLineItem>,
        pub refunds: Vec<WireRefund>,
        /// Changed after its sale (an edit): the ledger says how.
        #[serde(default)]
        pub edited: bool,
        /// `NO_RETURN` unless the order has a return (or an exchange).
        #[serde(default)]
        pub return_status: Option<String>,
        /// The sales ledger, when it was read (the bulk export carries it; a paged run reads
        /// it for the orders that changed after their sale).
        #[serde(default)]
        pub agreements: Option<Connection<WireAgreement>>,
        /// The order's returns, read by a follow-up when the ledger has a return; `None`
        /// when they were not read (no return, or no `read_returns` scope).
        #[serde(skip)]
        pub returns: Option<Vec<WireReturn>>,
        /// The order's transactions, read instead when its returns cannot be.
        #[serde(skip)]
        pub payments: Vec<WireOrderTransaction>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireOrderTransaction {
        pub kind: String,
        pub status: String,
        pub processed_at: Option<DateTime<Utc>>,
        pub location: Option<IdRef>,
        pub amount_set: MoneyBag,
    }

    /// `order(id:) { transactions(…) }`
    #[derive(Debug, Deserialize)]
    pub struct OrderPaymentsData {
        pub order: Option<OrderPayments>,
    }

    #[derive(Debug, Deserialize)]
    pub struct OrderPayments {
        pub transactions: Vec<WireOrderTransaction>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireAgreement {
        #[serde(rename = "__typename")]
        pub typename: String,
        pub id: String,
        pub happened_at: DateTime<Utc>,
        #[serde(default)]
        pub refund: Option<IdRef>,
        #[serde(default, rename = "return")]
        pub return_ref: Option<IdRef>,
        pub sales: Connection<WireSale>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireSale {
        pub action_type: String,
        pub line_type: String,
        pub quantity: Option<i64>,
        pub total_amount: MoneyBag,
        pub total_tax_amount: MoneyBag,
        pub total_discount_amount_before_taxes: MoneyBag,
        #[serde(default)]
        pub line_item: Option<IdRef>,
    }

    /// `order(id:) { agreements(…) }`
    #[derive(Debug, Deserialize)]
    pub struct OrderLedgerData {
        pub order: Option<OrderLedger>,
    }

    #[derive(Debug, Deserialize)]
    pub struct OrderLedger {
        pub agreements: Connection<WireAgreement>,
    }

    /// `order(id:) { returns(…) }`
    #[derive(Debug, Deserialize)]
    pub struct OrderReturnsData {
        pub order: Option<OrderReturns>,
    }

    #[derive(Debug, Deserialize)]
    pub struct OrderReturns {
        pub returns: Connection<WireReturn>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireReturn {
        pub id: String,
        pub refunds: Connection<WireReturnRefund>,
        pub reverse_fulfillment_orders: Connection<WireReverseOrder>,
    }

    /// A return's refund: its id, and its transactions where the bulk reader's page of
    /// returns asked for them (its place, as a refund's follow-up would read it).
    #[derive(Debug, Deserialize)]
    pub struct WireReturnRefund {
        pub id: String,
        #[serde(default)]
        pub transactions: Option<Connection<WireTransaction>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireReverseOrder {
        pub line_items: Connection<WireReverseLine>,
    }

    #[derive(Debug, Deserialize)]
    pub struct WireReverseLine {
        pub dispositions: Vec<WireDisposition>,
    }

    #[derive(Debug, Deserialize)]
    pub struct WireDisposition {
        #[serde(rename = "type")]
        pub kind: String,
        pub quantity: i64,
        pub location: Option<IdRef>,
    }

    #[derive(Debug, Deserialize)]
    pub struct MoneyV2 {
        pub amount: String,
        #[serde(rename = "currencyCode")]
        pub currency_code: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct MoneyBag {
        pub shop_money: MoneyV2,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireLineItem {
        pub id: String,
        pub quantity: i64,
        pub original_unit_price_set: MoneyBag,
        /// Units left after removals and returns (asked by every TMAS query; optional so
        /// that an answer without it is still read, without the self-check).
        #[serde(default)]
        pub current_quantity: Option<i64>,
        pub is_gift_card: bool,
        #[serde(default)]
        pub discount_allocations: Vec<WireDiscountAllocation>,
        #[serde(default)]
        pub tax_lines: Vec<WireTaxLine>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireDiscountAllocation {
        pub allocated_amount_set: MoneyBag,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireTaxLine {
        pub price_set: MoneyBag,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireRefund {
        pub id: String,
        /// Nullable in Shopify's schema.
        pub created_at: Option<DateTime<Utc>>,
        pub processed_at: DateTime<Utc>,
        pub refund_line_items: Connection<WireRefundLineItem>,
        pub transactions: Connection<WireTransaction>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireTransaction {
        pub kind: String,
        pub status: String,
        pub location: Option<IdRef>,
        pub amount_set: MoneyBag,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireRefundLineItem {
        pub quantity: i64,
        pub subtotal_set: MoneyBag,
        pub total_tax_set: MoneyBag,
        pub location: Option<IdRef>,
        pub line_item: WireRefundedLine,
    }

    /// `order(id:) { lineItems(…) }`
    #[derive(Debug, Deserialize)]
    pub struct OrderLineItemsData {
        pub order: Option<OrderLineItems>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct OrderLineItems {
        pub line_items: Connection<WireLineItem>,
    }

    /// `order(id:) { refunds(…) { id } }`
    #[derive(Debug, Deserialize)]
    pub struct OrderRefundIdsData {
        pub order: Option<OrderRefundIds>,
    }

    #[derive(Debug, Deserialize)]
    pub struct OrderRefundIds {
        pub refunds: Vec<IdRef>,
    }

    /// `refund(id:) { … }`
    #[derive(Debug, Deserialize)]
    pub struct RefundData {
        pub refund: Option<WireRefund>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct WireRefundedLine {
        pub id: String,
        pub is_gift_card: bool,
    }
}

/// An orders page as Shopify sent it, before its orders are known to be whole. Each order
/// keeps its raw JSON beside its wire shape, so that one that later proves unreadable can
/// still say where and when it would have counted.
#[derive(Debug)]
pub(crate) struct WireOrdersPage {
    pub orders: Vec<(wire::WireOrder, serde_json::Value)>,
    pub unreadable: Vec<UnreadableOrder>,
    pub next_cursor: Option<String>,
    pub cost: Option<QueryCost>,
}

/// Reads the `data` of an orders query. A page that is not one (no orders, a page with
/// more but no cursor) is a `MalformedResponse`, never a panic; an order that cannot be
/// read is set apart as an [`UnreadableOrder`] naming the field, and the others are read.
pub(crate) fn wire_orders_page(
    data: serde_json::Value,
    cost: Option<QueryCost>,
) -> Result<WireOrdersPage, ShopifyError> {
    let data: wire::OrdersData =
        serde_json::from_value(data).map_err(|e| malformed(format!("orders data: {e}")))?;
    let next_cursor = match data.orders.page_info {
        Some(p) if p.has_next_page => Some(
            p.end_cursor
                .ok_or_else(|| malformed("orders page without endCursor"))?,
        ),
        _ => None,
    };
    let mut orders = Vec::with_capacity(data.orders.nodes.len());
    let mut unreadable = Vec::new();
    for raw in data.orders.nodes {
        match serde_path_to_error::deserialize::<_, wire::WireOrder>(&raw) {
            Ok(order) => orders.push((order, raw)),
            Err(e) => {
                let problem = format!("{}: {}", e.path(), e.inner());
                unreadable.push(unreadable_order(&raw, problem));
            }
        }
    }
    Ok(WireOrdersPage {
        orders,
        unreadable,
        next_cursor,
        cost,
    })
}

/// What can still be made out of an order that could not be read: its id and name, and
/// the places and instants it would have counted at, from whichever fields are readable.
pub(crate) fn unreadable_order(raw: &serde_json::Value, problem: String) -> UnreadableOrder {
    use serde_json::Value;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let instant = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let location = |v: &Value| {
        v.get("location")
            .and_then(|l| l.get("id"))
            .and_then(Value::as_str)
            .and_then(gid_number)
    };
    let home = raw
        .get("retailLocation")
        .and_then(|l| l.get("id"))
        .and_then(Value::as_str)
        .and_then(gid_number);
    let mut touches = Vec::new();
    if let (Some(home), Some(at)) = (home, instant(raw, "processedAt")) {
        touches.push((home, at));
    }
    if let (Some(home), Some(at)) = (home, instant(raw, "cancelledAt")) {
        touches.push((home, at));
    }
    let nodes = |v: Option<&Value>| -> Vec<Value> {
        v.and_then(|c| c.get("nodes"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for refund in raw
        .get("refunds")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let Some(at) = instant(refund, "createdAt").or_else(|| instant(refund, "processedAt"))
        else {
            continue;
        };
        // Every place the refund may count at: its transactions', its restock locations,
        // the order's store. Saying "incomplete" of one hour too many is better than of
        // one too few.
        let mut places: Vec<i64> = nodes(refund.get("transactions"))
            .iter()
            .chain(nodes(refund.get("refundLineItems")).iter())
            .filter_map(location)
            .chain(home)
            .collect();
        places.sort_unstable();
        places.dedup();
        touches.extend(places.into_iter().map(|p| (p, at)));
    }
    let maybe_imported = raw.get("test").and_then(Value::as_bool) != Some(true)
        && raw
            .get("sourceName")
            .and_then(Value::as_str)
            .is_none_or(|s| s == "pos");
    let id = text(raw, "id").unwrap_or_default();
    // The order is named beside the problem; the field and what was wrong are what is left.
    let problem = problem.replace(&format!(" of order {id}"), "");
    UnreadableOrder {
        id,
        name: text(raw, "name").unwrap_or_default(),
        problem,
        touches,
        maybe_imported,
        updated_at: instant(raw, "updatedAt"),
    }
}

/// Reads the `data` of an orders query whose orders are whole into a page. An order whose
/// amounts are not exact decimals, or whose fields are missing or null where Shopify
/// promises a value, is set apart as unreadable; an order whose line items or refund lines
/// Shopify says continue (the client reads those with follow-up queries first) is refused
/// as `OrderTooLarge` rather than counted in part.
pub fn orders_page_from_data(
    data: serde_json::Value,
    cost: Option<QueryCost>,
) -> Result<OrdersPage, ShopifyError> {
    let page = wire_orders_page(data, cost)?;
    let mut orders = Vec::with_capacity(page.orders.len());
    let mut unreadable = page.unreadable;
    for (o, raw) in page.orders {
        match whole_order(o) {
            Ok(order) => orders.push(order),
            Err(ShopifyError::MalformedResponse { context }) => {
                unreadable.push(unreadable_order(&raw, context));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(OrdersPage {
        orders,
        unreadable,
        next_cursor: page.next_cursor,
        cost: page.cost,
    })
}

/// Converts an order the client has read whole.
pub(crate) fn whole_order(o: wire::WireOrder) -> Result<Order, ShopifyError> {
    let continues = |p: &Option<wire::PageInfo>| p.as_ref().is_some_and(|p| p.has_next_page);
    let cut = |what: &str, limit: u32| ShopifyError::OrderTooLarge {
        order: format!("{} ({})", o.name, o.id),
        what: what.to_string(),
        limit,
    };
    if continues(&o.line_items.page_info) {
        return Err(cut("line items", o.line_items.nodes.len() as u32));
    }
    if let Some(r) = o
        .refunds
        .iter()
        .find(|r| continues(&r.refund_line_items.page_info))
    {
        return Err(cut(
            "lines in one refund",
            r.refund_line_items.nodes.len() as u32,
        ));
    }
    if let Some(r) = o
        .refunds
        .iter()
        .find(|r| continues(&r.transactions.page_info))
    {
        return Err(cut(
            "transactions of one refund",
            r.transactions.nodes.len() as u32,
        ));
    }
    if let Some(agreements) = &o.agreements {
        if continues(&agreements.page_info) {
            return Err(cut("agreements", agreements.nodes.len() as u32));
        }
        if let Some(a) = agreements
            .nodes
            .iter()
            .find(|a| continues(&a.sales.page_info))
        {
            return Err(cut("sales in one agreement", a.sales.nodes.len() as u32));
        }
    }
    Order::try_from(o)
}

fn malformed(context: impl Into<String>) -> ShopifyError {
    ShopifyError::MalformedResponse {
        context: context.into(),
    }
}

/// The largest amount (in minor units) and quantity TMAS believes on one line: far beyond any
/// real sale, and small enough that sums of them never overflow.
const MAX_AMOUNT: i64 = 100_000_000_000;
const MAX_QUANTITY: i64 = 100_000;

fn amount(m: &wire::MoneyBag, digits: u32, what: &str, order: &str) -> Result<i64, ShopifyError> {
    let value = parse_minor(&m.shop_money.amount, digits)
        .map_err(|e| malformed(format!("{what} of order {order}: {e}")))?;
    if !(-MAX_AMOUNT..=MAX_AMOUNT).contains(&value) {
        return Err(malformed(format!(
            "{what} of order {order} is implausibly large ({})",
            m.shop_money.amount
        )));
    }
    Ok(value)
}

fn quantity(value: i64, what: &str, order: &str) -> Result<i64, ShopifyError> {
    if (0..=MAX_QUANTITY).contains(&value) {
        Ok(value)
    } else {
        Err(malformed(format!("{what} of order {order} is {value}")))
    }
}

fn location_number(r: &Option<wire::IdRef>, order: &str) -> Result<Option<i64>, ShopifyError> {
    match r {
        None => Ok(None),
        Some(loc) => gid_number(&loc.id)
            .map(Some)
            .ok_or_else(|| malformed(format!("location id `{}` of order {order}", loc.id))),
    }
}

impl TryFrom<wire::WireOrder> for Order {
    type Error = ShopifyError;

    fn try_from(w: wire::WireOrder) -> Result<Self, ShopifyError> {
        // The shop currency is carried by each shopMoney; every line of one order shares it.
        let currency_code = w
            .line_items
            .nodes
            .iter()
            .find_map(|l| l.original_unit_price_set.shop_money.currency_code.clone())
            .unwrap_or_default();
        let digits = currency_digits(&currency_code);
        let order_id = w.id.clone();
        let mut line_items = Vec::with_capacity(w.line_items.nodes.len());
        for l in &w.line_items.nodes {
            line_items.push(line_item(l, digits, &order_id)?);
        }
        let mut refunds = Vec::with_capacity(w.refunds.len());
        for r in &w.refunds {
            refunds.push(refund(r, digits, &order_id)?);
        }
        Ok(Order {
            retail_location_id: location_number(&w.retail_location, &order_id)?,
            id: w.id,
            name: w.name,
            source_name: w.source_name,
            test: w.test,
            processed_at: w.processed_at,
            cancelled_at: w.cancelled_at,
            updated_at: w.updated_at,
            created_at: w.created_at,
            taxes_included: w.taxes_included,
            currency_code,
            line_items,
            refunds,
            ledger: w
                .agreements
                .as_ref()
                .map(|a| ledger(a, w.returns.as_deref(), &w.payments, digits, &order_id))
                .transpose()?,
        })
    }
}

/// One line item in minor units, its discounts and taxes summed.
fn line_item(
    l: &wire::WireLineItem,
    digits: u32,
    order_id: &str,
) -> Result<LineItem, ShopifyError> {
    let mut discount = 0i64;
    for d in &l.discount_allocations {
        discount += amount(&d.allocated_amount_set, digits, "discount", order_id)?;
    }
    let mut tax = 0i64;
    for t in &l.tax_lines {
        tax += amount(&t.price_set, digits, "tax line", order_id)?;
    }
    Ok(LineItem {
        id: l.id.clone(),
        quantity: quantity(l.quantity, "line item quantity", order_id)?,
        original_unit_price: amount(&l.original_unit_price_set, digits, "unit price", order_id)?,
        is_gift_card: l.is_gift_card,
        discount,
        tax,
        current_quantity: l
            .current_quantity
            .map(|q| quantity(q, "line item current quantity", order_id))
            .transpose()?,
    })
}

/// One refund with its lines and transactions in TMAS's terms.
fn refund(r: &wire::WireRefund, digits: u32, order_id: &str) -> Result<Refund, ShopifyError> {
    let mut lines = Vec::with_capacity(r.refund_line_items.nodes.len());
    for rl in &r.refund_line_items.nodes {
        lines.push(RefundLineItem {
            quantity: quantity(rl.quantity, "refund line quantity", order_id)?,
            subtotal: amount(&rl.subtotal_set, digits, "refund subtotal", order_id)?,
            tax: amount(&rl.total_tax_set, digits, "refund line tax", order_id)?,
            location_id: location_number(&rl.location, order_id)?,
            line_item_id: rl.line_item.id.clone(),
            is_gift_card: rl.line_item.is_gift_card,
        });
    }
    let mut transactions = Vec::with_capacity(r.transactions.nodes.len());
    for t in &r.transactions.nodes {
        transactions.push(RefundTransaction {
            kind: match t.kind.as_str() {
                "REFUND" => TransactionKind::Refund,
                _ => TransactionKind::Other,
            },
            status: match t.status.as_str() {
                "SUCCESS" => TransactionStatus::Success,
                _ => TransactionStatus::Other,
            },
            location_id: location_number(&t.location, order_id)?,
            amount: amount(&t.amount_set, digits, "refund transaction", order_id)?,
        });
    }
    Ok(Refund {
        id: r.id.clone(),
        created_at: r.created_at,
        processed_at: r.processed_at,
        refund_line_items: lines,
        transactions,
    })
}

/// A signed quantity of the ledger (removed and returned units are negative).
fn signed_quantity(value: i64, what: &str, order: &str) -> Result<i64, ShopifyError> {
    // A range, not `abs()`: `i64::MIN.abs()` does not exist.
    if (-MAX_QUANTITY..=MAX_QUANTITY).contains(&value) {
        Ok(value)
    } else {
        Err(malformed(format!("{what} of order {order} is {value}")))
    }
}

/// The order's sales ledger in TMAS's terms. Types TMAS does not know are kept as such (the
/// facts rules leave them out and list the order), never guessed.
fn ledger(
    agreements: &wire::Connection<wire::WireAgreement>,
    returns: Option<&[wire::WireReturn]>,
    payments: &[wire::WireOrderTransaction],
    digits: u32,
    order: &str,
) -> Result<Ledger, ShopifyError> {
    let mut out = Vec::with_capacity(agreements.nodes.len());
    for a in &agreements.nodes {
        out.push(agreement(a, digits, order)?);
    }
    let returns = returns
        .map(|returns| return_places(returns, order))
        .transpose()?;
    let moved = payments_at_tills(payments, digits, order)?;
    Ok(Ledger {
        agreements: out,
        returns,
        payments: moved,
    })
}

/// One sales agreement: its kind (with the refund or return it belongs to) and its sales.
fn agreement(a: &wire::WireAgreement, digits: u32, order: &str) -> Result<Agreement, ShopifyError> {
    let id_of = |r: &Option<wire::IdRef>, what: &str| {
        r.as_ref()
            .map(|r| r.id.clone())
            .ok_or_else(|| malformed(format!("{what} of agreement {} of order {order}", a.id)))
    };
    let kind = match a.typename.as_str() {
        "OrderAgreement" => AgreementKind::Order,
        "OrderEditAgreement" => AgreementKind::OrderEdit,
        "RefundAgreement" => AgreementKind::Refund {
            refund_id: id_of(&a.refund, "refund")?,
        },
        "ReturnAgreement" => AgreementKind::Return {
            return_id: id_of(&a.return_ref, "return")?,
        },
        other => AgreementKind::Unknown(other.to_string()),
    };
    let mut sales = Vec::with_capacity(a.sales.nodes.len());
    for s in &a.sales.nodes {
        sales.push(Sale {
            action: SaleAction::parse(&s.action_type),
            line: SaleLine::parse(&s.line_type),
            quantity: s
                .quantity
                .map(|q| signed_quantity(q, "sale quantity", order))
                .transpose()?,
            total: amount(&s.total_amount, digits, "sale amount", order)?,
            tax: amount(&s.total_tax_amount, digits, "sale tax", order)?,
            discount: amount(
                &s.total_discount_amount_before_taxes,
                digits,
                "sale discount",
                order,
            )?,
            line_item_id: s.line_item.as_ref().map(|l| l.id.clone()),
        });
    }
    Ok(Agreement {
        id: a.id.clone(),
        kind,
        happened_at: a.happened_at,
        sales,
    })
}

/// Where each return's goods were restocked, and which refunds belong to it.
fn return_places(
    returns: &[wire::WireReturn],
    order: &str,
) -> Result<Vec<ReturnPlaces>, ShopifyError> {
    let mut places = Vec::with_capacity(returns.len());
    for r in returns {
        let mut restocked = Vec::new();
        for d in r
            .reverse_fulfillment_orders
            .nodes
            .iter()
            .flat_map(|o| &o.line_items.nodes)
            .flat_map(|l| &l.dispositions)
            .filter(|d| d.kind == "RESTOCKED")
        {
            if let Some(location) = location_number(&d.location, order)? {
                restocked.push((location, quantity(d.quantity, "restocked units", order)?));
            }
        }
        places.push(ReturnPlaces {
            id: r.id.clone(),
            refund_ids: r.refunds.nodes.iter().map(|n| n.id.clone()).collect(),
            restocked,
        });
    }
    Ok(places)
}

/// The order's successful payments, refunds and change at a till, with where they moved.
fn payments_at_tills(
    payments: &[wire::WireOrderTransaction],
    digits: u32,
    order: &str,
) -> Result<Vec<Payment>, ShopifyError> {
    let mut moved = Vec::new();
    for t in payments.iter().filter(|t| t.status == "SUCCESS") {
        // Money that moved at a till: a sale, a capture, a refund, change given.
        if !matches!(t.kind.as_str(), "SALE" | "CAPTURE" | "REFUND" | "CHANGE") {
            continue;
        }
        if let (Some(at), Some(location)) = (t.processed_at, location_number(&t.location, order)?) {
            moved.push(Payment {
                at,
                location_id: location,
                amount: amount(&t.amount_set, digits, "order transaction", order)?,
            });
        }
    }
    Ok(moved)
}

impl TryFrom<wire::WireLocation> for Location {
    type Error = ShopifyError;

    fn try_from(w: wire::WireLocation) -> Result<Self, ShopifyError> {
        let legacy_id =
            gid_number(&w.id).ok_or_else(|| malformed(format!("location id `{}`", w.id)))?;
        Ok(Location {
            id: w.id,
            legacy_id,
            name: w.name,
            is_active: w.is_active,
            address: w.address.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_ledger_quantities_are_range_checked_without_wrapping() {
        assert_eq!(signed_quantity(-3, "q", "o").ok(), Some(-3));
        assert_eq!(
            signed_quantity(MAX_QUANTITY, "q", "o").ok(),
            Some(MAX_QUANTITY)
        );
        for bad in [i64::MIN, i64::MAX, -MAX_QUANTITY - 1, MAX_QUANTITY + 1] {
            assert!(signed_quantity(bad, "sale quantity", "o").is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_gid_numbers() {
        assert_eq!(gid_number("gid://shopify/Location/1001"), Some(1001));
        assert_eq!(gid_number("gid://shopify/Order/5?x=1"), Some(5));
        assert_eq!(gid_number("nonsense"), None);
    }
}
