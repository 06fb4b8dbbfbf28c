//! The GraphQL documents TMAS sends. They ask only for what DOMAIN.md needs: no customer,
//! staff or other personal data.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use chrono::SecondsFormat;

use super::cost::{self, PageInfo};
use super::schema;
use super::types::TimeWindow;

/// Shopify refuses any single query whose requested cost is above this (`MAX_COST_EXCEEDED`).
pub const MAX_QUERY_COST: u32 = 1000;
/// What TMAS lets one query request: 10 % below [`MAX_QUERY_COST`], so that a pricing detail
/// Shopify does not document (or changes) cannot make a page fail.
pub const COST_BUDGET: u32 = MAX_QUERY_COST / 10 * 9;
/// Most items one connection page may hold (Shopify's limit on `first`).
pub const MAX_PAGE_SIZE: u32 = 250;

// The margin is at least 10 %, whatever the limit becomes.
const _: () = assert!(COST_BUDGET <= MAX_QUERY_COST * 9 / 10);

// Every document is priced from Shopify's schema by `cost::requested_cost`, with `pageInfo`
// counted as an object (the pessimistic reading), so a field added to a document is priced
// without anyone counting by hand. The orders page asks for small nested lists so that
// several orders fit under the budget; the rare order with more is read whole by the
// follow-up queries below, never counted in part.

/// Line items read with each order of a page.
pub const LINE_ITEMS_PER_ORDER: u32 = 8;
/// Refunds read with each order of a page. `Order.refunds` is a plain list without page
/// info: an order that comes back with this many may have more, and is asked again.
pub const REFUNDS_PER_ORDER: u32 = 2;
/// Lines read with each refund on an orders page.
pub const LINES_PER_REFUND: u32 = 4;
/// Transactions read with each refund on an orders page (a refund usually has one; split
/// tenders have two). A refund with more is read again with its follow-up query.
pub const TRANSACTIONS_PER_REFUND: u32 = 2;
/// Transactions read with a refund by the follow-up query; a refund with more is refused
/// (`OrderTooLarge`) rather than placed on a guess.
pub const FOLLOW_UP_TRANSACTIONS: u32 = 20;
/// Line items or refund lines per follow-up page.
pub const FOLLOW_UP_PAGE_SIZE: u32 = 90;
/// Agreements read at once from an order's sales ledger, and sales read with each: an order
/// changed after its sale has a handful of agreements (the sale, a refund, a return or an
/// edit), each with a sale per line it touches. An agreement with more sales is read again
/// alone, [`LEDGER_SALES_ALONE`] sales at a time.
pub const LEDGER_AGREEMENTS: u32 = 5;
pub const LEDGER_SALES: u32 = 10;
pub const LEDGER_SALES_ALONE: u32 = 90;
/// Returns read for one order, with their refunds and restocked goods. An order with more is
/// refused (`OrderTooLarge`) rather than placed on a guess.
pub const RETURNS_PER_ORDER: u32 = 5;
pub const REFUNDS_PER_RETURN: u32 = 3;
pub const REVERSE_ORDERS_PER_RETURN: u32 = 2;
pub const LINES_PER_REVERSE_ORDER: u32 = 10;
/// Refund ids read for one order. An order with this many refunds or more is refused
/// (`OrderTooLarge`): Shopify cannot page that list.
pub const MAX_REFUNDS: u32 = 250;

/// The requested cost of `document` with these variables, priced from the pinned schema
/// under `page_info`'s reading. Validating a document against Shopify's schema takes
/// milliseconds and every Shopify client prices its first request of each query, so a worker
/// would do it for every run: prices are kept for the life of the process.
pub fn priced(document: &str, variables: &serde_json::Value, page_info: PageInfo) -> u64 {
    /// TMAS sends a handful of documents (and refund batches of up to a few hundred sizes);
    /// past this many the map starts again rather than grow.
    const MOST_PRICES: usize = 4096;
    type Prices = HashMap<(String, String, u64), u64>;
    static PRICES: LazyLock<Mutex<Prices>> = LazyLock::new(Mutex::default);
    let key = (
        document.to_string(),
        sizing(variables).to_string(),
        page_info.points(),
    );
    let lock = || PRICES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&price) = lock().get(&key) {
        return price;
    }
    let price = price_now(document, variables, page_info);
    let mut prices = lock();
    if prices.len() >= MOST_PRICES {
        prices.clear();
    }
    prices.insert(key, price);
    price
}

