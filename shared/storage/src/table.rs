//! The Table port: a key-value table with sorted keys, secondary indexes, typed conditions,
//! transactions, atomic counters and TTL, with the semantics of DynamoDB.

use async_trait::async_trait;
use serde_json::Value;
use std::cmp::Ordering;

use crate::item::{Item, ItemExt, Key, PK, SK};
use crate::{StorageError, StorageResult};

/// A condition on the current item (absent or expired items have no attributes).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The item exists (and has not expired).
    Exists,
    /// The item does not exist (or has expired).
    NotExists,
    /// The attribute is present.
    AttrExists(String),
    /// The attribute is absent.
    AttrNotExists(String),
    /// The attribute equals the value.
    Equals(String, Value),
    /// The attribute is absent or differs from the value.
    NotEquals(String, Value),
    /// The attribute is less than the value (numbers or strings).
    LessThan(String, Value),
    /// The attribute is greater than the value (numbers or strings).
    GreaterThan(String, Value),
    /// Every condition holds.
    And(Vec<Condition>),
    /// At least one condition holds.
    Or(Vec<Condition>),
}

impl Condition {
    /// Shorthand for [`Condition::Equals`].
    pub fn eq(attr: &str, value: impl Into<Value>) -> Self {
        Condition::Equals(attr.into(), value.into())
    }

    /// Evaluates the condition on `current` (already `None` when absent or expired).
    pub fn holds(&self, current: Option<&Item>) -> bool {
        let attr = |name: &str| current.and_then(|i| i.get(name));
        match self {
            Condition::Exists => current.is_some(),
            Condition::NotExists => current.is_none(),
            Condition::AttrExists(a) => attr(a).is_some(),
            Condition::AttrNotExists(a) => attr(a).is_none(),
            Condition::Equals(a, v) => attr(a) == Some(v),
            Condition::NotEquals(a, v) => attr(a) != Some(v),
            Condition::LessThan(a, v) => compare(attr(a), v) == Some(Ordering::Less),
            Condition::GreaterThan(a, v) => compare(attr(a), v) == Some(Ordering::Greater),
            Condition::And(all) => all.iter().all(|c| c.holds(current)),
            Condition::Or(any) => any.iter().any(|c| c.holds(current)),
        }
    }
}

fn compare(a: Option<&Value>, b: &Value) -> Option<Ordering> {
    match (a?, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.as_str().cmp(y.as_str())),
        _ => None,
    }
}

/// One change to an item's attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// Sets the attribute.
    Set(String, Value),
    /// Sets the attribute only when it is absent.
    SetIfNotExists(String, Value),
    /// Removes the attribute.
    Remove(String),
    /// Adds to a numeric attribute (absent counts as 0).
    Add(String, i64),
}

/// A list of changes applied atomically; the item is created when missing (an upsert).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update(pub Vec<UpdateAction>);

impl Update {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a `Set`.
    pub fn set(mut self, attr: &str, value: impl Into<Value>) -> Self {
        self.0.push(UpdateAction::Set(attr.into(), value.into()));
        self
    }
    /// Adds a `SetIfNotExists`.
    pub fn set_if_missing(mut self, attr: &str, value: impl Into<Value>) -> Self {
        self.0
            .push(UpdateAction::SetIfNotExists(attr.into(), value.into()));
        self
    }
    /// Adds a `Remove`.
    pub fn remove(mut self, attr: &str) -> Self {
        self.0.push(UpdateAction::Remove(attr.into()));
        self
    }
    /// Adds an `Add`.
    pub fn add(mut self, attr: &str, by: i64) -> Self {
        self.0.push(UpdateAction::Add(attr.into(), by));
        self
    }

    /// Rejects updates of key attributes.
    pub fn validate(&self) -> StorageResult<()> {
        for a in &self.0 {
            let name = match a {
                UpdateAction::Set(n, _)
                | UpdateAction::SetIfNotExists(n, _)
                | UpdateAction::Remove(n)
                | UpdateAction::Add(n, _) => n,
            };
            if name == PK || name == SK {
                return Err(StorageError::Invalid(
                    "key attributes cannot be updated".into(),
                ));
            }
        }
        Ok(())
    }

    /// Applies the changes to `current` (or a new item with `key`), returning the new item.
    pub fn apply(&self, key: &Key, current: Option<Item>) -> StorageResult<Item> {
        let mut item = current.unwrap_or_else(|| key.to_item());
        for a in &self.0 {
            match a {
                UpdateAction::Set(n, v) => {
                    item.insert(n.clone(), v.clone());
                }
                UpdateAction::SetIfNotExists(n, v) => {
                    item.entry(n.clone()).or_insert_with(|| v.clone());
                }
                UpdateAction::Remove(n) => {
                    item.remove(n);
                }
                UpdateAction::Add(n, by) => {
                    let now = match item.get(n) {
                        None => 0,
                        Some(v) => v.as_i64().ok_or_else(|| {
                            StorageError::Invalid(format!("attribute {n} is not an integer"))
                        })?,
                    };
                    item.insert(n.clone(), Value::from(now + by));
                }
            }
        }
        Ok(item)
    }
}

