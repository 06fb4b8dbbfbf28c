//! Downloading a bulk file into an on-disk stage, so that reading one takes the same memory for a
//! thousand orders as for a million.
//!
//! With `groupObjects: false` a child line (a line item, with `__parentId`) is not promised
//! to follow its order: it may come before it, or thousands of lines after. Holding every
//! order until the file ends would hold the whole file. Instead each line goes as it arrives
//! into a private SQLite file in a temporary directory (orders and line items in two
//! tables), indexes are built once the file has ended, and whole orders are then handed out
//! a batch at a time, each with all its line items whatever the order of the lines. SQLite
//! keeps a small page cache of its own ([`CACHE_KIB`]); nothing else grows with the file.
//! The directory is removed when the stage is dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Row, SqliteConnection};

use super::assemble::{Child, agreement_refund, assemble};
use crate::shopify::client::{ShopifyClient, malformed};
use crate::shopify::error::ShopifyError;

/// SQLite's page cache for the stage, in KiB (its default is about 2 MiB).
const CACHE_KIB: u32 = 8 * 1024;
/// Lines written per INSERT statement (three values each, well under SQLite's limit).
const LINES_PER_INSERT: usize = 500;
/// Orders whose line items are read by one SELECT.
const ORDERS_PER_SELECT: usize = 400;

/// The first fields of a line: enough to know whether it is an order or a child, whose,
/// and which kind of child (see [`Child`]).
#[derive(Deserialize)]
struct Head {
    id: Option<Value>,
    #[serde(rename = "__parentId")]
    parent: Option<Value>,
    #[serde(rename = "actionType")]
    action_type: Option<IgnoredAny>,
    #[serde(rename = "happenedAt")]
    happened_at: Option<IgnoredAny>,
    kind: Option<IgnoredAny>,
}

/// An order read back: its id, its own line, its line items and its agreements.
type StagedOrder = (String, Map<String, Value>, Vec<Value>, Vec<Value>);

/// A line to be written: the order it belongs to, and the line itself.
struct Staged {
    root: String,
    line: String,
}

/// A bulk file being staged, then read back order by order.
pub struct BulkStage {
    dir: PathBuf,
    db: SqliteConnection,
    orders: Vec<Staged>,
    /// Line items and agreements (their parent is an order).
    children: Vec<Staged>,
    /// Agreements' ids, beside their lines in `children`, and sales (their parent is an
    /// agreement).
    agreement_ids: Vec<Staged>,
    sales: Vec<Staged>,
    /// Refunds' transactions (their parent is a refund agreement, or its refund).
    transactions: Vec<Staged>,
    lines_seen: u64,
    order_count: u64,
    /// Rowid of the last order handed out.
    read_up_to: i64,
    sealed: bool,
}

impl std::fmt::Debug for BulkStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkStage")
            .field("dir", &self.dir)
            .field("order_count", &self.order_count)
            .finish_non_exhaustive()
    }
}

fn stage_error(e: impl std::fmt::Display) -> ShopifyError {
    // Not Shopify's doing, but it stops the read the same way: the run is retried later.
    ShopifyError::Transient {
        attempts: 1,
        detail: format!("staging the bulk file on disk failed: {e}"),
    }
}

