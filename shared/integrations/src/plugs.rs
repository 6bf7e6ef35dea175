//! Plugs set on channels (Postiz's `Plugs` rows): the catalogue the providers declare, the
//! plugs of a channel, their upsert by (channel, function) and their switch.
//!
//! | pattern | key |
//! |---|---|
//! | plugs of a channel, unique per function | `ORG#<org>` / `PLUG#<channelId>#<function>` |
//! | a plug by id (switching it) | the organization's `PLUG#` items (a few per channel) |

use postiz_core::{new_id, Error, Result};
use postiz_providers::plugs::{global_plug, PlugDef};
use postiz_providers::ChannelAuth;
use postiz_storage::item::{from_item, to_item};
use postiz_storage::{Condition, Key, KeyRange, Query, StorageError, Update};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::model::Channel;
use crate::service::Channels;

/// A plug set on a channel, in Postiz's shape (`data` is the JSON text of `[{name, value}]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelPlug {
    /// Id.
    pub id: String,
    /// Organization.
    pub organization_id: String,
    /// The channel it runs on.
    pub integration_id: String,
    /// The provider's plug function (`autoRepostPost`).
    pub plug_function: String,
    /// Field values: the JSON text of `[{name, value}]`.
    pub data: String,
    /// Runs after each publish while on.
    pub activated: bool,
}

impl ChannelPlug {
    /// The field values by name.
    pub fn values(&self) -> Map<String, Value> {
        values_of(&serde_json::from_str::<Value>(&self.data).unwrap_or(Value::Null))
    }
}

/// `[{name, value}]` as a map (entries without a string name are ignored).
pub fn values_of(fields: &Value) -> Map<String, Value> {
    fields
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|f| Some((f["name"].as_str()?.to_string(), f["value"].clone())))
                .collect()
        })
        .unwrap_or_default()
}

fn plug_key(org: &str, channel: &str, function: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("PLUG#{channel}#{function}"))
}

impl Channels {
    /// `GET /integrations/plug/list`: the providers offering global plugs, each with them.
    pub fn plug_catalogue(&self) -> Value {
        let providers = self.providers();
        let list: Vec<Value> = providers
            .identifiers()
            .into_iter()
            .filter_map(|id| {
                let p = providers.get(id)?;
                let plugs = p.plugs();
                (!plugs.is_empty()).then(|| {
                    json!({
                        "name": p.info().name,
                        "identifier": id,
                        "plugs": plugs.iter().map(PlugDef::to_json).collect::<Vec<_>>(),
                    })
                })
            })
            .collect();
        json!({ "plugs": list })
    }

    /// `GET /integrations/:identifier/internal-plugs`: the plugs a post on this provider can
    /// ask other channels to run; 404 for an unknown provider.
    pub fn internal_plug_catalogue(&self, identifier: &str) -> Result<Value> {
        let p = self.provider(identifier)?;
        let list: Vec<Value> = p.internal_plugs().iter().map(|i| i.to_json()).collect();
        Ok(json!({ "internalPlugs": list }))
    }

    /// The plugs set on the organization's channel `channel_id` (404 if it is not theirs).
    pub async fn channel_plugs(&self, org: &str, channel_id: &str) -> Result<Vec<ChannelPlug>> {
        self.live_channel(org, channel_id).await?;
        self.plugs_of(org, channel_id).await
    }

    /// The plugs of a channel, whatever their state.
    pub async fn plugs_of(&self, org: &str, channel_id: &str) -> Result<Vec<ChannelPlug>> {
        let items = self
            .repo
            .table()
            .query_all(
                Query::partition(format!("ORG#{org}"))
                    .range(KeyRange::BeginsWith(format!("PLUG#{channel_id}#"))),
            )
            .await?;
        items
            .into_iter()
            .map(|i| from_item(i).map_err(Error::from))
            .collect()
    }

