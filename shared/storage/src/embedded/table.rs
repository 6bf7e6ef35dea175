//! The Table port on redb: items by `pk NUL sk NUL`, index entries carrying a copy of their
//! item (as a DynamoDB index projecting `ALL` does, so an index range is one sequential read),
//! and a time-ordered expiry list so expired items can be swept in O(expired).

use async_trait::async_trait;
use redb::{ReadableDatabase, ReadableTable, TableDefinition, TableHandle, WriteTransaction};
use serde_json::Value;
use std::ops::Bound;

use super::keys::{bounds, compose, time_prefix};
use super::{backend, EmbeddedStore};
use crate::item::{check_storable, Item, ItemExt, Key, TTL};
use crate::schema::TABLE;
use crate::table::{validate_transaction, Condition, Page, Query, RawPage, Table, TxOp, Update};
use crate::{StorageError, StorageResult};

pub(super) const ITEMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("items");
/// Index entries → the item's stored bytes.
pub(super) const INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("index_items");
/// The first file format's index: entries → the item's main key.
const LEGACY_INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("index");
pub(super) const EXPIRY: TableDefinition<&[u8], ()> = TableDefinition::new("expiry");

fn main_key(key: &Key) -> Vec<u8> {
    compose(&[&key.pk, &key.sk])
}

fn decode(bytes: &[u8]) -> StorageResult<Item> {
    serde_json::from_slice(bytes).map_err(backend)
}

/// Index entries `index NUL gpk NUL gsk NUL pk NUL sk NUL` of an item.
fn index_entries(item: &Item, key: &Key) -> StorageResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for idx in TABLE.indexes {
        match (item.get(idx.pk), item.get(idx.sk)) {
            (Some(Value::String(p)), Some(Value::String(s))) => {
                if p.is_empty() || s.is_empty() {
                    return Err(StorageError::Invalid(format!("bad {} key", idx.name)));
                }
                out.push(compose(&[idx.name, p, s, &key.pk, &key.sk]));
            }
            (None, _) | (_, None) => {}
            _ => {
                return Err(StorageError::Invalid(format!(
                    "{} keys must be strings",
                    idx.name
                )))
            }
        }
    }
    Ok(out)
}

fn expiry_entry(item: &Item, key: &Key) -> Option<Vec<u8>> {
    item.int(TTL).map(|t| {
        let mut v = time_prefix(t).to_vec();
        v.extend_from_slice(&main_key(key));
        v
    })
}

/// The open tables of one write transaction.
struct Writer<'t> {
    items: redb::Table<'t, &'static [u8], &'static [u8]>,
    index: redb::Table<'t, &'static [u8], &'static [u8]>,
    expiry: redb::Table<'t, &'static [u8], ()>,
    now: i64,
}

impl<'t> Writer<'t> {
    fn open(txn: &'t WriteTransaction, now: i64) -> StorageResult<Self> {
        Ok(Self {
            items: txn.open_table(ITEMS).map_err(backend)?,
            index: txn.open_table(INDEX).map_err(backend)?,
            expiry: txn.open_table(EXPIRY).map_err(backend)?,
            now,
        })
    }

    /// The stored item, expired or not.
    fn physical(&self, key: &Key) -> StorageResult<Option<Item>> {
        match self.items.get(main_key(key).as_slice()).map_err(backend)? {
            Some(v) => decode(v.value()).map(Some),
            None => Ok(None),
        }
    }

    /// The item as readers see it: `None` when absent or expired.
    fn logical(&self, physical: &Option<Item>) -> Option<Item> {
        physical.clone().filter(|i| !i.is_expired(self.now))
    }

    /// Replaces `old` (physical) by `new` under `key`, keeping indexes and expiry in step.
    fn write(&mut self, key: &Key, old: Option<&Item>, new: Option<&Item>) -> StorageResult<()> {
        if let Some(old) = old {
            for e in index_entries(old, key).unwrap_or_default() {
                self.index.remove(e.as_slice()).map_err(backend)?;
            }
            if let Some(e) = expiry_entry(old, key) {
                self.expiry.remove(e.as_slice()).map_err(backend)?;
            }
        }
        let mk = main_key(key);
        match new {
            Some(item) => {
                // The same refusals as DynamoDB's adapter: size, index key parts.
                check_storable(item)?;
                let entries = index_entries(item, key)?;
                let bytes = serde_json::to_vec(item).map_err(backend)?;
                self.items
                    .insert(mk.as_slice(), bytes.as_slice())
                    .map_err(backend)?;
                for e in entries {
                    self.index
                        .insert(e.as_slice(), bytes.as_slice())
                        .map_err(backend)?;
                }
                if let Some(e) = expiry_entry(item, key) {
                    self.expiry.insert(e.as_slice(), ()).map_err(backend)?;
                }
            }
            None => {
                self.items.remove(mk.as_slice()).map_err(backend)?;
            }
        }
        Ok(())
    }

