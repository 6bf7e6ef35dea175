//! The Table port on DynamoDB.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem,
    Update as DdbUpdate,
};
use aws_sdk_dynamodb::Client;
use postiz_core::Clock;
use std::collections::HashMap;
use std::sync::Arc;

use super::expr::{from_attrs, to_attrs, Expr};
use super::sdk_err;
use crate::item::{check_storable, Item, ItemExt, Key, MAX_ITEM_BYTES, PK, SK};
use crate::schema::TABLE;
use crate::table::{validate_transaction, Condition, Page, Query, Table, TxOp, Update};
use crate::{StorageError, StorageResult};

/// A DynamoDB table with the schema of [`TABLE`].
#[derive(Clone)]
pub struct DynamoTable {
    client: Client,
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

fn key_attrs(key: &Key) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (PK.to_string(), AttributeValue::S(key.pk.clone())),
        (SK.to_string(), AttributeValue::S(key.sk.clone())),
    ])
}

fn build_err(e: impl std::fmt::Display) -> StorageError {
    StorageError::Invalid(e.to_string())
}

impl DynamoTable {
    /// The table named `table`, reached through `config`.
    pub fn new(config: &aws_config::SdkConfig, table: &str, clock: Arc<dyn Clock>) -> Self {
        Self {
            client: Client::new(config),
            table: table.to_string(),
            clock,
        }
    }

    /// The SDK client (for provisioning and tests).
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn condition(&self, c: Option<&Condition>) -> (Option<String>, Expr) {
        let mut e = Expr::default();
        let s = c.map(|c| e.condition(c, self.clock.now_secs()));
        (s, e)
    }

    fn tx_item(&self, op: &TxOp) -> StorageResult<TransactWriteItem> {
        let now = self.clock.now_secs();
        let mut e = Expr::default();
        let b = TransactWriteItem::builder();
        Ok(match op {
            TxOp::Put { item, condition } => {
                check_storable(item)?;
                let cond = condition.as_ref().map(|c| e.condition(c, now));
                b.put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(to_attrs(item)))
                        .set_condition_expression(cond)
                        .set_expression_attribute_names(e.names())
                        .set_expression_attribute_values(e.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
            }
            TxOp::Update {
                key,
                update,
                condition,
            } => {
                let expr = e.update(update);
                let cond = condition.as_ref().map(|c| e.condition(c, now));
                b.update(
                    DdbUpdate::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(key)))
                        .update_expression(expr)
                        .set_condition_expression(cond)
                        .set_expression_attribute_names(e.names())
                        .set_expression_attribute_values(e.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
            }
            TxOp::Delete { key, condition } => {
                let cond = condition.as_ref().map(|c| e.condition(c, now));
                b.delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(key)))
                        .set_condition_expression(cond)
                        .set_expression_attribute_names(e.names())
                        .set_expression_attribute_values(e.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
            }
            TxOp::Check { key, condition } => {
                let cond = e.condition(condition, now);
                b.condition_check(
                    ConditionCheck::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_attrs(key)))
                        .condition_expression(cond)
                        .set_expression_attribute_names(e.names())
                        .set_expression_attribute_values(e.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
            }
        })
    }
}

fn too_large_error() -> StorageError {
    StorageError::Rejected(format!(
        "This is too large to store (the limit is {} KB)",
        MAX_ITEM_BYTES / 1024
    ))
}

/// Maps a single-item write error: a failed condition, an item grown over the size limit
/// (an update), or a backend error.
fn write_err<E>(
    e: aws_sdk_dynamodb::error::SdkError<E>,
    is_condition: impl Fn(&E) -> bool,
) -> StorageError
where
    E: std::error::Error + Send + Sync + 'static,
{
    if e.as_service_error().is_some_and(is_condition) {
        StorageError::ConditionFailed { index: None }
    } else if e.as_service_error().is_some_and(|s| {
        let text = s.to_string();
        text.contains("ValidationException") && text.contains("size") || text.contains("Item size")
    }) {
        too_large_error()
    } else {
        sdk_err(e)
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> StorageResult<Option<Item>> {
        key.validate()?;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_err)?;
        let now = self.clock.now_secs();
        Ok(out.item().map(from_attrs).filter(|i| !i.is_expired(now)))
    }

    async fn put(&self, item: Item, condition: Option<Condition>) -> StorageResult<()> {
        Key::of(&item)?.validate()?;
        check_storable(&item)?;
        let (cond, e) = self.condition(condition.as_ref());
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attrs(&item)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .send()
            .await
            .map_err(|err| write_err(err, |s| s.is_conditional_check_failed_exception()))?;
        Ok(())
    }

    async fn delete(&self, key: &Key, condition: Option<Condition>) -> StorageResult<Option<Item>> {
        key.validate()?;
        let (cond, e) = self.condition(condition.as_ref());
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .set_condition_expression(cond)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|err| write_err(err, |s| s.is_conditional_check_failed_exception()))?;
        let now = self.clock.now_secs();
        Ok(out
            .attributes()
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
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_attrs(key)))
            .update_expression(expr)
            .set_condition_expression(cond)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(|err| write_err(err, |s| s.is_conditional_check_failed_exception()))?;
        out.attributes()
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
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.clone())
            .key_condition_expression(kc)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .set_limit(query.limit.map(|l| l.min(i32::MAX as usize) as i32))
            .scan_index_forward(query.forward)
            .set_exclusive_start_key(query.start_after.as_ref().map(to_attrs))
            .consistent_read(query.index.is_none())
            .send()
            .await
            .map_err(sdk_err)?;
        let now = self.clock.now_secs();
        Ok(Page {
            items: out
                .items()
                .iter()
                .map(from_attrs)
                .filter(|i| !i.is_expired(now))
                .collect(),
            next: out.last_evaluated_key().map(from_attrs),
        })
    }

    async fn transact(&self, ops: Vec<TxOp>) -> StorageResult<()> {
        validate_transaction(&ops)?;
        let items = ops
            .iter()
            .map(|op| self.tx_item(op))
            .collect::<StorageResult<Vec<_>>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c)) =
                    err.as_service_error()
                {
                    let failed = c
                        .cancellation_reasons()
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"));
                    if let Some(index) = failed {
                        return Err(StorageError::ConditionFailed { index: Some(index) });
                    }
                    let too_large = c.cancellation_reasons().iter().any(|r| {
                        r.code() == Some("ValidationError")
                            && r.message().is_some_and(|m| m.contains("size"))
                    });
                    if too_large {
                        return Err(too_large_error());
                    }
                }
                Err(sdk_err(err))
            }
        }
    }
}