/// The variables as far as they can change a price: only numbers (`first`, `last`) size a
/// query; strings (cursors, search filters, ids) never do, so they are blanked and every
/// page of a run shares one price.
fn sizing(variables: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match variables {
        Value::String(_) => Value::String(String::new()),
        Value::Array(items) => Value::Array(items.iter().map(sizing).collect()),
        Value::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), sizing(v))).collect())
        }
        other => other.clone(),
    }
}

fn price_now(document: &str, variables: &serde_json::Value, page_info: PageInfo) -> u64 {
    match schema::validate(document, "tmas.graphql") {
        Ok(doc) => cost::requested_cost(schema::admin(), &doc, None, variables, page_info)
            // A document TMAS cannot price is never sent within budget (the tests refuse it).
            .unwrap_or(u64::MAX),
        Err(_) => u64::MAX,
    }
}

/// The requested cost of an orders page of `first` orders.
pub fn orders_query_cost(first: u32, page_info: PageInfo) -> u64 {
    priced(
        &ORDERS,
        &serde_json::json!({ "first": first, "after": "cursor", "query": "" }),
        page_info,
    )
}

/// The most orders one page may ask for and stay within [`COST_BUDGET`], `pageInfo` counted.
pub fn orders_per_page() -> u32 {
    static PER_PAGE: LazyLock<u32> = LazyLock::new(|| {
        (1..=MAX_PAGE_SIZE)
            .rev()
            .find(|&n| orders_query_cost(n, PageInfo::Object) <= u64::from(COST_BUDGET))
            .unwrap_or(1)
    });
    *PER_PAGE
}

/// The largest page that stays 10 % below `max_cost` when Shopify priced a page of `asked`
/// orders at `shopify_cost` points: each order is taken to cost what Shopify's count says,
/// so the next page fits however Shopify prices. Always smaller than `asked` (at least 1).
pub fn shrunk_page(asked: u32, shopify_cost: u64, max_cost: u32) -> u32 {
    if asked <= 1 || shopify_cost == 0 {
        return 1;
    }
    let budget = u64::from(max_cost) / 10 * 9;
    let fitting = u64::from(asked) * budget / shopify_cost;
    (fitting as u32).clamp(1, asked - 1)
}

/// Every document TMAS sends, by operation name, with variables that size it as TMAS does.
pub fn documents() -> Vec<(&'static str, &'static str, serde_json::Value)> {
    use serde_json::json;
    vec![
        ("TmasShop", SHOP, json!({})),
        (
            "TmasLocations",
            LOCATIONS,
            json!({ "first": MAX_PAGE_SIZE, "after": "cursor" }),
        ),
        (
            "TmasOrders",
            ORDERS.as_str(),
            json!({ "first": orders_per_page(), "after": "cursor", "query": "" }),
        ),
        (
            "TmasOrderLineItems",
            ORDER_LINE_ITEMS.as_str(),
            json!({ "id": "gid://shopify/Order/1", "after": "cursor" }),
        ),
        (
            "TmasOrderRefunds",
            ORDER_REFUND_IDS.as_str(),
            json!({ "id": "gid://shopify/Order/1" }),
        ),
        (
            "TmasRefund",
            REFUND.as_str(),
            json!({ "id": "gid://shopify/Refund/1", "after": "cursor" }),
        ),
        (
            "TmasOrderLedger",
            ORDER_LEDGER.as_str(),
            json!({ "id": "gid://shopify/Order/1", "after": "cursor" }),
        ),
        (
            "TmasAgreementSales",
            AGREEMENT_SALES.as_str(),
            json!({ "id": "gid://shopify/Order/1", "agreement": "cursor", "after": "cursor" }),
        ),
        (
            "TmasOrderReturns",
            ORDER_RETURNS.as_str(),
            json!({ "id": "gid://shopify/Order/1" }),
        ),
        (
            "TmasOrderPayments",
            ORDER_PAYMENTS.as_str(),
            json!({ "id": "gid://shopify/Order/1" }),
        ),
    ]
}

