//! Reading orders whole. An orders page carries only the first few line items and refunds
//! of each order (so that a page stays under Shopify's single-query cost limit); the rare
//! order with more is completed here with follow-up `order(id:)` and `refund(id:)` queries
//! before anything is counted.

use std::collections::HashMap;

use futures::Stream;
use serde_json::{Value, json};

use super::client::{PageShrink, ShopifyClient, malformed};
use super::error::ShopifyError;
use super::queries;
use super::types::{
    Order, OrdersPage, QueryCost, TimeWindow, UnreadableOrder, gid_number, unreadable_order,
    whole_order, wire, wire_orders_page,
};

impl ShopifyClient {
    /// One page of orders updated inside `window`, oldest update first, every order whole.
    /// Pass the previous page's `next_cursor` to continue; a worker can checkpoint that
    /// cursor.
    pub async fn fetch_orders_page(
        &self,
        window: &TimeWindow,
        cursor: Option<&str>,
    ) -> Result<OrdersPage, ShopifyError> {
        self.fetch_orders_matching(&queries::updated_filter(window), cursor)
            .await
    }

    /// A page of the orders with these ids (Shopify gids), whatever their update time:
    /// how a run reads again the orders an earlier run could not read.
    pub async fn fetch_orders_by_ids(
        &self,
        ids: &[String],
        cursor: Option<&str>,
    ) -> Result<OrdersPage, ShopifyError> {
        let numbers: Vec<i64> = ids.iter().filter_map(|id| gid_number(id)).collect();
        if numbers.is_empty() {
            return Ok(OrdersPage {
                orders: Vec::new(),
                unreadable: Vec::new(),
                next_cursor: None,
                cost: None,
            });
        }
        self.fetch_orders_matching(&queries::ids_filter(&numbers), cursor)
            .await
    }

    async fn fetch_orders_matching(
        &self,
        filter: &str,
        cursor: Option<&str>,
    ) -> Result<OrdersPage, ShopifyError> {
        let (data, cost) = self.orders_page_within_cost(filter, cursor).await?;
        let page = wire_orders_page(data, cost)?;
        let (orders, unreadable) = self.whole_orders(page.orders, page.unreadable).await?;
        Ok(OrdersPage {
            orders,
            unreadable,
            next_cursor: page.next_cursor,
            cost: page.cost,
        })
    }

    /// One orders page as Shopify answers it, asked again smaller while Shopify refuses it
    /// as too costly; a page priced above the budget makes the next one smaller.
    async fn orders_page_within_cost(
        &self,
        filter: &str,
        cursor: Option<&str>,
    ) -> Result<(Value, Option<QueryCost>), ShopifyError> {
        loop {
            let first = self.page_size();
            let asked = self
                .graphql::<Value>(
                    "orders",
                    &queries::ORDERS,
                    json!({
                        "first": first,
                        "after": cursor,
                        "query": filter,
                    }),
                )
                .await;
            match asked {
                // Shopify counts this page above its limit: ask again, smaller, from the
                // same cursor, sized from Shopify's own count.
                Err(ShopifyError::QueryTooCostly { cost, max }) if first > 1 => {
                    let max = if max == 0 {
                        queries::MAX_QUERY_COST
                    } else {
                        max
                    };
                    self.shrink_page(PageShrink {
                        from: first,
                        to: queries::shrunk_page(first, u64::from(cost), max),
                        shopify_cost: cost,
                        max_cost: max,
                        refused: true,
                    });
                }
                Err(e) => return Err(e),
                Ok((data, cost)) => {
                    // Answered, but priced above the budget: the next page could be refused.
                    if let Some(c) = cost
                        && c.requested_query_cost > f64::from(queries::COST_BUDGET)
                        && first > 1
                    {
                        let requested = c.requested_query_cost.ceil() as u32;
                        self.shrink_page(PageShrink {
                            from: first,
                            to: queries::shrunk_page(
                                first,
                                u64::from(requested),
                                queries::MAX_QUERY_COST,
                            ),
                            shopify_cost: requested,
                            max_cost: queries::MAX_QUERY_COST,
                            refused: false,
                        });
                    }
                    return Ok((data, cost));
                }
            }
        }
    }