    /// Checks `condition` and applies one operation; returns the logical old and new items.
    fn apply(&mut self, op: &TxOp) -> StorageResult<(Option<Item>, Option<Item>)> {
        let key = op.key()?;
        key.validate()?;
        let physical = self.physical(&key)?;
        let current = self.logical(&physical);
        let condition = match op {
            TxOp::Put { condition, .. }
            | TxOp::Update { condition, .. }
            | TxOp::Delete { condition, .. } => condition.as_ref(),
            TxOp::Check { condition, .. } => Some(condition),
        };
        if let Some(c) = condition {
            if !c.holds(current.as_ref()) {
                return Err(StorageError::ConditionFailed { index: None });
            }
        }
        let new = match op {
            TxOp::Put { item, .. } => Some(item.clone()),
            TxOp::Update { update, .. } => {
                update.validate()?;
                Some(update.apply(&key, current.clone())?)
            }
            TxOp::Delete { .. } => None,
            TxOp::Check { .. } => return Ok((current.clone(), current)),
        };
        self.write(&key, physical.as_ref(), new.as_ref())?;
        Ok((current, new))
    }
}

/// True when the stored item carries a `ttl` at or before `now`, without decoding it
/// (only items holding a `"ttl"` key are parsed, and then only for that attribute).
fn expired(bytes: &[u8], now: i64) -> StorageResult<bool> {
    #[derive(serde::Deserialize)]
    struct Ttl {
        ttl: Option<Value>,
    }
    static TTL_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"ttl\""));
    if TTL_KEY.find(bytes).is_none() {
        return Ok(false);
    }
    let t: Ttl = serde_json::from_slice(bytes).map_err(backend)?;
    Ok(t.ttl
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
        .is_some_and(|t| t <= now))
}

impl EmbeddedStore {
    /// The live items a query selects, as stored bytes, and the last item read when the
    /// limit stopped the scan (the next page starts after it).
    #[allow(clippy::type_complexity)]
    fn scan(&self, query: &Query) -> StorageResult<(Vec<Vec<u8>>, Option<Vec<u8>>)> {
        let mut out = Vec::new();
        let last = self.scan_with(query, &mut |bytes| out.push(bytes.to_vec()))?;
        Ok((out, last))
    }

    /// Hands each live item a query selects to `visit` as its stored bytes, within the read
    /// transaction; returns the last item read when the limit stopped the scan.
    fn scan_with(
        &self,
        query: &Query,
        visit: &mut dyn FnMut(&[u8]),
    ) -> StorageResult<Option<Vec<u8>>> {
        query.validate()?;
        let prefix = match &query.index {
            None => compose(&[&query.partition]),
            Some(name) => {
                let idx = TABLE
                    .index(name)
                    .ok_or_else(|| StorageError::Invalid(format!("no index {name}")))?;
                compose(&[idx.name, &query.partition])
            }
        };
        let (mut lower, mut upper) = bounds(&prefix, &query.range);
        if let Some(after) = &query.start_after {
            let c = cursor_key(query, after)?;
            if query.forward {
                lower = Bound::Excluded(c);
            } else {
                upper = Bound::Excluded(c);
            }
        }
        self.read(move |db, now| {
            let txn = db.begin_read().map_err(backend)?;
            let source = match query.index {
                Some(_) => txn.open_table(INDEX),
                None => txn.open_table(ITEMS),
            }
            .map_err(backend)?;
            let range = (
                lower.as_ref().map(Vec::as_slice),
                upper.as_ref().map(Vec::as_slice),
            );
            let iter = source.range::<&[u8]>(range).map_err(backend)?;
            let iter: Box<dyn Iterator<Item = _>> = if query.forward {
                Box::new(iter)
            } else {
                Box::new(iter.rev())
            };
            let limit = query.limit.unwrap_or(usize::MAX);
            let mut last = None;
            let mut read = 0usize;
            for entry in iter {
                if read == limit {
                    break;
                }
                let (_, v) = entry.map_err(backend)?;
                let bytes = v.value();
                read += 1;
                if read == limit {
                    last = Some(bytes.to_vec());
                }
                if !expired(bytes, now)? {
                    visit(bytes);
                }
            }
            Ok(last)
        })
    }

