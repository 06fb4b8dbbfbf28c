//! Reading a completed export's file in bounded memory into whole orders, a batch at a
//! time: the places of returns from the pre-read or several orders a query; refunds' places
//! from the file (an export with the refunds' places), from the returns read, or from the
//! pre-read, and what none of them gives by batched follow-ups (`follow_ups`, through the
//! same cost pacer as every paged query, so inside the rate limit).

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::export::ExportShape;
use super::follow_ups::{RefundFollowUps, placed_by_transactions};
use super::pre_read::ExportPreRead;
use super::refund_pre_read::{PreReadRecord, RefundPreRead};
use super::return_places::{REFUND_TRANSACTIONS, ReturnPlaces, ReturnPreRead, ReturnsRecord};
use super::stage::BulkStage;
use crate::shopify::client::ShopifyClient;
use crate::shopify::error::ShopifyError;
use crate::shopify::orders::needs_return_places;
use crate::shopify::types::wire::{self, Connection, WireRefund, WireTransaction};
use crate::shopify::types::{
    Order, UnreadableOrder, unreadable_order, whole_order, wire_orders_page,
};

impl ShopifyClient {
    /// Opens a completed operation's file for reading in batches of whole orders.
    ///
    /// This is the interface the worker uses. The file is streamed from its URL into an
    /// on-disk stage ([`BulkStage`]) as it arrives, so memory does not grow with the file;
    /// whole orders are read back from the stage batch by batch. A file that breaks off,
    /// a line that is not a JSON object with an id, or a line item whose order the file
    /// lacks is a `MalformedResponse` naming what was wrong.
    pub async fn open_bulk_orders(&self, url: &str) -> Result<BulkOrdersReader<'_>, ShopifyError> {
        let stage = BulkStage::download(self, url).await?;
        Ok(BulkOrdersReader {
            client: self,
            order_count: stage.order_count(),
            stage,
            follow_ups: RefundFollowUps::default(),
            pre_read: None,
            returns: ReturnPreRead::none(),
            shape: ExportShape::Plain,
            read_whole: None,
        })
    }
}

/// Whole orders of one batch of a bulk file.
#[derive(Debug, Default)]
pub struct BulkBatch {
    pub orders: Vec<Order>,
    pub unreadable: Vec<UnreadableOrder>,
}

/// A completed bulk file being read: hands out whole orders (refund lines and transactions
/// read by follow-ups, several refunds a query) a batch at a time, so the caller can store
/// each batch as it comes.
pub struct BulkOrdersReader<'a> {
    client: &'a ShopifyClient,
    order_count: u64,
    stage: BulkStage,
    follow_ups: RefundFollowUps,
    /// Refunds already read while the export ran ([`RefundPreRead`]).
    pre_read: Option<RefundPreRead>,
    /// Returns' places read while the export ran, and the reading of the others by id.
    returns: ReturnPreRead,
    /// What the export carries: with [`ExportShape::RefundPlaces`] every refund agreement's
    /// refund came with its transactions.
    shape: ExportShape,
    /// Refunds whose transactions at hand name no place, read whole (lines and
    /// transactions) before the first batch, by id; `None` until then.
    read_whole: Option<HashMap<String, WireRefund>>,
}

/// The most refunds read whole before the first batch (about 2.5 MB); the others are read
/// batch by batch.
const MAX_READ_WHOLE_FIRST: usize = 5_000;

