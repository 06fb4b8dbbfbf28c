//! The GraphQL documents TMAS sends. They ask only for what DOMAIN.md needs: no customer,
//! staff or other personal data.

use chrono::SecondsFormat;

use super::types::TimeWindow;

/// Most orders one page may hold (Shopify's connection limit).
pub const MAX_PAGE_SIZE: u32 = 250;
/// Line items read per order and refund lines read per refund. Orders with more are rare
/// at a till; Shopify says so in `pageInfo.hasNextPage` and the client then stops with
/// [`ShopifyError::OrderTooLarge`](super::ShopifyError::OrderTooLarge) naming the order,
/// never counting part of it.
pub const NESTED_PAGE_SIZE: u32 = 100;
/// Refunds read per order. `Order.refunds` is a plain list with no page info, so the query
/// asks for one more (`refunds(first: 51)`): 51 back means the order has more than TMAS
/// reads, and the client stops with `OrderTooLarge` instead of dropping refunds.
pub const REFUNDS_PER_ORDER: u32 = 50;

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

pub const ORDERS: &str = "query TmasOrders($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id
      name
      sourceName
      test
      retailLocation { id }
      processedAt
      cancelledAt
      updatedAt
      createdAt
      lineItems(first: 100) {
        nodes {
          id
          quantity
          isGiftCard
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } } }
          taxLines { priceSet { shopMoney { amount } } }
        }
        pageInfo { hasNextPage }
      }
      refunds(first: 51) {
        id
        createdAt
        refundLineItems(first: 100) {
          nodes {
            quantity
            subtotalSet { shopMoney { amount } }
            location { id }
            lineItem { id isGiftCard }
          }
          pageInfo { hasNextPage }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}";

/// Shopify's search filter for orders updated inside the window (both ends inclusive).
pub fn updated_filter(window: &TimeWindow) -> String {
    format!(
        "updated_at:>='{}' AND updated_at:<='{}'",
        window.from.to_rfc3339_opts(SecondsFormat::Secs, true),
        window.to.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
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
        assert!(ORDERS.contains(&format!("lineItems(first: {NESTED_PAGE_SIZE})")));
        assert!(ORDERS.contains(&format!("refundLineItems(first: {NESTED_PAGE_SIZE})")));
        // One refund more than read, to notice an order with more.
        assert!(ORDERS.contains(&format!("refunds(first: {})", REFUNDS_PER_ORDER + 1)));
    }

    #[test]
    fn asks_for_no_personal_data() {
        for q in [SHOP, LOCATIONS, ORDERS] {
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