    /// Runs one write transaction of `ops`, all or nothing.
    async fn write_ops(
        &self,
        ops: Vec<TxOp>,
        in_transaction: bool,
    ) -> StorageResult<Vec<(Option<Item>, Option<Item>)>> {
        let results = self
            .blocking(move |db, now| {
                let txn = db.begin_write().map_err(backend)?;
                let mut results = Vec::with_capacity(ops.len());
                {
                    let mut w = Writer::open(&txn, now)?;
                    for (i, op) in ops.iter().enumerate() {
                        match w.apply(op) {
                            Ok(r) => results.push(r),
                            Err(StorageError::ConditionFailed { .. }) if in_transaction => {
                                return Err(StorageError::ConditionFailed { index: Some(i) });
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                txn.commit().map_err(backend)?;
                Ok(results)
            })
            .await?;
        self.changed();
        Ok(results)
    }

    /// Deletes every item whose TTL has passed; returns how many were removed.
    pub async fn sweep_expired(&self) -> StorageResult<usize> {
        let removed = self
            .blocking(|db, now| {
                let txn = db.begin_write().map_err(backend)?;
                let mut removed = 0;
                {
                    let mut w = Writer::open(&txn, now)?;
                    let end = time_prefix(now + 1);
                    let due: Vec<Vec<u8>> = w
                        .expiry
                        .range::<&[u8]>(..end.as_slice())
                        .map_err(backend)?
                        .map(|r| r.map(|(k, _)| k.value().to_vec()))
                        .collect::<Result<_, _>>()
                        .map_err(backend)?;
                    for entry in due {
                        w.expiry.remove(entry.as_slice()).map_err(backend)?;
                        let mk = &entry[8..];
                        let stored = match w.items.get(mk).map_err(backend)? {
                            Some(v) => decode(v.value())?,
                            None => continue,
                        };
                        if stored.is_expired(now) {
                            let key = Key::of(&stored)?;
                            w.write(&key, Some(&stored), None)?;
                            removed += 1;
                        }
                    }
                }
                txn.commit().map_err(backend)?;
                Ok(removed)
            })
            .await?;
        if removed > 0 {
            self.changed();
        }
        Ok(removed)
    }
}

/// Moves a store of the first file format (index entries holding main keys) to the current
/// one (entries holding the items), in the caller's transaction; returns the entries moved.
pub(super) fn upgrade_index(txn: &WriteTransaction) -> StorageResult<usize> {
    let legacy = txn
        .list_tables()
        .map_err(backend)?
        .any(|t| t.name() == LEGACY_INDEX.name());
    if !legacy {
        return Ok(0);
    }
    let mut moved = 0;
    {
        let old = txn.open_table(LEGACY_INDEX).map_err(backend)?;
        let items = txn.open_table(ITEMS).map_err(backend)?;
        let mut index = txn.open_table(INDEX).map_err(backend)?;
        for entry in old.iter().map_err(backend)? {
            let (k, mk) = entry.map_err(backend)?;
            if let Some(item) = items.get(mk.value()).map_err(backend)? {
                index.insert(k.value(), item.value()).map_err(backend)?;
                moved += 1;
            }
        }
    }
    txn.delete_table(LEGACY_INDEX).map_err(backend)?;
    Ok(moved)
}

fn cursor_key(query: &Query, item: &Item) -> StorageResult<Vec<u8>> {
    let key = Key::of(item)?;
    match &query.index {
        None => Ok(main_key(&key)),
        Some(name) => {
            let idx = TABLE
                .index(name)
                .ok_or_else(|| StorageError::Invalid(format!("no index {name}")))?;
            let p = item.str(idx.pk).unwrap_or_default();
            let s = item.str(idx.sk).unwrap_or_default();
            Ok(compose(&[idx.name, p, s, &key.pk, &key.sk]))
        }
    }
}

/// The cursor of an item: its key attributes (and index keys, for index queries).
fn cursor_of(query: &Query, item: &Item) -> Item {
    let mut c = Item::new();
    let mut names = vec![TABLE.pk, TABLE.sk];
    if let Some(idx) = query.index.as_deref().and_then(|n| TABLE.index(n)) {
        names.extend([idx.pk, idx.sk]);
    }
    for n in names {
        if let Some(v) = item.get(n) {
            c.insert(n.to_string(), v.clone());
        }
    }
    c
}

#[async_trait]
impl Table for EmbeddedStore {
    async fn get(&self, key: &Key) -> StorageResult<Option<Item>> {
        key.validate()?;
        let mk = main_key(key);
        self.read(move |db, now| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            let found = match items.get(mk.as_slice()).map_err(backend)? {
                Some(v) => Some(decode(v.value())?),
                None => None,
            };
            Ok(found.filter(|i| !i.is_expired(now)))
        })
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> StorageResult<()> {
        self.write_ops(vec![TxOp::Put { item, condition }], false)
            .await
            .map(|_| ())
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> StorageResult<Option<Item>> {
        let mut r = self
            .write_ops(
                vec![TxOp::Delete {
                    key: key.clone(),
                    condition,
                }],
                false,
            )
            .await?;
        Ok(r.pop().and_then(|(old, _)| old))
    }

    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> StorageResult<Item> {
        let mut r = self
            .write_ops(
                vec![TxOp::Update {
                    key: key.clone(),
                    update,
                    condition,
                }],
                false,
            )
            .await?;
        r.pop()
            .and_then(|(_, new)| new)
            .ok_or_else(|| StorageError::Backend("update produced no item".into()))
    }

    async fn query(&self, query: Query) -> StorageResult<Page> {
        let (raw, last) = self.scan(&query)?;
        let items = raw
            .iter()
            .map(|b| decode(b))
            .collect::<StorageResult<Vec<Item>>>()?;
        let next = match last {
            Some(b) => Some(cursor_of(&query, &decode(&b)?)),
            None => None,
        };
        Ok(Page { items, next })
    }

    async fn query_raw(&self, query: Query) -> StorageResult<RawPage> {
        let (items, last) = self.scan(&query)?;
        let next = match last {
            Some(b) => Some(cursor_of(&query, &decode(&b)?)),
            None => None,
        };
        Ok(RawPage { items, next })
    }

    async fn visit_raw(
        &self,
        query: Query,
        visit: &mut (dyn for<'b> FnMut(&'b [u8]) + Send),
    ) -> StorageResult<()> {
        // One scan without a limit reads every page at once.
        let query = Query {
            limit: None,
            ..query
        };
        self.scan_with(&query, visit).map(|_| ())
    }

    fn write_generation(&self) -> Option<u64> {
        Some(self.generation())
    }

    async fn transact(&self, ops: Vec<TxOp>) -> StorageResult<()> {
        validate_transaction(&ops)?;
        self.write_ops(ops, true).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::GSI1;
    use crate::KeyRange;
    use postiz_core::FixedClock;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_store_of_the_first_format_is_upgraded_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        // The first format: the index entry holds the item's main key.
        let mut item = Key::new("POST#1", "POST").to_item();
        item.insert("gsi1pk".into(), "POSTS#org".into());
        item.insert("gsi1sk".into(), "2026-11-26T10:00:00Z".into());
        let key = Key::new("POST#1", "POST");
        {
            let db = redb::Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut items = txn.open_table(ITEMS).unwrap();
                let mut index = txn.open_table(LEGACY_INDEX).unwrap();
                let mk = main_key(&key);
                items
                    .insert(mk.as_slice(), serde_json::to_vec(&item).unwrap().as_slice())
                    .unwrap();
                for e in index_entries(&item, &key).unwrap() {
                    index.insert(e.as_slice(), mk.as_slice()).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
        let store = EmbeddedStore::open(&path, clock, vec![]).unwrap();
        let q = Query::index(GSI1.name, "POSTS#org").range(KeyRange::Ge("2026".into()));
        assert_eq!(
            store.query_all(q.clone()).await.unwrap(),
            vec![item.clone()]
        );
        // Later writes keep the new index in step, and the old table is gone.
        store.delete(&key, None).await.unwrap();
        assert!(store.query_all(q).await.unwrap().is_empty());
        let txn = store.db.begin_read().unwrap();
        assert!(!txn
            .list_tables()
            .unwrap()
            .any(|t| t.name() == LEGACY_INDEX.name()));
    }
}