impl BulkOrdersReader<'_> {
    /// How many orders (root objects) the file holds, readable or not.
    pub fn order_count(&self) -> u64 {
        self.order_count
    }

    /// Says what the export was asked to carry (an export of [`ExportShape::Plain`] unless
    /// told otherwise): with the refunds' places, a refund agreement's refund is placed by
    /// the transactions in the file, even when the file lists none for it.
    pub fn exported_as(&mut self, shape: ExportShape) {
        self.shape = shape;
    }

    /// What the refund follow-ups cost so far.
    pub fn refund_follow_ups(&self) -> RefundFollowUps {
        self.follow_ups
    }

    /// Takes the refunds read while the export ran: those the file lists are not read
    /// again. A pre-read that found Shopify refusing the money scalars makes the
    /// follow-ups read the `…Set` fields at once.
    pub fn use_pre_read(&mut self, pre: impl Into<ExportPreRead>) {
        let ExportPreRead { refunds, returns } = pre.into();
        self.follow_ups.set_shape |= refunds.record.set_shape;
        self.pre_read = Some(refunds);
        self.returns = returns;
    }

    /// What reading the returns' places did, during the export and after it.
    pub fn returns_record(&self) -> ReturnsRecord {
        self.returns.record
    }

    /// What the pre-read did, and how many of its refunds the file used so far.
    pub fn pre_read_record(&self) -> Option<PreReadRecord> {
        self.pre_read.as_ref().map(|p| p.record)
    }

    /// The next batch of at most `max_orders` orders, `None` when the file is done: the
    /// staged orders, their refunds followed up, their returns placed, each order whole.
    pub async fn next_batch(
        &mut self,
        max_orders: usize,
    ) -> Result<Option<BulkBatch>, ShopifyError> {
        if self.read_whole.is_none() {
            self.read_placeless_refunds().await?;
        }
        let mut nodes = self.stage.next_orders(max_orders.max(1)).await?;
        if nodes.is_empty() {
            return Ok(None);
        }
        for order in &mut nodes {
            with_unread_refund_lists(order);
        }
        let page = wire_orders_page(
            json!({ "orders": { "nodes": nodes,
                    "pageInfo": { "hasNextPage": false, "endCursor": null } } }),
            None,
        )?;
        let mut orders = page.orders;
        // The ledger in the file says what each return did, not where: those orders take
        // what was read while Shopify exported, the others are read now several a query,
        // and an order neither holds whole is read alone. The returns' refunds come with
        // their transactions, which the refunds' follow-ups then need not read.
        self.place_returns(&mut orders).await?;
        self.follow_up_refunds(&mut orders).await?;
        for (o, _) in &mut orders {
            self.client.complete_ledger(o).await?;
        }
        let mut batch = BulkBatch {
            orders: Vec::with_capacity(orders.len()),
            unreadable: page.unreadable,
        };
        for (o, raw) in orders {
            match whole_order(o) {
                Ok(order) => batch.orders.push(order),
                Err(ShopifyError::MalformedResponse { context }) => {
                    batch.unreadable.push(unreadable_order(&raw, context));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Some(batch))
    }

    /// Reads what the file cannot carry of the orders' refunds. The ledger in the file says
    /// what each refund returned: of a refund of an order with its ledger only the place is
    /// left to read (its transactions), and only when they name none its lines (their
    /// restock locations). Transactions already at hand are not read again: those the
    /// export carried (a refund agreement's refund) and those read with the order's returns.
    /// An order the file gave no ledger is counted by its line items, so its refunds are
    /// read whole.
    async fn follow_up_refunds(
        &mut self,
        orders: &mut [(wire::WireOrder, serde_json::Value)],
    ) -> Result<(), ShopifyError> {
        // The refunds leave their orders while they are read and go back after: the future
        // then holds owned values only, which keeps it `Send` for the worker's tasks.
        let mut refunds: Vec<WireRefund> = Vec::new();
        let mut known: Vec<KnownTransactions> = Vec::new();
        let mut per_order: Vec<usize> = Vec::with_capacity(orders.len());
        for (o, _) in orders.iter_mut() {
            per_order.push(o.refunds.len());
            known.extend(known_transactions(o, self.shape));
            refunds.append(&mut o.refunds);
        }
        let ledgered: Vec<bool> = orders
            .iter()
            .zip(&per_order)
            .flat_map(|((o, _), &n)| std::iter::repeat_n(o.agreements.is_some(), n))
            .collect();
        // Places read while the export ran are taken as they are; the others are read now
        // and go back to their slots, so each order gets its own.
        let mut slots: Vec<Option<WireRefund>> = refunds.into_iter().map(Some).collect();
        let (mut place_at, mut whole_at) = (Vec::new(), Vec::new());
        for (i, (slot, known)) in slots.iter_mut().zip(known).enumerate() {
            let Some(r) = slot.as_mut() else { continue };
            if !ledgered[i] {
                whole_at.push(i);
                continue;
            }
            match known {
                // Its transactions are all here: they place it, or its lines will.
                KnownTransactions::Whole(transactions) => {
                    let placed = placed_by_transactions(&transactions.nodes);
                    r.transactions = transactions;
                    if !placed {
                        whole_at.push(i);
                    }
                    continue;
                }
                KnownTransactions::Unread => {}
            }
            // The pre-read keeps only refunds its transactions place.
            match self.pre_read.as_mut().and_then(|p| p.take(&r.id)) {
                Some((_, transactions)) => r.transactions = transactions,
                None => place_at.push(i),
            }
        }
        let again = self.read_into_slots(&mut slots, &place_at, true).await?;
        whole_at.extend(again.into_iter().map(|k| place_at[k]));
        // Those read whole before the first batch are taken as they were read.
        if let Some(read) = self.read_whole.as_mut() {
            whole_at.retain(|&i| {
                let Some(r) = slots[i].as_mut() else {
                    return false;
                };
                let Some(whole) = read.remove(&r.id) else {
                    return true;
                };
                r.refund_line_items = whole.refund_line_items;
                r.transactions = whole.transactions;
                false
            });
        }
        self.read_into_slots(&mut slots, &whole_at, false).await?;
        let mut read = slots.into_iter().flatten();
        for ((o, _), n) in orders.iter_mut().zip(per_order) {
            o.refunds = read.by_ref().take(n).collect();
        }
        Ok(())
    }

    /// Reads whole, several a query, the refunds whose transactions at hand name no place
    /// (those of the file's refund agreements, and the returns' refunds read while Shopify
    /// exported): their lines decide where they happened. Read once before the first batch,
    /// they take a few full queries instead of one small query per batch.
    async fn read_placeless_refunds(&mut self) -> Result<(), ShopifyError> {
        let mut ids = match self.shape {
            ExportShape::RefundPlaces => self.stage.placeless_refunds(MAX_READ_WHOLE_FIRST).await?,
            ExportShape::Plain => Vec::new(),
        };
        ids.extend(self.returns.placeless_refunds());
        ids.sort();
        ids.dedup();
        ids.truncate(MAX_READ_WHOLE_FIRST);
        let mut refunds: Vec<WireRefund> = ids.into_iter().map(unread_refund).collect();
        self.client
            .read_refund_details(&mut refunds, &mut self.follow_ups)
            .await?;
        self.read_whole = Some(refunds.into_iter().map(|r| (r.id.clone(), r)).collect());
        Ok(())
    }

    /// Reads the refunds in `slots` at `at` — their places only, or whole — and puts each
    /// back in its slot; of a reading of places, the positions in `at` of the refunds whose
    /// transactions named no place (to be read whole).
    async fn read_into_slots(
        &mut self,
        slots: &mut [Option<WireRefund>],
        at: &[usize],
        places_only: bool,
    ) -> Result<Vec<usize>, ShopifyError> {
        let mut unread: Vec<WireRefund> = at.iter().filter_map(|&i| slots[i].take()).collect();
        let again = if places_only {
            self.client
                .read_refund_places(&mut unread, &mut self.follow_ups)
                .await?
        } else {
            self.client
                .read_refund_details(&mut unread, &mut self.follow_ups)
                .await?;
            Vec::new()
        };
        for (&i, r) in at.iter().zip(unread) {
            slots[i] = Some(r);
        }
        Ok(again)
    }
}

impl BulkOrdersReader<'_> {
    /// Gives each order whose ledger holds a return what places its returns: read while
    /// the export ran, else read now by the orders' ids.
    async fn place_returns(
        &mut self,
        orders: &mut [(wire::WireOrder, serde_json::Value)],
    ) -> Result<(), ShopifyError> {
        let mut unread: Vec<usize> = Vec::new();
        for (i, (o, _)) in orders.iter_mut().enumerate() {
            if !needs_return_places(o) {
                continue;
            }
            match self.returns.take(&o.id) {
                Some(places) => give(o, places),
                None => unread.push(i),
            }
        }
        if unread.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = unread.iter().map(|&i| orders[i].0.id.as_str()).collect();
        let mut read = self
            .client
            .read_return_places(&mut self.returns, &ids)
            .await?;
        for i in unread {
            let o = &mut orders[i].0;
            if let Some(places) = read.remove(&o.id) {
                give(o, places);
            }
        }
        Ok(())
    }
}

