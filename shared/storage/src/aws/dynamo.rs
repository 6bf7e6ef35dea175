//! The Table port on DynamoDB (its JSON protocol, through [`AwsConfig`]).

use async_trait::async_trait;
use postiz_core::Clock;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::client::{AwsConfig, AwsError, Service};
use super::expr::{from_attrs, to_attrs, Expr};
use crate::item::{check_storable, Item, ItemExt, Key, MAX_ITEM_BYTES, PK, SK};
use crate::schema::TABLE;
use crate::table::{validate_transaction, Condition, Page, Query, Table, TxOp, Update};
use crate::{StorageError, StorageResult};

/// A DynamoDB table with the schema of [`TABLE`].
#[derive(Clone)]
pub struct DynamoTable {
    config: AwsConfig,
    table: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DynamoTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoTable")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

fn key_attrs(key: &Key) -> Value {
    json!({ PK: {"S": key.pk}, SK: {"S": key.sk} })
}

fn too_large_error() -> StorageError {
    StorageError::Rejected(format!(
        "This is too large to store (the limit is {} KB)",
        MAX_ITEM_BYTES / 1024
    ))
}

/// Maps a single-item write error: a failed condition, an item grown over the size limit
/// (an update), or a backend error.
fn write_err(e: AwsError, operation: &str) -> StorageError {
    if e.code == "ConditionalCheckFailedException" {
        StorageError::ConditionFailed { index: None }
    } else if e.code == "ValidationException" && e.message.to_lowercase().contains("size") {
        too_large_error()
    } else {
        e.into_storage(&format!("DynamoDB {operation}"))
    }
}

/// Maps a transaction's error: the first failed condition by position, an item over the
/// size limit, or a backend error.
fn transaction_err(e: AwsError) -> StorageError {
    if e.code == "TransactionCanceledException" {
        let reasons = e.body["CancellationReasons"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Some(index) = reasons
            .iter()
            .position(|r| r["Code"] == "ConditionalCheckFailed")
        {
            return StorageError::ConditionFailed { index: Some(index) };
        }
        let too_large = reasons.iter().any(|r| {
            r["Code"] == "ValidationError"
                && r["Message"]
                    .as_str()
                    .is_some_and(|m| m.to_lowercase().contains("size"))
        });
        if too_large {
            return too_large_error();
        }
    }
    write_err(e, "TransactWriteItems")
}

impl DynamoTable {
    /// The table named `table`, reached through `config`.
    pub fn new(config: &AwsConfig, table: &str, clock: Arc<dyn Clock>) -> Self {
        Self {
            config: config.clone(),
            table: table.to_string(),
            clock,
        }
    }

    async fn call(&self, operation: &str, input: Map<String, Value>) -> Result<Value, AwsError> {
        self.config
            .call_json(Service::DynamoDb, operation, &Value::Object(input))
            .await
    }

    /// A request on this table: its name, a key or item, and a condition's placeholders.
    fn request(
        &self,
        what: &str,
        value: Value,
        cond: Option<String>,
        e: &Expr,
    ) -> Map<String, Value> {
        let mut request = Map::new();
        request.insert("TableName".into(), json!(self.table));
        request.insert(what.into(), value);
        if let Some(cond) = cond {
            request.insert("ConditionExpression".into(), json!(cond));
        }
        e.attach(&mut request);
        request
    }

    fn tx_item(&self, op: &TxOp) -> StorageResult<Value> {
        let now = self.clock.now_secs();
        let mut e = Expr::default();
        Ok(match op {
            TxOp::Put { item, condition } => {
                check_storable(item)?;
                let cond = condition.as_ref().map(|c| e.condition(c, now));
                json!({ "Put": self.request("Item", to_attrs(item), cond, &e) })
            }
            TxOp::Update {
                key,
                update,
                condition,
            } => {
                let expr = e.update(update);
                let cond = condition.as_ref().map(|c| e.condition(c, now));
                let mut request = self.request("Key", key_attrs(key), cond, &e);
                request.insert("UpdateExpression".into(), json!(expr));
                json!({ "Update": request })
            }
            TxOp::Delete { key, condition } => {
                let cond = condition.as_ref().map(|c| e.condition(c, now));
                json!({ "Delete": self.request("Key", key_attrs(key), cond, &e) })
            }
            TxOp::Check { key, condition } => {
                let cond = e.condition(condition, now);
                json!({ "ConditionCheck": self.request("Key", key_attrs(key), Some(cond), &e) })
            }
        })
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> StorageResult<Option<Item>> {
        key.validate()?;
        let mut request = self.request("Key", key_attrs(key), None, &Expr::default());
        request.insert("ConsistentRead".into(), json!(true));
        let out = self
            .call("GetItem", request)
            .await
            .map_err(|e| e.into_storage("DynamoDB GetItem"))?;
        let now = self.clock.now_secs();
        Ok(out
            .get("Item")
            .map(from_attrs)
            .filter(|i| !i.is_expired(now)))
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> StorageResult<()> {
        Key::of(&item)?.validate()?;
        check_storable(&item)?;
        let mut e = Expr::default();
        let cond = condition
            .as_ref()
            .map(|c| e.condition(c, self.clock.now_secs()));
        let request = self.request("Item", to_attrs(&item), cond, &e);
        self.call("PutItem", request)
            .await
            .map_err(|err| write_err(err, "PutItem"))?;
        Ok(())
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> StorageResult<Option<Item>> {
        key.validate()?;
        let mut e = Expr::default();
        let cond = condition
            .as_ref()
            .map(|c| e.condition(c, self.clock.now_secs()));
        let mut request = self.request("Key", key_attrs(key), cond, &e);
        request.insert("ReturnValues".into(), json!("ALL_OLD"));
        let out = self
            .call("DeleteItem", request)
            .await
            .map_err(|err| write_err(err, "DeleteItem"))?;
        let now = self.clock.now_secs();
        Ok(out
            .get("Attributes")
            .map(from_attrs)
            .filter(|i| !i.is_expired(now)))
    }

    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Option<Condition>,
    ) -> StorageResult<Item> {
        key.validate()?;
        update.validate()?;
        if update.0.is_empty() {
            return Err(StorageError::Invalid("empty update".into()));
        }
        let mut e = Expr::default();
        let expr = e.update(&update);
        let cond = condition
            .as_ref()
            .map(|c| e.condition(c, self.clock.now_secs()));
        let mut request = self.request("Key", key_attrs(key), cond, &e);
        request.insert("UpdateExpression".into(), json!(expr));
        request.insert("ReturnValues".into(), json!("ALL_NEW"));
        let out = self
            .call("UpdateItem", request)
            .await
            .map_err(|err| write_err(err, "UpdateItem"))?;
        out.get("Attributes")
            .map(from_attrs)
            .ok_or_else(|| StorageError::Backend("update returned no attributes".into()))
    }

    async fn query(&self, query: Query) -> StorageResult<Page> {
        query.validate()?;
        let (pk_attr, sk_attr) = match &query.index {
            None => (TABLE.pk, TABLE.sk),
            Some(name) => {
                let idx = TABLE
                    .index(name)
                    .ok_or_else(|| StorageError::Invalid(format!("no index {name}")))?;
                (idx.pk, idx.sk)
            }
        };
        let mut e = Expr::default();
        let kc = e.key_condition(pk_attr, &query.partition, sk_attr, &query.range);
        let mut request = Map::new();
        request.insert("TableName".into(), json!(self.table));
        if let Some(index) = &query.index {
            request.insert("IndexName".into(), json!(index));
        }
        request.insert("KeyConditionExpression".into(), json!(kc));
        e.attach(&mut request);
        if let Some(limit) = query.limit {
            request.insert("Limit".into(), json!(limit.min(i32::MAX as usize)));
        }
        request.insert("ScanIndexForward".into(), json!(query.forward));
        if let Some(start) = &query.start_after {
            request.insert("ExclusiveStartKey".into(), to_attrs(start));
        }
        request.insert("ConsistentRead".into(), json!(query.index.is_none()));
        let out = self
            .call("Query", request)
            .await
            .map_err(|e| e.into_storage("DynamoDB Query"))?;
        let now = self.clock.now_secs();
        Ok(Page {
            items: out["Items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(from_attrs)
                        .filter(|i| !i.is_expired(now))
                        .collect()
                })
                .unwrap_or_default(),
            next: out.get("LastEvaluatedKey").map(from_attrs),
        })
    }

    async fn transact(&self, ops: Vec<TxOp>) -> StorageResult<()> {
        validate_transaction(&ops)?;
        let items = ops
            .iter()
            .map(|op| self.tx_item(op))
            .collect::<StorageResult<Vec<_>>>()?;
        let mut request = Map::new();
        request.insert("TransactItems".into(), Value::Array(items));
        self.call("TransactWriteItems", request)
            .await
            .map_err(transaction_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str, message: &str, body: Value) -> AwsError {
        AwsError {
            status: 400,
            code: code.into(),
            message: message.into(),
            body,
        }
    }

    #[test]
    fn service_errors_map_to_storage_errors() {
        assert!(matches!(
            write_err(
                error("ConditionalCheckFailedException", "", Value::Null),
                "PutItem"
            ),
            StorageError::ConditionFailed { index: None }
        ));
        assert!(matches!(
            write_err(
                error(
                    "ValidationException",
                    "Item size has exceeded the maximum allowed size",
                    Value::Null
                ),
                "UpdateItem"
            ),
            StorageError::Rejected(_)
        ));
        let cancelled = json!({"CancellationReasons": [
            {"Code": "None"},
            {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
        ]});
        assert!(matches!(
            transaction_err(error("TransactionCanceledException", "", cancelled)),
            StorageError::ConditionFailed { index: Some(1) }
        ));
        let too_large = json!({"CancellationReasons": [
            {"Code": "ValidationError", "Message": "Item size to update has exceeded the maximum allowed size"}
        ]});
        assert!(matches!(
            transaction_err(error("TransactionCanceledException", "", too_large)),
            StorageError::Rejected(_)
        ));
        let other = write_err(
            error("ResourceNotFoundException", "no table", Value::Null),
            "GetItem",
        );
        assert_eq!(
            other.to_string(),
            "storage backend: DynamoDB GetItem: ResourceNotFoundException: no table"
        );
    }
}