    /// `POST /integrations/:id/plugs`: sets plug `function` on the channel with `fields`
    /// (`[{name, value}]`, checked against the plug's form). A new plug starts on; an
    /// existing one keeps its state. Answers whether it is on.
    pub async fn save_plug(
        &self,
        org: &str,
        channel_id: &str,
        function: &str,
        fields: &Value,
    ) -> Result<bool> {
        let c = self.live_channel(org, channel_id).await?;
        let p = self.provider(&c.provider_identifier)?;
        let plug = global_plug(p.as_ref(), function).ok_or_else(|| {
            Error::BadRequest(format!("{} has no plug named {function}", p.info().name))
        })?;
        plug.check_fields(&values_of(fields))
            .map_err(Error::BadRequest)?;
        let kept: Vec<Value> = fields
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| plug.fields.iter().any(|d| f["name"] == d.name))
            .map(|f| json!({"name": f["name"], "value": f["value"]}))
            .collect();
        let data = Value::Array(kept).to_string();
        let key = plug_key(org, channel_id, function);
        let table = self.repo.table();
        for _ in 0..3 {
            match table
                .update(
                    &key,
                    Update::new().set("data", json!(data)),
                    Some(Condition::Exists),
                )
                .await
            {
                Ok(item) => return Ok(item.get("activated").and_then(Value::as_bool) == Some(true)),
                Err(StorageError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            let fresh = ChannelPlug {
                id: new_id(),
                organization_id: org.to_string(),
                integration_id: channel_id.to_string(),
                plug_function: function.to_string(),
                data: data.clone(),
                activated: true,
            };
            match table
                .put(to_item(&key, &fresh)?, Some(Condition::NotExists))
                .await
            {
                Ok(()) => return Ok(true),
                // Created meanwhile by another request: update that one.
                Err(StorageError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(
            "The plug was changed by another request, please retry".into(),
        ))
    }

    /// `PUT /integrations/plugs/:id/activate`: switches the organization's plug `id`.
    pub async fn switch_plug(&self, org: &str, id: &str, on: bool) -> Result<String> {
        let items = self
            .repo
            .table()
            .query_all(
                Query::partition(format!("ORG#{org}")).range(KeyRange::BeginsWith("PLUG#".into())),
            )
            .await?;
        let found = items
            .into_iter()
            .filter_map(|i| from_item::<ChannelPlug>(i).ok())
            .find(|p| p.id == id)
            .ok_or_else(|| Error::NotFound("Plug not found".into()))?;
        let key = plug_key(org, &found.integration_id, &found.plug_function);
        match self
            .repo
            .table()
            .update(
                &key,
                Update::new().set("activated", json!(on)),
                Some(Condition::eq("id", json!(id))),
            )
            .await
        {
            Ok(_) => Ok(found.id),
            Err(StorageError::ConditionFailed { .. }) => {
                Err(Error::NotFound("Plug not found".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A channel that can act now with its credentials: live, enabled, not waiting for a
    /// reconnection, its token renewed first when it expired. `None` when it cannot act.
    pub async fn acting_channel(
        &self,
        org: &str,
        id: &str,
    ) -> Result<Option<(Channel, ChannelAuth)>> {
        let Some(mut c) = self.repo.get(org, id).await? else {
            return Ok(None);
        };
        if c.deleted_at.is_some() || c.disabled || c.refresh_needed || c.in_between_steps {
            return Ok(None);
        }
        if c.token_expiration
            .is_some_and(|t| t.timestamp() <= self.clock.now_secs())
        {
            match self.fresh(&c).await? {
                Some(renewed) => c = renewed,
                None => return Ok(None),
            }
        }
        let auth = self.auth_of(&c).await?;
        Ok(Some((c, auth)))
    }

    /// The channel with its token renewed now (after the network refused it), with its
    /// credentials; `None` when it cannot be renewed.
    pub async fn renewed_channel(&self, c: &Channel) -> Result<Option<(Channel, ChannelAuth)>> {
        match self.fresh(c).await? {
            Some(renewed) => {
                let auth = self.auth_of(&renewed).await?;
                Ok(Some((renewed, auth)))
            }
            None => Ok(None),
        }
    }
}