impl BulkStage {
    /// Streams a completed export's file from its URL into a new stage, line by line as it
    /// arrives, and seals it. A file that broke off or expired, or a line that is not UTF-8,
    /// is a `MalformedResponse` saying so.
    pub async fn download(client: &ShopifyClient, url: &str) -> Result<Self, ShopifyError> {
        let mut response = client
            .http()
            .get(url)
            .send()
            .await
            .map_err(|e| malformed(format!("bulk file: {e}")))?;
        if !response.status().is_success() {
            return Err(malformed(format!(
                "bulk file answered HTTP {} (expired?)",
                response.status()
            )));
        }
        let mut stage = BulkStage::new().await?;
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| malformed(format!("bulk file broke off: {e}")))?;
            let Some(chunk) = chunk else { break };
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(len) = pending[start..].iter().position(|b| *b == b'\n') {
                let line = std::str::from_utf8(&pending[start..start + len])
                    .map_err(|_| malformed("bulk file line is not UTF-8"))?;
                stage.push_line(line).await?;
                start += len + 1;
            }
            pending.drain(..start);
        }
        if !pending.is_empty() {
            // A file ends with a newline: a last line without one was cut.
            return Err(malformed("bulk file ends in the middle of a line"));
        }
        stage.seal().await?;
        Ok(stage)
    }

    /// An empty stage in a new private temporary directory.
    pub async fn new() -> Result<Self, ShopifyError> {
        let dir = std::env::temp_dir().join(format!("tmas-bulk-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&dir).map_err(stage_error)?;
        let options = SqliteConnectOptions::new()
            .filename(dir.join("stage.db"))
            .create_if_missing(true)
            // A scratch file: nothing to recover after a crash, the file is read again.
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", format!("-{CACHE_KIB}"))
            .pragma("temp_store", "FILE");
        let mut db = match SqliteConnection::connect_with(&options).await {
            Ok(db) => db,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(stage_error(e));
            }
        };
        let created = run_statements(
            &mut db,
            &[
                "CREATE TABLE orders (id TEXT NOT NULL, line TEXT NOT NULL)",
                "CREATE TABLE children (parent TEXT NOT NULL, line TEXT NOT NULL)",
                "CREATE TABLE agreement_ids (id TEXT NOT NULL, line TEXT NOT NULL)",
                "CREATE TABLE sales (parent TEXT NOT NULL, line TEXT NOT NULL)",
                "CREATE TABLE transactions (parent TEXT NOT NULL, line TEXT NOT NULL)",
            ],
        )
        .await;
        let stage = BulkStage {
            dir,
            db,
            orders: Vec::new(),
            children: Vec::new(),
            agreement_ids: Vec::new(),
            sales: Vec::new(),
            transactions: Vec::new(),
            lines_seen: 0,
            order_count: 0,
            read_up_to: 0,
            sealed: false,
        };
        created.map_err(stage_error)?;
        Ok(stage)
    }

    /// Takes one line of the file (without its newline). A line that is not a JSON object
    /// with an id, or a child whose `__parentId` is not an id, is an error naming the line.
    pub async fn push_line(&mut self, line: &str) -> Result<(), ShopifyError> {
        self.lines_seen += 1;
        let n = self.lines_seen;
        let line = line.trim();
        if line.is_empty() {
            return Ok(());
        }
        if !line.starts_with('{') {
            return Err(malformed(format!(
                "bulk file line {n} is not a JSON object"
            )));
        }
        let head: Head = serde_json::from_str(line)
            .map_err(|e| malformed(format!("bulk file line {n} is not JSON: {e}")))?;
        match (head.parent, head.id) {
            (Some(Value::String(parent)), id) => {
                let staged = Staged {
                    root: parent,
                    line: line.to_string(),
                };
                match Child::of(
                    head.action_type.is_some(),
                    head.happened_at.is_some(),
                    head.kind.is_some(),
                ) {
                    Child::Sale => self.sales.push(staged),
                    Child::Transaction => self.transactions.push(staged),
                    Child::Agreement => {
                        let Some(Value::String(id)) = id else {
                            return Err(malformed(format!("bulk file line {n} has no id")));
                        };
                        // Kept by id too, for the check that each sale's agreement came.
                        self.agreement_ids.push(Staged {
                            root: id,
                            line: String::new(),
                        });
                        self.children.push(staged);
                    }
                    Child::LineItem => self.children.push(staged),
                }
            }
            (Some(_), _) => {
                return Err(malformed(format!(
                    "bulk file line {n} has a __parentId that is not an id"
                )));
            }
            (None, Some(Value::String(id))) => {
                self.order_count += 1;
                self.orders.push(Staged {
                    root: id,
                    line: line.to_string(),
                });
            }
            (None, _) => {
                return Err(malformed(format!("bulk file line {n} has no id")));
            }
        }
        let staged = self.orders.len() + self.children.len() + self.sales.len();
        if staged + self.transactions.len() >= LINES_PER_INSERT {
            // (`agreement_ids` grows with `children`, so this bounds it too.)
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), ShopifyError> {
        let orders = std::mem::take(&mut self.orders);
        insert_staged(&mut self.db, "INSERT INTO orders (id, line) ", orders).await?;
        let children = std::mem::take(&mut self.children);
        insert_staged(
            &mut self.db,
            "INSERT INTO children (parent, line) ",
            children,
        )
        .await?;
        let ids = std::mem::take(&mut self.agreement_ids);
        insert_staged(&mut self.db, "INSERT INTO agreement_ids (id, line) ", ids).await?;
        let sales = std::mem::take(&mut self.sales);
        insert_staged(&mut self.db, "INSERT INTO sales (parent, line) ", sales).await?;
        let transactions = std::mem::take(&mut self.transactions);
        insert_staged(
            &mut self.db,
            "INSERT INTO transactions (parent, line) ",
            transactions,
        )
        .await
    }

    /// The file has ended: index what was staged and check that every child's order came.
    pub async fn seal(&mut self) -> Result<(), ShopifyError> {
        self.flush().await?;
        run_statements(
            &mut self.db,
            &[
                "CREATE UNIQUE INDEX orders_by_id ON orders (id)",
                "CREATE INDEX children_by_parent ON children (parent)",
                "CREATE INDEX sales_by_parent ON sales (parent)",
                "CREATE INDEX agreement_ids_by_id ON agreement_ids (id)",
                "CREATE INDEX transactions_by_parent ON transactions (parent)",
            ],
        )
        .await
        .map_err(|e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => malformed("bulk file holds the same order twice"),
            _ => stage_error(e),
        })?;
        let lost: Option<String> = sqlx::query_scalar(
            "SELECT c.parent FROM children c LEFT JOIN orders o ON o.id = c.parent
             WHERE o.id IS NULL LIMIT 1",
        )
        .fetch_optional(&mut self.db)
        .await
        .map_err(stage_error)?;
        if let Some(parent) = lost {
            return Err(malformed(format!(
                "bulk file has lines of an order it lacks: {parent}"
            )));
        }
        // A sale's parent is an agreement, itself a child line with that id.
        let lost: Option<String> = sqlx::query_scalar(
            "SELECT s.parent FROM sales s LEFT JOIN agreement_ids a ON a.id = s.parent
             WHERE a.id IS NULL LIMIT 1",
        )
        .fetch_optional(&mut self.db)
        .await
        .map_err(stage_error)?;
        if let Some(parent) = lost {
            return Err(malformed(format!(
                "bulk file has sales of an agreement it lacks: {parent}"
            )));
        }
        self.sealed = true;
        Ok(())
    }

    /// The refunds of refund agreements whose transactions in the file name no place (no
    /// successful refund transaction with a location), in the order of the file, at most
    /// `max`: their lines decide where they happened, so they are read after the file, and
    /// reading them all at once takes far fewer queries than batch by batch. Meaningful for
    /// an export with the refunds' places only.
    pub async fn placeless_refunds(&mut self, max: usize) -> Result<Vec<String>, ShopifyError> {
        if !self.sealed {
            return Err(stage_error("read before the file ended"));
        }
        sqlx::query_scalar(
            "SELECT json_extract(c.line, '$.refund.id') FROM children c
             WHERE json_extract(c.line, '$.refund.id') IS NOT NULL
               AND NOT EXISTS (
                 SELECT 1 FROM transactions t
                 WHERE t.parent IN (json_extract(c.line, '$.id'),
                                    json_extract(c.line, '$.refund.id'))
                   AND json_extract(t.line, '$.kind') = 'REFUND'
                   AND json_extract(t.line, '$.status') = 'SUCCESS'
                   AND json_extract(t.line, '$.location.id') IS NOT NULL)
             ORDER BY c.rowid LIMIT $1",
        )
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .fetch_all(&mut self.db)
        .await
        .map_err(stage_error)
    }

    /// Orders (root lines) staged so far.
    pub fn order_count(&self) -> u64 {
        self.order_count
    }

    /// The next at most `max` orders, in the order of the file, each whole: its line items
    /// as a finished `lineItems` connection. Empty when every order was handed out.
    pub async fn next_orders(&mut self, max: usize) -> Result<Vec<Value>, ShopifyError> {
        if !self.sealed {
            return Err(stage_error("read before the file ended"));
        }
        let mut orders = self.next_order_lines(max).await?;
        for start in (0..orders.len()).step_by(ORDERS_PER_SELECT) {
            let end = (start + ORDERS_PER_SELECT).min(orders.len());
            self.add_children(&mut orders, start, end).await?;
        }
        let agreement_ids: Vec<String> = orders
            .iter()
            .flat_map(|o| &o.3)
            .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let mut sales = self.lines_of("sales", &agreement_ids).await?;
        let refund_parents = refund_parents(&orders);
        let mut transactions = self.lines_of("transactions", &refund_parents).await?;
        Ok(orders
            .into_iter()
            .map(|(_, mut order, items, agreements)| {
                assemble(&mut order, items, agreements, &mut sales, &mut transactions);
                Value::Object(order)
            })
            .collect())
    }

    /// The next at most `max` orders' own lines, without their children yet; moves
    /// `read_up_to` past each order read.
    async fn next_order_lines(&mut self, max: usize) -> Result<Vec<StagedOrder>, ShopifyError> {
        let rows = sqlx::query(
            "SELECT rowid, id, line FROM orders WHERE rowid > $1 ORDER BY rowid LIMIT $2",
        )
        .bind(self.read_up_to)
        .bind(max.max(1) as i64)
        .fetch_all(&mut self.db)
        .await
        .map_err(stage_error)?;
        let mut orders: Vec<StagedOrder> = Vec::with_capacity(rows.len());
        for row in rows {
            self.read_up_to = row.get::<i64, _>(0);
            let id: String = row.get(1);
            let line: String = row.get(2);
            let Value::Object(order) = serde_json::from_str(&line)
                .map_err(|e| malformed(format!("bulk file order {id}: {e}")))?
            else {
                return Err(malformed(format!("bulk file order {id} is not an object")));
            };
            orders.push((id, order, Vec::new(), Vec::new()));
        }
        Ok(orders)
    }

    /// Adds to `orders[start..end]` their child lines (one SELECT), in the order of the
    /// file: agreements apart, line items, sales and transactions together.
    async fn add_children(
        &mut self,
        orders: &mut [StagedOrder],
        start: usize,
        end: usize,
    ) -> Result<(), ShopifyError> {
        let slots: HashMap<String, usize> =
            (start..end).map(|i| (orders[i].0.clone(), i)).collect();
        let mut select = QueryBuilder::new("SELECT parent, line FROM children WHERE parent IN (");
        // In its own scope: a builder half held across the await below would make this
        // future not `Send` for the worker's tasks (rustc's higher-ranked lifetime check).
        {
            let mut ids = select.separated(", ");
            for order in &orders[start..end] {
                ids.push_bind(order.0.clone());
            }
            ids.push_unseparated(") ORDER BY parent, rowid");
        }
        let children = select
            .build()
            .fetch_all(&mut self.db)
            .await
            .map_err(stage_error)?;
        for row in children {
            let parent: String = row.get(0);
            let line: String = row.get(1);
            let Value::Object(mut child) = serde_json::from_str(&line)
                .map_err(|e| malformed(format!("bulk file line of {parent}: {e}")))?
            else {
                return Err(malformed(format!(
                    "bulk file line of {parent} is not an object"
                )));
            };
            child.remove("__parentId");
            if let Some(&slot) = slots.get(&parent) {
                match Child::of_object(&child) {
                    Child::Agreement => orders[slot].3.push(Value::Object(child)),
                    Child::LineItem | Child::Sale | Child::Transaction => {
                        orders[slot].2.push(Value::Object(child))
                    }
                }
            }
        }
        Ok(())
    }

    /// The staged lines of `table` (sales, transactions) whose parent is one of `parents`,
    /// by parent, in the order of the file.
    async fn lines_of(
        &mut self,
        table: &'static str,
        parents: &[String],
    ) -> Result<BTreeMap<String, Vec<Value>>, ShopifyError> {
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for ids in parents.chunks(ORDERS_PER_SELECT) {
            let mut select = QueryBuilder::new(format!(
                "SELECT parent, line FROM {table} WHERE parent IN ("
            ));
            {
                let mut list = select.separated(", ");
                for id in ids {
                    list.push_bind(id.clone());
                }
                list.push_unseparated(") ORDER BY parent, rowid");
            }
            let rows = select
                .build()
                .fetch_all(&mut self.db)
                .await
                .map_err(stage_error)?;
            for row in rows {
                let parent: String = row.get(0);
                let line: String = row.get(1);
                let Value::Object(mut sale) = serde_json::from_str(&line)
                    .map_err(|e| malformed(format!("bulk file line of {parent}: {e}")))?
                else {
                    return Err(malformed(format!(
                        "bulk file line of {parent} is not an object"
                    )));
                };
                sale.remove("__parentId");
                out.entry(parent).or_default().push(Value::Object(sale));
            }
        }
        Ok(out)
    }
}