/// An order's own fields, the same in the paged query and the bulk export (so both read
/// into the same wire shape).
pub(crate) const ORDER_FIELDS: &str = "id
      name
      sourceName
      test
      retailLocation { id }
      processedAt
      cancelledAt
      updatedAt
      createdAt
      taxesIncluded
      edited
      returnStatus";

pub(crate) const LINE_ITEM_FIELDS: &str = "id
          quantity
          currentQuantity
          isGiftCard
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } } }
          taxLines { priceSet { shopMoney { amount } } }";

// Only successful REFUND transactions place a return; kind and status tell them apart,
// the amount decides between several locations.
pub(crate) const TRANSACTION_FIELDS: &str = "kind
            status
            location { id }
            amountSet { shopMoney { amount } }";

pub(crate) const REFUND_LINE_FIELDS: &str = "quantity
            subtotalSet { shopMoney { amount } }
            totalTaxSet { shopMoney { amount } }
            location { id }
            lineItem { id isGiftCard }";

// An agreement's own fields: its type says what happened, its refund or return where.
pub(crate) const AGREEMENT_FIELDS: &str = "__typename
        id
        happenedAt
        ... on RefundAgreement { refund { id } }
        ... on ReturnAgreement { return { id } }";

// A sale's signed amounts in the shop currency; a product sale names its line item (the
// self-check adds its quantities up per line).
pub(crate) const SALE_FIELDS: &str = "actionType
            lineType
            quantity
            totalAmount { shopMoney { amount currencyCode } }
            totalTaxAmount { shopMoney { amount } }
            totalDiscountAmountBeforeTaxes { shopMoney { amount } }
            ... on ProductSale { lineItem { id } }";

pub const SHOP: &str = "query TmasShop {
  shop {
    name
    currencyCode
    ianaTimezone
    taxesIncluded
    plan { publicDisplayName shopifyPlus }
  }
}";

pub const LOCATIONS: &str = "query TmasLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true) {
    nodes {
      id
      name
      isActive
      address { address1 city provinceCode countryCode zip }
    }
    pageInfo { hasNextPage endCursor }
  }
}";

/// A page of orders updated in a window, with the first few lines and refunds of each.
pub static ORDERS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      {ORDER_FIELDS}
      lineItems(first: {LINE_ITEMS_PER_ORDER}) {{
        nodes {{
          {LINE_ITEM_FIELDS}
        }}
        pageInfo {{ hasNextPage endCursor }}
      }}
      refunds(first: {REFUNDS_PER_ORDER}) {{
        id
        createdAt
        processedAt
        refundLineItems(first: {LINES_PER_REFUND}) {{
          nodes {{
            {REFUND_LINE_FIELDS}
          }}
          pageInfo {{ hasNextPage endCursor }}
        }}
        transactions(first: {TRANSACTIONS_PER_REFUND}) {{
          nodes {{
            {TRANSACTION_FIELDS}
          }}
          pageInfo {{ hasNextPage endCursor }}
        }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"
    )
});

/// The next page of an order's line items.
pub static ORDER_LINE_ITEMS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasOrderLineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: {FOLLOW_UP_PAGE_SIZE}, after: $after) {{
      nodes {{
          {LINE_ITEM_FIELDS}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"
    )
});

/// The ids of all of an order's refunds (to find those the orders page left out).
pub static ORDER_REFUND_IDS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasOrderRefunds($id: ID!) {{
  order(id: $id) {{
    refunds(first: {MAX_REFUNDS}) {{ id }}
  }}
}}"
    )
});

