//! A page of imported facts as both write paths store it: the portable one in
//! [`super::imports`] and PostgreSQL's batched one in [`super::imports_pg`].

/// One stored sale (an order processed at a location).
#[derive(Debug, Clone)]
pub struct SaleRow {
    pub shopify_order_id: String,
    pub location_id: i64,
    pub occurred_at: i64,
    pub local_date: String,
    pub local_hour: i64,
    pub gross: i64,
    pub discounts: i64,
    pub items: i64,
    pub is_transaction: bool,
}

/// One stored change after the sale at a location: a refund, a return or exchange, an edit,
/// or what a cancellation returned.
#[derive(Debug, Clone)]
pub struct ReturnRow {
    pub shopify_return_id: String,
    pub shopify_order_id: String,
    pub location_id: i64,
    pub occurred_at: i64,
    pub local_date: String,
    pub local_hour: i64,
    /// What the change sold (an exchange's or an edit's new items), before discounts.
    pub gross: i64,
    pub discounts: i64,
    pub returns: i64,
    pub items: i64,
    pub is_transaction: bool,
}

/// The facts of one page of orders, ready to store.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    /// Every order of the page whose facts are replaced (imported orders only).
    pub order_ids: Vec<String>,
    /// The TMAS locations whose facts of those orders are replaced: the integration's
    /// importing ones. Facts already stored at any other location (disabled since) are
    /// kept as they are, and a re-read fact whose id is kept there is not moved.
    pub locations: Vec<i64>,
    pub sales: Vec<SaleRow>,
    pub returns: Vec<ReturnRow>,
}

impl PageFacts {
    /// Adds the hours the page's new facts fall in to `buckets` (the hours the replaced
    /// facts were in), each once: every hour the page touches, to recompute.
    pub(super) fn add_new_buckets(&self, buckets: &mut Vec<Bucket>) {
        buckets.extend(
            self.sales
                .iter()
                .map(|s| (s.location_id, s.local_date.clone(), s.local_hour)),
        );
        buckets.extend(
            self.returns
                .iter()
                .map(|r| (r.location_id, r.local_date.clone(), r.local_hour)),
        );
        buckets.sort();
        buckets.dedup();
    }
}

/// Counters a page adds to its run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageCounts {
    /// Shopify pages these orders came in (the worker writes several in one transaction).
    pub pages: i64,
    pub orders_read: i64,
    pub refunds_read: i64,
    pub orders_stored: i64,
    pub refunds_stored: i64,
    /// The latest `updatedAt` of the page: the watermark may advance to it.
    pub updated_until: Option<i64>,
}

/// A run in progress and the lease its worker holds on the integration.
#[derive(Debug, Clone, Copy)]
pub struct RunLease<'a> {
    pub integration: i64,
    pub run: i64,
    pub owner: &'a str,
}

/// A bucket of hourly totals: location, local date, hour.
pub(super) type Bucket = (i64, String, i64);