/// Which sort keys a query selects within one partition.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyRange {
    /// Every sort key.
    All,
    /// Exactly this sort key.
    Eq(String),
    /// Sort keys starting with the prefix.
    BeginsWith(String),
    /// Sort keys in `[low, high]`.
    Between(String, String),
    /// Sort keys `< x`.
    Lt(String),
    /// Sort keys `<= x`.
    Le(String),
    /// Sort keys `> x`.
    Gt(String),
    /// Sort keys `>= x`.
    Ge(String),
}

impl KeyRange {
    /// Rejects bounds that no sort key can match on DynamoDB (a NUL, over 1,024 bytes).
    pub fn validate(&self) -> StorageResult<()> {
        let bounds: &[&String] = match self {
            KeyRange::All => &[],
            KeyRange::Eq(x)
            | KeyRange::BeginsWith(x)
            | KeyRange::Lt(x)
            | KeyRange::Le(x)
            | KeyRange::Gt(x)
            | KeyRange::Ge(x) => &[x],
            KeyRange::Between(a, b) => &[a, b],
        };
        bounds
            .iter()
            .try_for_each(|b| crate::item::check_key_part(b, crate::item::MAX_SORT_KEY_BYTES))
    }

    /// True when `sk` is selected.
    pub fn contains(&self, sk: &str) -> bool {
        match self {
            KeyRange::All => true,
            KeyRange::Eq(x) => sk == x,
            KeyRange::BeginsWith(p) => sk.starts_with(p.as_str()),
            KeyRange::Between(a, b) => sk >= a.as_str() && sk <= b.as_str(),
            KeyRange::Lt(x) => sk < x.as_str(),
            KeyRange::Le(x) => sk <= x.as_str(),
            KeyRange::Gt(x) => sk > x.as_str(),
            KeyRange::Ge(x) => sk >= x.as_str(),
        }
    }
}

impl Query {
    /// Rejects a query no adapter can run: an empty partition is a bug; a NUL or an
    /// over-long partition or bound comes from input.
    pub fn validate(&self) -> StorageResult<()> {
        if self.partition.is_empty() {
            return Err(StorageError::Invalid("bad partition key".into()));
        }
        crate::item::check_key_part(&self.partition, crate::item::MAX_PARTITION_KEY_BYTES)?;
        self.range.validate()
    }
}

/// A query of one partition of the table or of an index.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Index name from the schema, or `None` for the table itself.
    pub index: Option<String>,
    /// Partition key value.
    pub partition: String,
    /// Sort key selection.
    pub range: KeyRange,
    /// Largest number of items to read.
    pub limit: Option<usize>,
    /// Ascending sort order when true.
    pub forward: bool,
    /// Continue after this position (the `next` of a previous page).
    pub start_after: Option<Item>,
}

impl Query {
    /// All items of a table partition, ascending.
    pub fn partition(pk: impl Into<String>) -> Self {
        Self {
            index: None,
            partition: pk.into(),
            range: KeyRange::All,
            limit: None,
            forward: true,
            start_after: None,
        }
    }

    /// All items of an index partition, ascending.
    pub fn index(index: &str, pk: impl Into<String>) -> Self {
        Self {
            index: Some(index.into()),
            ..Self::partition(pk)
        }
    }

    /// Restricts the sort keys.
    pub fn range(mut self, range: KeyRange) -> Self {
        self.range = range;
        self
    }

    /// Caps the number of items read.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Descending order.
    pub fn backward(mut self) -> Self {
        self.forward = false;
        self
    }

    /// Continues a previous page.
    pub fn after(mut self, cursor: Option<Item>) -> Self {
        self.start_after = cursor;
        self
    }
}

/// One page of query results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Items in key order.
    pub items: Vec<Item>,
    /// Where the next page starts; `None` when the partition is exhausted.
    pub next: Option<Item>,
}

/// One page of query results as JSON text (see [`Table::query_raw`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawPage {
    /// Each item's JSON object, in key order.
    pub items: Vec<Vec<u8>>,
    /// Where the next page starts; `None` when the partition is exhausted.
    pub next: Option<Item>,
}