/// One refund with a page of its lines (from the start, or after a cursor).
pub static REFUND: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasRefund($id: ID!, $after: String) {{
  refund(id: $id) {{
    id
    createdAt
    processedAt
    refundLineItems(first: {FOLLOW_UP_PAGE_SIZE}, after: $after) {{
      nodes {{
            {REFUND_LINE_FIELDS}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
    transactions(first: {FOLLOW_UP_TRANSACTIONS}) {{
      nodes {{
            {TRANSACTION_FIELDS}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"
    )
});

/// A page of an order's sales ledger: its agreements with their first sales.
pub static ORDER_LEDGER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasOrderLedger($id: ID!, $after: String) {{
  order(id: $id) {{
    agreements(first: {LEDGER_AGREEMENTS}, after: $after) {{
      nodes {{
        {AGREEMENT_FIELDS}
        sales(first: {LEDGER_SALES}) {{
          nodes {{
            {SALE_FIELDS}
          }}
          pageInfo {{ hasNextPage endCursor }}
        }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"
    )
});

/// The sales of one agreement, after the agreement cursor `$agreement` (the end of the
/// page before it), a page at a time.
pub static AGREEMENT_SALES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasAgreementSales($id: ID!, $agreement: String, $after: String) {{
  order(id: $id) {{
    agreements(first: 1, after: $agreement) {{
      nodes {{
        {AGREEMENT_FIELDS}
        sales(first: {LEDGER_SALES_ALONE}, after: $after) {{
          nodes {{
            {SALE_FIELDS}
          }}
          pageInfo {{ hasNextPage endCursor }}
        }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"
    )
});

/// What places an order's returns: their refunds, and where their goods were restocked.
pub static ORDER_RETURNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasOrderReturns($id: ID!) {{
  order(id: $id) {{
    returns(first: {RETURNS_PER_ORDER}) {{
      nodes {{
        id
        refunds(first: {REFUNDS_PER_RETURN}) {{
          nodes {{ id }}
          pageInfo {{ hasNextPage endCursor }}
        }}
        reverseFulfillmentOrders(first: {REVERSE_ORDERS_PER_RETURN}) {{
          nodes {{
            lineItems(first: {LINES_PER_REVERSE_ORDER}) {{
              nodes {{
                dispositions {{ type quantity location {{ id }} }}
              }}
              pageInfo {{ hasNextPage endCursor }}
            }}
          }}
          pageInfo {{ hasNextPage endCursor }}
        }}
      }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}"
    )
});

/// Transactions read for an order whose returns cannot be read (no `read_returns`).
pub const PAYMENTS_PER_ORDER: u32 = 20;

/// Where and when an order's money moved: how a return is placed without `read_returns`.
pub static ORDER_PAYMENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "query TmasOrderPayments($id: ID!) {{
  order(id: $id) {{
    transactions(first: {PAYMENTS_PER_ORDER}) {{
      kind
      status
      processedAt
      location {{ id }}
      amountSet {{ shopMoney {{ amount }} }}
    }}
  }}
}}"
    )
});

/// Shopify's search filter for orders updated inside the window (both ends inclusive).
pub fn updated_filter(window: &TimeWindow) -> String {
    format!(
        "updated_at:>='{}' AND updated_at:<='{}'",
        window.from.to_rfc3339_opts(SecondsFormat::Secs, true),
        window.to.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// Shopify's search filter for the orders with these numeric ids.
pub fn ids_filter(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("id:{id}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn filter_uses_shopify_search_syntax() {
        let w = TimeWindow {
            from: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("valid"),
            to: Utc
                .with_ymd_and_hms(2026, 1, 2, 12, 0, 0)
                .single()
                .expect("valid"),
        };
        assert_eq!(
            updated_filter(&w),
            "updated_at:>='2026-01-01T00:00:00Z' AND updated_at:<='2026-01-02T12:00:00Z'"
        );
    }

    #[test]
    fn every_document_is_valid_against_the_pinned_schema() {
        for (name, document, _) in documents() {
            if let Err(e) = schema::validate(document, &format!("{name}.graphql")) {
                panic!(
                    "{name} is not valid against Shopify's {} schema:\n{e}",
                    schema::API_VERSION
                );
            }
            assert!(document.contains(&format!("query {name}")), "{name}");
        }
    }

    #[test]
    fn every_document_stays_within_budget_with_page_info_counted() {
        for (name, document, variables) in documents() {
            let pessimistic = priced(document, &variables, PageInfo::Object);
            let optimistic = priced(document, &variables, PageInfo::Free);
            assert!(
                pessimistic <= u64::from(COST_BUDGET),
                "{name}: {pessimistic}"
            );
            assert!(optimistic <= pessimistic, "{name}");
        }
        let n = orders_per_page();
        assert!(n >= 3, "a page holds several orders ({n})");
        assert!(orders_query_cost(n + 1, PageInfo::Object) > u64::from(COST_BUDGET));
    }

    #[test]
    fn a_kept_price_is_the_price_of_the_same_size() {
        let vars = |first: u32, after: &str| serde_json::json!({ "first": first, "after": after, "query": after });
        for (first, after) in [(3, "a"), (5, "b"), (3, "c"), (5, "a")] {
            let fresh = price_now(&ORDERS, &vars(first, after), PageInfo::Object);
            assert_eq!(
                priced(&ORDERS, &vars(first, after), PageInfo::Object),
                fresh
            );
            assert_eq!(
                priced(&ORDERS, &vars(first, after), PageInfo::Object),
                fresh
            );
        }
        // The size and the reading of pageInfo each change the price; a cursor does not.
        assert!(
            priced(&ORDERS, &vars(5, "x"), PageInfo::Object)
                > priced(&ORDERS, &vars(3, "x"), PageInfo::Object)
        );
        assert!(
            priced(&ORDERS, &vars(5, "x"), PageInfo::Free)
                < priced(&ORDERS, &vars(5, "x"), PageInfo::Object)
        );
        // A string where a size belongs is still refused, kept or not.
        let wrong = serde_json::json!({ "first": "5", "after": "x", "query": "" });
        assert_eq!(priced(&ORDERS, &wrong, PageInfo::Object), u64::MAX);
        assert_eq!(priced(&ORDERS, &wrong, PageInfo::Object), u64::MAX);
    }

    #[test]
    fn a_page_shrinks_to_what_shopifys_count_lets_fit() {
        // 7 orders that Shopify priced at 1,054: 7 × 900 / 1,054 = 5.98 → 5.
        assert_eq!(shrunk_page(7, 1054, 1000), 5);
        // Never the same page again, never zero.
        assert_eq!(shrunk_page(7, 901, 1000), 6);
        assert_eq!(shrunk_page(2, 100_000, 1000), 1);
        assert_eq!(shrunk_page(1, 5000, 1000), 1);
        // A higher limit lets more fit.
        assert_eq!(shrunk_page(10, 1500, 2000), 9);
    }

    /// Prints each query's requested cost under both readings of `pageInfo` (the table in
    /// docs/SHOPIFY.md): `cargo test --lib query_costs -- --nocapture`.
    #[test]
    fn query_costs_under_both_readings() {
        println!("| query | variables | pageInfo free | pageInfo 1 point |");
        println!("| --- | --- | --- | --- |");
        for (name, document, variables) in documents() {
            println!(
                "| `{name}` | `{variables}` | {} | {} |",
                priced(document, &variables, PageInfo::Free),
                priced(document, &variables, PageInfo::Object)
            );
        }
        use super::super::bulk::{follow_ups as refund_batch, refund_pre_read as bulk_refunds};
        println!(
            "bulk follow-ups: TmasRefunds {} refunds a query, TmasRefundPlaces {}, TmasRefundedOrders {} orders a page",
            refund_batch::refunds_per_request(refund_batch::MoneyShape::Scalar),
            refund_batch::places_per_request(refund_batch::MoneyShape::Scalar),
            bulk_refunds::orders_per_page()
        );
    }

    #[test]
    fn nested_lists_are_asked_for_with_their_caps() {
        assert!(ORDERS.contains(&format!("lineItems(first: {LINE_ITEMS_PER_ORDER})")));
        assert!(ORDERS.contains(&format!("refunds(first: {REFUNDS_PER_ORDER})")));
        assert!(ORDERS.contains(&format!("refundLineItems(first: {LINES_PER_REFUND})")));
        assert!(ORDERS.contains(&format!("transactions(first: {TRANSACTIONS_PER_REFUND})")));
    }

    #[test]
    fn asks_for_no_personal_data() {
        for q in [
            SHOP,
            LOCATIONS,
            &ORDERS,
            &ORDER_LINE_ITEMS,
            &ORDER_REFUND_IDS,
            &REFUND,
            &ORDER_LEDGER,
            &AGREEMENT_SALES,
            &ORDER_RETURNS,
            &ORDER_PAYMENTS,
        ] {
            for banned in [
                "customer",
                "email",
                "phone",
                "staffMember",
                "billingAddress",
            ] {
                assert!(!q.contains(banned), "{banned} in query");
            }
        }
    }
}