impl Drop for BulkStage {
    fn drop(&mut self) {
        // The connection closes on its own thread; an unlinked file is freed when it does.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs fixed statements one by one. (`sqlx::raw_sql` would do it in one call, but its
/// future is not `Send` for every lifetime, which the worker's spawned tasks need.)
async fn run_statements(
    db: &mut SqliteConnection,
    statements: &[&'static str],
) -> Result<(), sqlx::Error> {
    for statement in statements {
        sqlx::query(statement).execute(&mut *db).await?;
    }
    Ok(())
}

/// Inserts staged lines with one statement (`prefix` names the table and its two columns).
async fn insert_staged(
    db: &mut SqliteConnection,
    prefix: &'static str,
    rows: Vec<Staged>,
) -> Result<(), ShopifyError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = QueryBuilder::new(prefix);
    insert.push_values(rows, |mut row, staged| {
        row.push_bind(staged.root).push_bind(staged.line);
    });
    let query = insert.build();
    query.execute(db).await.map_err(stage_error)?;
    Ok(())
}

/// The parents a refund's transactions may name, for every refund agreement of `orders`:
/// its agreement or the refund itself (Shopify does not say which, for a connection inside
/// an object of a node).
fn refund_parents(orders: &[StagedOrder]) -> Vec<String> {
    orders
        .iter()
        .flat_map(|o| &o.3)
        .filter_map(|a| {
            let refund = agreement_refund(a)?;
            let agreement = a.get("id").and_then(Value::as_str)?;
            Some([agreement.to_string(), refund.to_string()])
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn staged(lines: &[&str]) -> Result<BulkStage, ShopifyError> {
        let mut stage = BulkStage::new().await?;
        for line in lines {
            stage.push_line(line).await?;
        }
        stage.seal().await?;
        Ok(stage)
    }

    fn problem(e: ShopifyError) -> String {
        match e {
            ShopifyError::MalformedResponse { context } => context,
            other => panic!("not a malformed response: {other:?}"),
        }
    }

    /// A refund agreement's refund carries its transactions into the order's `refunds`
    /// list, whether the file names the agreement or the refund as their parent; a refund
    /// the file gave none keeps its list as it was (the reader fills it).
    #[tokio::test]
    async fn refund_transactions_go_to_their_refund_by_agreement_or_refund_id() {
        let mut stage = staged(&[
            r#"{"id":"gid://shopify/Order/1","refunds":[{"id":"R1"},{"id":"R2"},{"id":"R3"}]}"#,
            r#"{"id":"A1","happenedAt":"t","refund":{"id":"R1"},"__parentId":"gid://shopify/Order/1"}"#,
            r#"{"id":"A2","happenedAt":"t","refund":{"id":"R2"},"__parentId":"gid://shopify/Order/1"}"#,
            r#"{"id":"A3","happenedAt":"t","refund":{"id":"R3"},"__parentId":"gid://shopify/Order/1"}"#,
            r#"{"kind":"REFUND","status":"SUCCESS","location":{"id":"L1"},"__parentId":"A1"}"#,
            r#"{"kind":"REFUND","status":"FAILURE","location":null,"__parentId":"R2"}"#,
            r#"{"kind":"REFUND","status":"SUCCESS","location":{"id":"L2"},"__parentId":"R2"}"#,
            r#"{"actionType":"RETURN","__parentId":"A1"}"#,
        ])
        .await
        .expect("stages");
        let orders = all(&mut stage, 10).await;
        let refunds = orders[0]["refunds"].as_array().expect("refunds");
        let kinds = |i: usize| -> Vec<&str> {
            refunds[i]["transactions"]["nodes"]
                .as_array()
                .map(|n| {
                    n.iter()
                        .map(|t| t["status"].as_str().expect("status"))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(kinds(0), ["SUCCESS"]);
        assert_eq!(kinds(1), ["FAILURE", "SUCCESS"]);
        assert!(refunds[2].get("transactions").is_none(), "{}", refunds[2]);
        // R1 and R2 have a successful refund at a place; R3 has no transaction at all.
        assert_eq!(stage.placeless_refunds(10).await.expect("reads"), ["R3"]);
        assert!(
            refunds[0]["transactions"]["nodes"][0]
                .get("__parentId")
                .is_none()
        );
        let agreements = orders[0]["agreements"]["nodes"].as_array().expect("ledger");
        assert_eq!(
            agreements[0]["sales"]["nodes"].as_array().map(Vec::len),
            Some(1)
        );
    }

    async fn all(stage: &mut BulkStage, per_batch: usize) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let batch = stage.next_orders(per_batch).await.expect("reads");
            if batch.is_empty() {
                return out;
            }
            out.extend(batch);
        }
    }

    fn item_ids(order: &Value) -> Vec<&str> {
        order["lineItems"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id"))
            .collect()
    }

    #[tokio::test]
    async fn whole_orders_whatever_the_order_of_lines() {
        let lines = [
            r#"{"id":"L3","__parentId":"gid://shopify/Order/2"}"#,
            r#"{"id":"L1","quantity":1,"__parentId":"gid://shopify/Order/1"}"#,
            r#"{"id":"gid://shopify/Order/1","refunds":[]}"#,
            r#"{"id":"gid://shopify/Order/3","refunds":[]}"#,
            r#"{"id":"gid://shopify/Order/2","refunds":[{"id":"R1"}]}"#,
            r#"{"id":"L2","quantity":2,"__parentId":"gid://shopify/Order/1"}"#,
        ];
        // Every order of lines gives the same orders, with the same line items each.
        let mut seen = Vec::new();
        for rotation in 0..lines.len() {
            let mut rotated = lines.to_vec();
            rotated.rotate_left(rotation);
            let mut reversed = rotated.clone();
            reversed.reverse();
            for order_of_lines in [rotated, reversed] {
                let mut stage = staged(&order_of_lines).await.expect("stages");
                assert_eq!(stage.order_count(), 3);
                let mut orders = all(&mut stage, 2).await;
                orders.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                let mut shape: Vec<(String, Vec<String>)> = orders
                    .iter()
                    .map(|o| {
                        let mut ids: Vec<String> =
                            item_ids(o).into_iter().map(str::to_string).collect();
                        ids.sort();
                        (o["id"].as_str().expect("id").to_string(), ids)
                    })
                    .collect();
                shape.sort();
                seen.push(shape);
                assert!(
                    orders
                        .iter()
                        .all(|o| o["lineItems"]["nodes"][0].get("__parentId").is_none())
                );
            }
        }
        let expected = vec![
            (
                "gid://shopify/Order/1".to_string(),
                vec!["L1".into(), "L2".into()],
            ),
            ("gid://shopify/Order/2".to_string(), vec!["L3".into()]),
            ("gid://shopify/Order/3".to_string(), vec![]),
        ];
        assert!(seen.iter().all(|s| *s == expected), "{seen:?}");
    }

    #[tokio::test]
    async fn children_far_from_their_order_in_many_batches() {
        // Children first, their orders thousands of lines later, read in odd batch sizes.
        let mut stage = BulkStage::new().await.expect("stage");
        for o in 0..1200 {
            for l in 0..3 {
                let line = format!(r#"{{"id":"L{o}-{l}","__parentId":"gid://shopify/Order/{o}"}}"#);
                stage.push_line(&line).await.expect("line");
            }
        }
        for o in (0..1200).rev() {
            let line = format!(r#"{{"id":"gid://shopify/Order/{o}","refunds":[]}}"#);
            stage.push_line(&line).await.expect("order");
        }
        stage.seal().await.expect("sealed");
        assert_eq!(stage.order_count(), 1200);
        let orders = all(&mut stage, 7).await;
        assert_eq!(orders.len(), 1200);
        // In the order of the file.
        assert_eq!(orders[0]["id"], "gid://shopify/Order/1199");
        for o in &orders {
            let n = o["id"].as_str().expect("id").rsplit('/').next().expect("n");
            let ids = item_ids(o);
            assert_eq!(ids, [0, 1, 2].map(|l| format!("L{n}-{l}")), "{o}");
        }
    }

    #[tokio::test]
    async fn refuses_lines_that_are_not_json_objects_with_ids() {
        for (line, says) in [
            ("{\"id\":\"gid://shopify/Order/1\"", "line 1 is not JSON"),
            ("[1]", "line 1 is not a JSON object"),
            ("not json", "line 1 is not a JSON object"),
            ("{\"name\":\"no id\"}", "line 1 has no id"),
            (
                "{\"id\":\"L1\",\"__parentId\":7}",
                "line 1 has a __parentId that is not an id",
            ),
        ] {
            let e = staged(&[line]).await.expect_err(line);
            let context = problem(e);
            assert!(context.contains(says), "{line}: {context}");
        }
    }

    #[tokio::test]
    async fn refuses_a_child_whose_order_never_came_and_a_doubled_order() {
        let e = staged(&[
            r#"{"id":"gid://shopify/Order/1"}"#,
            r#"{"id":"L1","__parentId":"gid://shopify/Order/9"}"#,
        ])
        .await
        .expect_err("lost parent");
        assert_eq!(
            problem(e),
            "bulk file has lines of an order it lacks: gid://shopify/Order/9"
        );
        let e = staged(&[
            r#"{"id":"gid://shopify/Order/1"}"#,
            r#"{"id":"gid://shopify/Order/1"}"#,
        ])
        .await
        .expect_err("twice");
        assert!(problem(e).contains("same order twice"));
    }

    #[tokio::test]
    async fn the_staging_directory_goes_with_the_stage() {
        let stage = staged(&[r#"{"id":"gid://shopify/Order/1"}"#])
            .await
            .expect("stages");
        let dir = stage.dir.clone();
        assert!(dir.join("stage.db").exists());
        drop(stage);
        assert!(!dir.exists());
    }
}
