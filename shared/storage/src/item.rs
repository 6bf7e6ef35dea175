//! Items are JSON objects with string keys `pk` and `sk`; adapters map them to their format.

use serde_json::{Map, Value};

use crate::{StorageError, StorageResult};

/// One stored record: a JSON object holding at least the `pk` and `sk` strings.
pub type Item = Map<String, Value>;

/// Name of the partition key attribute.
pub const PK: &str = "pk";
/// Name of the sort key attribute.
pub const SK: &str = "sk";
/// Name of the expiry attribute (seconds since the epoch); expired items read as absent.
pub const TTL: &str = "ttl";

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Partition key, e.g. `ORG#<id>`.
    pub pk: String,
    /// Sort key, e.g. `MEMBER#<id>`.
    pub sk: String,
}

impl Key {
    /// A key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key of `item`, if it has string `pk` and `sk` attributes.
    pub fn of(item: &Item) -> StorageResult<Self> {
        match (item.get(PK), item.get(SK)) {
            (Some(Value::String(pk)), Some(Value::String(sk))) => Ok(Key::new(pk, sk)),
            _ => Err(StorageError::Invalid(
                "item needs string pk and sk attributes".into(),
            )),
        }
    }

    /// The key as an item holding only `pk` and `sk`.
    pub fn to_item(&self) -> Item {
        let mut m = Map::new();
        m.insert(PK.into(), Value::String(self.pk.clone()));
        m.insert(SK.into(), Value::String(self.sk.clone()));
        m
    }

    /// Rejects keys the adapters cannot store: an empty part is a bug ([`StorageError::Invalid`]);
    /// a NUL or a part over DynamoDB's limits comes from input ([`StorageError::Rejected`]).
    pub fn validate(&self) -> StorageResult<()> {
        if self.pk.is_empty() || self.sk.is_empty() {
            return Err(StorageError::Invalid("empty key part".into()));
        }
        check_key_part(&self.pk, MAX_PARTITION_KEY_BYTES)?;
        check_key_part(&self.sk, MAX_SORT_KEY_BYTES)
    }
}

/// DynamoDB's limit on a partition key value.
pub const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// DynamoDB's limit on a sort key value.
pub const MAX_SORT_KEY_BYTES: usize = 1024;
/// DynamoDB's limit on an item, which the embedded store applies too.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// Rejects a key value (or a key bound of a query) with a NUL or longer than `max` bytes.
pub fn check_key_part(part: &str, max: usize) -> StorageResult<()> {
    if part.contains('\0') {
        return Err(StorageError::Rejected(
            "An id or name holds a NUL character".into(),
        ));
    }
    if part.len() > max {
        return Err(StorageError::Rejected(format!(
            "An id or name is too long ({} bytes; at most {} fit)",
            part.len(),
            max.saturating_sub(64)
        )));
    }
    Ok(())
}

/// The size of an item as DynamoDB counts it (attribute names plus values; numbers counted
/// at their largest), so that both adapters refuse the same items.
pub fn item_size(item: &Item) -> usize {
    fn value(v: &Value) -> usize {
        match v {
            Value::Null | Value::Bool(_) => 1,
            Value::Number(_) => 21,
            Value::String(s) => s.len(),
            Value::Array(a) => 3 + a.iter().map(|v| 1 + value(v)).sum::<usize>(),
            Value::Object(m) => 3 + m.iter().map(|(k, v)| 1 + k.len() + value(v)).sum::<usize>(),
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// Rejects an item no adapter can store: over [`MAX_ITEM_BYTES`], or with an index key
/// value holding a NUL or over the key limits.
pub fn check_storable(item: &Item) -> StorageResult<()> {
    check_item_size(item)?;
    for idx in crate::schema::TABLE.indexes {
        if let (Some(Value::String(p)), Some(Value::String(s))) =
            (item.get(idx.pk), item.get(idx.sk))
        {
            check_key_part(p, MAX_PARTITION_KEY_BYTES)?;
            check_key_part(s, MAX_SORT_KEY_BYTES)?;
        }
    }
    Ok(())
}

/// Rejects an item over [`MAX_ITEM_BYTES`].
fn check_item_size(item: &Item) -> StorageResult<()> {
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return Err(StorageError::Rejected(format!(
            "This is too large to store ({} KB; the limit is {} KB)",
            size / 1024,
            MAX_ITEM_BYTES / 1024
        )));
    }
    Ok(())
}

/// Typed reads of item attributes.
pub trait ItemExt {
    /// A string attribute.
    fn str(&self, name: &str) -> Option<&str>;
    /// An integer attribute.
    fn int(&self, name: &str) -> Option<i64>;
    /// A boolean attribute.
    fn bool(&self, name: &str) -> Option<bool>;
    /// True when the item carries a `ttl` at or before `now` (seconds).
    fn is_expired(&self, now: i64) -> bool;
}

impl ItemExt for Item {
    fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
    fn int(&self, name: &str) -> Option<i64> {
        self.get(name)
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    }
    fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }
    fn is_expired(&self, now: i64) -> bool {
        self.int(TTL).is_some_and(|t| t <= now)
    }
}

/// Serialises a record into an item under `key`.
pub fn to_item<T: serde::Serialize>(key: &Key, record: &T) -> StorageResult<Item> {
    let mut item = match serde_json::to_value(record) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(StorageError::Invalid(
                "record must serialise to an object".into(),
            ))
        }
        Err(e) => return Err(StorageError::Invalid(e.to_string())),
    };
    item.insert(PK.into(), Value::String(key.pk.clone()));
    item.insert(SK.into(), Value::String(key.sk.clone()));
    Ok(item)
}

/// Deserialises a record from an item (extra attributes such as keys are ignored).
pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> StorageResult<T> {
    serde_json::from_value(Value::Object(item))
        .map_err(|e| StorageError::Invalid(format!("stored record does not decode: {e}")))
}
