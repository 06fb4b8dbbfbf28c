//! Turns a page of Shopify orders into the rows TMAS stores: keeps the POS orders of the
//! integration's importing locations and places each fact in its TMAS location's local hour.

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::db::imports::{MatchedLocation, PageCounts, PageFacts, ReturnRow, SaleRow};
use crate::domain::facts::{local_hour, order_facts};
use crate::shopify::Order;

/// Where a Shopify location's facts go.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub location_id: i64,
    pub time_zone: Tz,
}

/// The integration's matched locations that import now, by numeric Shopify location id.
#[derive(Debug, Clone, Default)]
pub struct LocationMap {
    importing: HashMap<i64, Target>,
    /// Every matched Shopify location, importing or disabled since.
    matched: std::collections::HashSet<i64>,
}

impl LocationMap {
    /// Locations whose Shopify id or time zone cannot be read are left out (and logged).
    pub fn new(matched: &[MatchedLocation]) -> Self {
        let mut importing = HashMap::new();
        let mut all = std::collections::HashSet::new();
        for m in matched {
            let id = m
                .shopify_location_id
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| crate::shopify::types::gid_number(m.shopify_location_id.trim()));
            all.extend(id);
            if m.importing != 1 {
                continue;
            }
            match (id, m.time_zone.parse::<Tz>()) {
                (Some(id), Ok(time_zone)) => {
                    importing.insert(
                        id,
                        Target {
                            location_id: m.location_id,
                            time_zone,
                        },
                    );
                }
                _ => tracing::warn!(
                    location = m.location_id,
                    shopify_location = %m.shopify_location_id,
                    "matched location skipped: unreadable Shopify id or time zone"
                ),
            }
        }
        LocationMap {
            importing,
            matched: all,
        }
    }

    /// Whether the Shopify location is matched to a TMAS location, importing or not.
    pub fn is_matched(&self, shopify_location_id: i64) -> bool {
        self.matched.contains(&shopify_location_id)
    }

    pub fn get(&self, shopify_location_id: i64) -> Option<Target> {
        self.importing.get(&shopify_location_id).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.importing.is_empty()
    }

    /// The TMAS locations that import now: the only ones whose facts a page may replace.
    pub fn importing_locations(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.importing.values().map(|t| t.location_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The facts and counters of one page.
///
/// A disabled location keeps what it has: its stored facts are not replaced (see
/// [`PageFacts::locations`]) and it gets no new ones, also when an order sold or returned
/// elsewhere is read again.
pub fn page_facts(orders: &[Order], locations: &LocationMap) -> (PageFacts, PageCounts) {
    let mut facts = PageFacts {
        locations: locations.importing_locations(),
        ..PageFacts::default()
    };
    let mut counts = PageCounts {
        orders_read: orders.len() as i64,
        refunds_read: orders.iter().map(|o| o.refunds.len() as i64).sum(),
        updated_until: orders.iter().map(|o| o.updated_at.timestamp()).max(),
        ..PageCounts::default()
    };
    let mut seen = std::collections::HashSet::new();
    for order in orders {
        // Orders sold at a matched location, also one disabled since: a sale there keeps
        // what it has (nothing at a disabled location is replaced or added), but its
        // returns at a store that imports are counted there, as they happened.
        let sold_here = order
            .retail_location_id
            .filter(|id| locations.is_matched(*id));
        if sold_here.is_none()
            || !crate::domain::facts::is_imported(order)
            || !seen.insert(order.id.clone())
        {
            continue;
        }
        let of = order_facts(order);
        facts.order_ids.push(order.id.clone());
        counts.orders_stored += 1;
        if let Some(sale) = of.sale
            && let Some(target) = locations.get(sale.shopify_location_id)
        {
            let (date, hour) = local_hour(sale.at, target.time_zone);
            facts.sales.push(SaleRow {
                shopify_order_id: sale.order_id,
                location_id: target.location_id,
                occurred_at: sale.at.timestamp(),
                local_date: date.format("%Y-%m-%d").to_string(),
                local_hour: i64::from(hour),
                gross: sale.gross,
                discounts: sale.discounts,
                items: sale.items,
                is_transaction: sale.transaction,
            });
        }
        for r in of.returns {
            // Goods that came back at a store TMAS does not import are not counted.
            let Some(target) = locations.get(r.shopify_location_id) else {
                continue;
            };
            let (date, hour) = local_hour(r.at, target.time_zone);
            counts.refunds_stored += 1;
            facts.returns.push(ReturnRow {
                shopify_return_id: r.id,
                shopify_order_id: r.order_id,
                location_id: target.location_id,
                occurred_at: r.at.timestamp(),
                local_date: date.format("%Y-%m-%d").to_string(),
                local_hour: i64::from(hour),
                gross: r.gross,
                discounts: r.discounts,
                returns: r.returns,
                items: r.items,
                is_transaction: r.transaction,
            });
        }
    }
    (facts, counts)
}