    /// The page's orders completed and read whole, and the ones TMAS cannot read (those the
    /// page already set apart first), each logged.
    async fn whole_orders(
        &self,
        page_orders: Vec<(wire::WireOrder, Value)>,
        mut unreadable: Vec<UnreadableOrder>,
    ) -> Result<(Vec<Order>, Vec<UnreadableOrder>), ShopifyError> {
        let mut orders = Vec::with_capacity(page_orders.len());
        for (mut o, raw) in page_orders {
            self.complete(&mut o).await?;
            match whole_order(o) {
                Ok(order) => orders.push(order),
                // One order with a value TMAS cannot read (an amount that is not a decimal,
                // an id that is not a gid) is set apart; the others are counted.
                Err(ShopifyError::MalformedResponse { context }) => {
                    unreadable.push(unreadable_order(&raw, context));
                }
                Err(e) => return Err(e),
            }
        }
        for u in &unreadable {
            tracing::warn!(order = %u.id, name = %u.name, problem = %u.problem, "order could not be read");
        }
        Ok((orders, unreadable))
    }

    /// Every page of orders updated inside `window`, one after the other.
    pub fn orders_pages(
        &self,
        window: TimeWindow,
    ) -> impl Stream<Item = Result<OrdersPage, ShopifyError>> + '_ {
        // State: None = finished; Some(cursor) = next page to read.
        futures::stream::try_unfold(Some(None::<String>), move |state| async move {
            let Some(cursor) = state else {
                return Ok(None);
            };
            let page = self.fetch_orders_page(&window, cursor.as_deref()).await?;
            let next = page.next_cursor.clone().map(Some);
            Ok(Some((page, next)))
        })
    }

    /// Convenience: all orders updated inside `window`.
    pub async fn fetch_all_orders(&self, window: TimeWindow) -> Result<Vec<Order>, ShopifyError> {
        use futures::TryStreamExt;
        let mut out = Vec::new();
        let mut pages = std::pin::pin!(self.orders_pages(window));
        while let Some(page) = pages.try_next().await? {
            out.extend(page.orders);
        }
        Ok(out)
    }

    /// Reads what the orders page left out of `o`: further line items, refunds beyond the
    /// few listed, and further lines of each refund.
    async fn complete(&self, o: &mut wire::WireOrder) -> Result<(), ShopifyError> {
        while let Some(after) = next_cursor(&o.line_items.page_info, &o.id)? {
            let (data, _) = self
                .graphql::<wire::OrderLineItemsData>(
                    "order line items",
                    &queries::ORDER_LINE_ITEMS,
                    json!({ "id": o.id, "after": after }),
                )
                .await?;
            let more = data.order.ok_or_else(|| vanished(&o.id))?.line_items;
            o.line_items.nodes.extend(more.nodes);
            o.line_items.page_info = more.page_info;
        }
        if o.refunds.len() >= queries::REFUNDS_PER_ORDER as usize {
            self.complete_refund_list(o).await?;
        }
        for r in &mut o.refunds {
            self.complete_refund_lines(r).await?;
        }
        self.complete_ledger(o).await
    }

    /// Reads the sales ledger of an order that changed after its sale (the orders page
    /// leaves it out: for an order only sold its line items say the same), or the rest of
    /// a ledger the bulk export carried in part; then what places its returns.
    pub(super) async fn complete_ledger(
        &self,
        o: &mut wire::WireOrder,
    ) -> Result<(), ShopifyError> {
        if o.agreements.is_none() && changed_after_sale(o) {
            o.agreements = Some(self.fetch_ledger(&o.id).await?);
        }
        if needs_return_places(o) {
            o.returns = self.fetch_returns(&o.id).await?;
            if o.returns.is_none() {
                o.payments = self.fetch_payments(&o.id).await?;
            }
        }
        Ok(())
    }

    /// The order's transactions (where and when money moved).
    async fn fetch_payments(
        &self,
        order: &str,
    ) -> Result<Vec<wire::WireOrderTransaction>, ShopifyError> {
        let (data, _) = self
            .graphql::<wire::OrderPaymentsData>(
                "order payments",
                &queries::ORDER_PAYMENTS,
                json!({ "id": order }),
            )
            .await?;
        let transactions = data.order.ok_or_else(|| vanished(order))?.transactions;
        if transactions.len() >= queries::PAYMENTS_PER_ORDER as usize {
            return Err(ShopifyError::OrderTooLarge {
                order: order.to_string(),
                what: "transactions".into(),
                limit: queries::PAYMENTS_PER_ORDER - 1,
            });
        }
        Ok(transactions)
    }

    /// The whole ledger of an order: pages of agreements, and an agreement with more sales
    /// than a page holds read again alone.
    async fn fetch_ledger(
        &self,
        order: &str,
    ) -> Result<wire::Connection<wire::WireAgreement>, ShopifyError> {
        let mut agreements = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let (data, _) = self
                .graphql::<wire::OrderLedgerData>(
                    "order ledger",
                    &queries::ORDER_LEDGER,
                    json!({ "id": order, "after": after }),
                )
                .await?;
            let page = data.order.ok_or_else(|| vanished(order))?.agreements;
            for (i, mut a) in page.nodes.into_iter().enumerate() {
                if next_cursor(&a.sales.page_info, &a.id)?.is_some() {
                    // Re-read from the cursor before this agreement: the page's own cursor
                    // for its first, else walk to it one agreement at a time.
                    a.sales = self
                        .fetch_agreement_sales(order, after.as_deref(), i)
                        .await?;
                }
                agreements.push(a);
            }
            match next_cursor(&page.page_info, order)? {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        Ok(wire::Connection {
            nodes: agreements,
            page_info: None,
        })
    }

    /// Every sale of the agreement `skip` places after the agreement cursor `start`.
    async fn fetch_agreement_sales(
        &self,
        order: &str,
        start: Option<&str>,
        skip: usize,
    ) -> Result<wire::Connection<wire::WireSale>, ShopifyError> {
        let mut agreement_cursor = start.map(str::to_string);
        let mut sales = Vec::new();
        let mut sales_after: Option<String> = None;
        let mut skipped = 0;
        loop {
            let (data, _) = self
                .graphql::<wire::OrderLedgerData>(
                    "agreement sales",
                    &queries::AGREEMENT_SALES,
                    json!({ "id": order, "agreement": agreement_cursor, "after": sales_after }),
                )
                .await?;
            let page = data.order.ok_or_else(|| vanished(order))?.agreements;
            let agreement = page
                .nodes
                .into_iter()
                .next()
                .ok_or_else(|| vanished(order))?;
            if skipped < skip {
                // Not there yet: this agreement's end cursor starts the next.
                skipped += 1;
                agreement_cursor =
                    Some(next_cursor(&page.page_info, order)?.ok_or_else(|| vanished(order))?);
                continue;
            }
            sales.extend(agreement.sales.nodes);
            match next_cursor(&agreement.sales.page_info, &agreement.id)? {
                Some(next) => sales_after = Some(next),
                None => break,
            }
        }
        Ok(wire::Connection {
            nodes: sales,
            page_info: None,
        })
    }

    /// What places the order's returns, or `None` when the app may not read returns
    /// (a return is then placed at the order's store, and the integration page says so).
    async fn fetch_returns(
        &self,
        order: &str,
    ) -> Result<Option<Vec<wire::WireReturn>>, ShopifyError> {
        let asked = self
            .graphql::<wire::OrderReturnsData>(
                "order returns",
                &queries::ORDER_RETURNS,
                json!({ "id": order }),
            )
            .await;
        let returns = match asked {
            Ok((data, _)) => data.order.ok_or_else(|| vanished(order))?.returns,
            Err(ShopifyError::ScopeMissing { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let too_many = |what: &str, limit: u32| ShopifyError::OrderTooLarge {
            order: order.to_string(),
            what: what.to_string(),
            limit,
        };
        match returns_cut(&returns) {
            Some(ReturnsCut::Returns) => Err(too_many("returns", queries::RETURNS_PER_ORDER)),
            Some(ReturnsCut::Refunds) => Err(too_many(
                "refunds of one return",
                queries::REFUNDS_PER_RETURN,
            )),
            Some(ReturnsCut::RestockedLines) => Err(too_many(
                "restocked lines of one return",
                queries::LINES_PER_REVERSE_ORDER,
            )),
            None => Ok(Some(returns.nodes)),
        }
    }

    /// Replaces the page's first refunds of `o` by all of them, in Shopify's order.
    async fn complete_refund_list(&self, o: &mut wire::WireOrder) -> Result<(), ShopifyError> {
        let (data, _) = self
            .graphql::<wire::OrderRefundIdsData>(
                "order refund ids",
                &queries::ORDER_REFUND_IDS,
                json!({ "id": o.id }),
            )
            .await?;
        let ids = data.order.ok_or_else(|| vanished(&o.id))?.refunds;
        if ids.len() >= queries::MAX_REFUNDS as usize {
            return Err(ShopifyError::OrderTooLarge {
                order: format!("{} ({})", o.name, o.id),
                what: "refunds".into(),
                limit: queries::MAX_REFUNDS - 1,
            });
        }
        let mut listed: HashMap<String, wire::WireRefund> =
            o.refunds.drain(..).map(|r| (r.id.clone(), r)).collect();
        for id in ids {
            let refund = match listed.remove(&id.id) {
                Some(r) => r,
                None => self.fetch_refund(&id.id, None).await?,
            };
            o.refunds.push(refund);
        }
        // Shopify never deletes a refund; one listed on the page but not now is kept rather
        // than dropped, and its sales stay counted.
        o.refunds.extend(listed.into_values());
        Ok(())
    }

    /// Reads the remaining transactions and lines of a refund, page after page.
    pub(super) async fn complete_refund_lines(
        &self,
        r: &mut wire::WireRefund,
    ) -> Result<(), ShopifyError> {
        if next_cursor(&r.transactions.page_info, &r.id)?.is_some() {
            // The follow-up reads the refund from its start, with more transactions at once.
            let whole = self.fetch_refund(&r.id, None).await?;
            r.transactions = whole.transactions;
            r.refund_line_items = whole.refund_line_items;
        }
        while let Some(after) = next_cursor(&r.refund_line_items.page_info, &r.id)? {
            let more = self.fetch_refund(&r.id, Some(&after)).await?;
            r.refund_line_items
                .nodes
                .extend(more.refund_line_items.nodes);
            r.refund_line_items.page_info = more.refund_line_items.page_info;
        }
        Ok(())
    }

    pub(super) async fn fetch_refund(
        &self,
        id: &str,
        after: Option<&str>,
    ) -> Result<wire::WireRefund, ShopifyError> {
        let (data, _) = self
            .graphql::<wire::RefundData>(
                "refund",
                &queries::REFUND,
                json!({ "id": id, "after": after }),
            )
            .await?;
        data.refund.ok_or_else(|| vanished(id))
    }
}

/// Whether an order may have more in its ledger than its sale: an edit, a return or an
/// exchange, a refund, a cancellation, or a line whose units changed. Only those orders'
/// ledgers are read in paged runs; for the others the line items say the same.
fn changed_after_sale(o: &wire::WireOrder) -> bool {
    o.edited
        || o.return_status.as_deref().is_some_and(|s| s != "NO_RETURN")
        || !o.refunds.is_empty()
        || o.cancelled_at.is_some()
        || o.line_items
            .nodes
            .iter()
            .any(|l| l.current_quantity.is_some_and(|q| q != l.quantity))
}

/// The cursor to continue a nested list from, when Shopify says it continues.
fn next_cursor(page: &Option<wire::PageInfo>, owner: &str) -> Result<Option<String>, ShopifyError> {
    match page {
        Some(p) if p.has_next_page => p
            .end_cursor
            .clone()
            .map(Some)
            .ok_or_else(|| malformed(format!("a list of {owner} continues without endCursor"))),
        _ => Ok(None),
    }
}

/// An order or refund that was on a page a moment ago and is now gone: try again later.
fn vanished(id: &str) -> ShopifyError {
    malformed(format!("{id} disappeared while it was being read"))
}

/// Whether the order's ledger holds a return whose place is not read yet.
pub(super) fn needs_return_places(o: &wire::WireOrder) -> bool {
    o.returns.is_none()
        && o.payments.is_empty()
        && o.agreements
            .as_ref()
            .is_some_and(|a| a.nodes.iter().any(|a| a.typename == "ReturnAgreement"))
}

/// Which connection of an order's returns an answer left unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReturnsCut {
    Returns,
    Refunds,
    RestockedLines,
}

/// Where an answer's returns continue past what it holds (`None`: they are whole); the
/// one-order query and the pages of several orders read the same shape of returns.
pub(super) fn returns_cut(returns: &wire::Connection<wire::WireReturn>) -> Option<ReturnsCut> {
    let continues = |p: &Option<wire::PageInfo>| p.as_ref().is_some_and(|p| p.has_next_page);
    if continues(&returns.page_info) {
        return Some(ReturnsCut::Returns);
    }
    for r in &returns.nodes {
        if continues(&r.refunds.page_info) {
            return Some(ReturnsCut::Refunds);
        }
        if continues(&r.reverse_fulfillment_orders.page_info)
            || r.reverse_fulfillment_orders
                .nodes
                .iter()
                .any(|o| continues(&o.line_items.page_info))
        {
            return Some(ReturnsCut::RestockedLines);
        }
    }
    None
}