/// One operation of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum TxOp {
    /// Writes the whole item.
    Put {
        /// The item, with its key.
        item: Item,
        /// Condition on the current item.
        condition: Option<Condition>,
    },
    /// Updates (or creates) an item.
    Update {
        /// Item key.
        key: Key,
        /// Changes.
        update: Update,
        /// Condition on the current item.
        condition: Option<Condition>,
    },
    /// Deletes an item.
    Delete {
        /// Item key.
        key: Key,
        /// Condition on the current item.
        condition: Option<Condition>,
    },
    /// Only checks a condition.
    Check {
        /// Item key.
        key: Key,
        /// Condition that must hold.
        condition: Condition,
    },
}

impl TxOp {
    /// The key the operation touches.
    pub fn key(&self) -> StorageResult<Key> {
        match self {
            TxOp::Put { item, .. } => Key::of(item),
            TxOp::Update { key, .. } | TxOp::Delete { key, .. } | TxOp::Check { key, .. } => {
                Ok(key.clone())
            }
        }
    }
}

/// The most items one transaction may hold (DynamoDB's limit).
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// A table with DynamoDB semantics.
#[async_trait]
pub trait Table: Send + Sync + 'static {
    /// Reads one item; expired items read as `None`.
    async fn get(&self, key: &Key) -> StorageResult<Option<Item>>;

    /// Writes a whole item when `condition` holds.
    async fn put(&self, item: Item, condition: Option<Condition>) -> StorageResult<()>;

    /// Deletes an item when `condition` holds, returning the old item.
    async fn delete(&self, key: &Key, condition: Option<Condition>) -> StorageResult<Option<Item>>;

    /// Applies `update` when `condition` holds, returning the new item.
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> StorageResult<Item>;

    /// Reads one page of a partition of the table or an index.
    async fn query(&self, query: Query) -> StorageResult<Page>;

    /// Applies every operation or none; a failed condition names its operation.
    async fn transact(&self, ops: Vec<TxOp>) -> StorageResult<()>;

    /// Atomically adds `by` to the counter `attr` of the item, creating it (with `expires_at`
    /// as its TTL) when missing; returns the new value.
    async fn increment(
        &self,
        key: &Key,
        attr: &str,
        by: i64,
        expires_at: Option<i64>,
    ) -> StorageResult<i64> {
        let mut update = Update::new().add(attr, by);
        if let Some(t) = expires_at {
            update = update.set_if_missing(crate::item::TTL, t);
        }
        let item = self.update(key, update, None).await?;
        item.int(attr)
            .ok_or_else(|| StorageError::Backend("counter missing after update".into()))
    }

    /// A number that changes whenever any item of the table changes, when this adapter is the
    /// table's only writer (the embedded store: one process holds the file), so a reader may
    /// keep answers while it stays the same; `None` when others may write (DynamoDB).
    fn write_generation(&self) -> Option<u64> {
        None
    }

    /// Like [`Table::query`], with each item as JSON text, for hot read paths that decode
    /// straight into their own types. The embedded store hands out the stored bytes.
    async fn query_raw(&self, query: Query) -> StorageResult<RawPage> {
        let page = self.query(query).await?;
        let items = page
            .items
            .iter()
            .map(|i| serde_json::to_vec(i).map_err(|e| StorageError::Backend(e.to_string())))
            .collect::<StorageResult<_>>()?;
        Ok(RawPage {
            items,
            next: page.next,
        })
    }

    /// Every page of a query as JSON text (for small partitions).
    async fn query_all_raw(&self, query: Query) -> StorageResult<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut q = query;
        loop {
            let page = self.query_raw(q.clone()).await?;
            out.extend(page.items);
            match page.next {
                Some(next) => q.start_after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Hands the JSON text of every item a query selects to `visit`, in order, page after
    /// page, without keeping them (the embedded store lends its stored bytes, uncopied).
    async fn visit_raw(
        &self,
        query: Query,
        visit: &mut (dyn for<'b> FnMut(&'b [u8]) + Send),
    ) -> StorageResult<()> {
        let mut q = query;
        loop {
            let page = self.query_raw(q.clone()).await?;
            page.items.iter().for_each(|item| visit(item));
            match page.next {
                Some(next) => q.start_after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Reads every page of a query (for small partitions).
    async fn query_all(&self, query: Query) -> StorageResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut q = query;
        loop {
            let page = self.query(q.clone()).await?;
            out.extend(page.items);
            match page.next {
                Some(next) => q.start_after = Some(next),
                None => return Ok(out),
            }
        }
    }
}

/// Checks a transaction's shape the way DynamoDB does: size limit, one operation per item.
pub fn validate_transaction(ops: &[TxOp]) -> StorageResult<()> {
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_ITEMS {
        return Err(StorageError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_ITEMS} operations"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        let key = op.key()?;
        key.validate()?;
        if !seen.insert(key) {
            return Err(StorageError::Invalid(
                "a transaction cannot touch the same item twice".into(),
            ));
        }
        if let TxOp::Update { update, .. } = op {
            update.validate()?;
        }
    }
    Ok(())
}
