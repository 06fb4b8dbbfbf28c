//! The GraphQL documents TMAS sends. They ask only for what DOMAIN.md needs: no customer,
//! staff or other personal data.

use std::sync::LazyLock;

use chrono::SecondsFormat;

use super::types::TimeWindow;

/// Shopify refuses any single query whose requested cost is above this (`MAX_COST_EXCEEDED`).
pub const MAX_QUERY_COST: u32 = 1000;
/// Most items one connection page may hold (Shopify's limit on `first`).
pub const MAX_PAGE_SIZE: u32 = 250;

// Shopify prices a query before running it: scalars 0, an object 1, a connection 2 plus
// `first` times one node, a list sized by `first` that many elements. The orders page asks
// for small nested lists so that several orders fit under the 1,000-point limit; the rare
// order with more is read whole by the follow-up queries below, never counted in part.

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
pub const FOLLOW_UP_PAGE_SIZE: u32 = 100;
/// Refund ids read for one order. An order with this many refunds or more is refused
/// (`OrderTooLarge`): Shopify cannot page that list.
pub const MAX_REFUNDS: u32 = 250;

/// One line item: the LineItem 1, its price set and shop money 2, a discount allocation
/// with its set and money 3, a tax line with its set and money 3 (unsized lists count once).
const LINE_ITEM_COST: u32 = 9;
/// One refund line: the RefundLineItem 1, subtotal set and money 2, tax set and money 2,
/// location 1, line item 1.
const REFUND_LINE_COST: u32 = 7;
/// One refund transaction: the OrderTransaction 1, location 1, amount set and money 2.
const TRANSACTION_COST: u32 = 4;

/// The requested cost of one refund with these nested sizes: the Refund 1, its lines
/// connection and its transactions connection.
pub const fn refund_cost(lines: u32, transactions: u32) -> u32 {
    1 + (2 + lines * REFUND_LINE_COST) + (2 + transactions * TRANSACTION_COST)
}

/// The requested cost of one order with these nested sizes: the Order 1, its retail
/// location 1, the line items connection, and the sized refunds list.
pub const fn order_cost(line_items: u32, refunds: u32, lines_per_refund: u32) -> u32 {
    1 + 1
        + (2 + line_items * LINE_ITEM_COST)
        + refunds * refund_cost(lines_per_refund, TRANSACTIONS_PER_REFUND)
}

/// The requested cost of an orders page of `first` orders.
pub const fn orders_query_cost(first: u32) -> u32 {
    2 + first * order_cost(LINE_ITEMS_PER_ORDER, REFUNDS_PER_ORDER, LINES_PER_REFUND)
}

/// The most orders one page may ask for and stay under [`MAX_QUERY_COST`].
pub const ORDERS_PER_PAGE: u32 =
    (MAX_QUERY_COST - 2) / order_cost(LINE_ITEMS_PER_ORDER, REFUNDS_PER_ORDER, LINES_PER_REFUND);

/// Requested cost of [`ORDER_LINE_ITEMS`]: the Order and one page of line items.
pub const ORDER_LINE_ITEMS_COST: u32 = 1 + 2 + FOLLOW_UP_PAGE_SIZE * LINE_ITEM_COST;
/// Requested cost of [`ORDER_REFUND_IDS`]: the Order and its refunds' ids.
pub const ORDER_REFUND_IDS_COST: u32 = 1 + MAX_REFUNDS;
/// Requested cost of [`REFUND`]: the Refund and one page of its lines.
pub const REFUND_COST: u32 = refund_cost(FOLLOW_UP_PAGE_SIZE, FOLLOW_UP_TRANSACTIONS);

// Checked when TMAS is compiled: a page is as large as the limit allows, holds several
// orders, and every follow-up query stays under the limit too.
const _: () = {
    assert!(orders_query_cost(ORDERS_PER_PAGE) <= MAX_QUERY_COST);
    assert!(orders_query_cost(ORDERS_PER_PAGE + 1) > MAX_QUERY_COST);
    assert!(ORDERS_PER_PAGE >= 5);
    assert!(ORDER_LINE_ITEMS_COST <= MAX_QUERY_COST);
    assert!(ORDER_REFUND_IDS_COST <= MAX_QUERY_COST);
    assert!(REFUND_COST <= MAX_QUERY_COST);
    assert!(FOLLOW_UP_PAGE_SIZE <= MAX_PAGE_SIZE && MAX_REFUNDS <= MAX_PAGE_SIZE);
    assert!(TRANSACTIONS_PER_REFUND <= FOLLOW_UP_TRANSACTIONS);
};

const LINE_ITEM_FIELDS: &str = "id
          quantity
          isGiftCard
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } } }
          taxLines { priceSet { shopMoney { amount } } }";

// Only successful REFUND transactions place a return; kind and status tell them apart,
// the amount decides between several locations.
const TRANSACTION_FIELDS: &str = "kind
            status
            location { id }
            amountSet { shopMoney { amount } }";

const REFUND_LINE_FIELDS: &str = "quantity
            subtotalSet { shopMoney { amount } }
            totalTaxSet { shopMoney { amount } }
            location { id }
            lineItem { id isGiftCard }";

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
      id
      name
      sourceName
      test
      retailLocation {{ id }}
      processedAt
      cancelledAt
      updatedAt
      createdAt
      taxesIncluded
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