/// A refund known by its id only, to be read whole (its dates come from the file).
fn unread_refund(id: String) -> WireRefund {
    WireRefund {
        id,
        created_at: None,
        processed_at: chrono::DateTime::UNIX_EPOCH,
        refund_line_items: Connection::default(),
        transactions: Connection::default(),
    }
}

/// What is at hand of a refund's transactions before any follow-up.
enum KnownTransactions {
    /// All of them (possibly none).
    Whole(Connection<WireTransaction>),
    /// Not read yet, or not all.
    Unread,
}

/// For each refund of `o`, in order, the transactions at hand: with the refunds' places in
/// the export, those of a refund agreement's refund are whole as the file gave them (bulk
/// does not page); a return's refund read with the order's returns has them whole when
/// fewer came than the page asked for.
fn known_transactions(o: &mut wire::WireOrder, shape: ExportShape) -> Vec<KnownTransactions> {
    let in_file: HashSet<&str> = match (&o.agreements, shape) {
        (Some(a), ExportShape::RefundPlaces) => a
            .nodes
            .iter()
            .filter_map(|a| a.refund.as_ref().map(|r| r.id.as_str()))
            .collect(),
        _ => HashSet::new(),
    };
    let mut by_return: HashMap<String, Connection<WireTransaction>> = HashMap::new();
    for r in o.returns.iter_mut().flatten() {
        for refund in &mut r.refunds.nodes {
            if let Some(t) = refund.transactions.take()
                && t.nodes.len() < REFUND_TRANSACTIONS as usize
            {
                by_return.insert(refund.id.clone(), t);
            }
        }
    }
    o.refunds
        .iter_mut()
        .map(|r| {
            if in_file.contains(r.id.as_str()) {
                KnownTransactions::Whole(std::mem::take(&mut r.transactions))
            } else if let Some(t) = by_return.remove(&r.id) {
                KnownTransactions::Whole(t)
            } else {
                KnownTransactions::Unread
            }
        })
        .collect()
}

fn give(o: &mut wire::WireOrder, places: ReturnPlaces) {
    match places {
        ReturnPlaces::Returns(returns) => o.returns = Some(returns),
        ReturnPlaces::Payments(payments) => o.payments = payments,
    }
}

/// Gives each refund of a bulk order the empty, finished lists of lines and transactions
/// that the follow-up fills (bulk cannot export them in the `refunds` list); transactions
/// the file carried (`stage`) stay.
fn with_unread_refund_lists(order: &mut serde_json::Value) {
    let Some(refunds) = order.get_mut("refunds").and_then(|r| r.as_array_mut()) else {
        return;
    };
    for r in refunds.iter_mut().filter_map(|r| r.as_object_mut()) {
        for c in ["refundLineItems", "transactions"] {
            r.entry(c).or_insert_with(
                || json!({ "nodes": [], "pageInfo": { "hasNextPage": false, "endCursor": null } }),
            );
        }
    }
}
