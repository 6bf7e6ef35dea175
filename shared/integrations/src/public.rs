//! Channels as the public API shows them, and its lookups with Postiz's `{"msg"}` errors.

use postiz_core::{Error, Result};
use postiz_providers::rules;
use serde_json::{json, Value};

use crate::model::{Channel, Customer};
use crate::service::Channels;

/// `{"msg": "Integration not found"}`, 404.
pub fn integration_not_found() -> Error {
    Error::Refused {
        status: 404,
        msg: "Integration not found".into(),
    }
}

/// One channel in the public API's shape (`customer` only when it has one).
pub fn public_view(c: &Channel, customers: &[Customer]) -> Value {
    let mut v = json!({
        "id": c.id,
        "name": c.name,
        "identifier": c.provider_identifier,
        "picture": c.picture,
        "disabled": c.disabled,
        "profile": c.profile,
    });
    if let Some(cu) = c
        .customer_id
        .as_ref()
        .and_then(|id| customers.iter().find(|cu| &cu.id == id))
    {
        v["customer"] = json!({"id": cu.id, "name": cu.name});
    }
    v
}

impl Channels {
    /// A live channel of the org, or `{"msg":"Integration not found"}`.
    pub async fn public_channel(&self, org: &str, id: &str) -> Result<Channel> {
        match self.repo.get(org, id).await? {
            Some(c) if c.deleted_at.is_none() => Ok(c),
            _ => Err(integration_not_found()),
        }
    }

    /// `GET /public/v1/integrations[?group=]`: the org's channels, of one customer if given.
    pub async fn public_list(&self, org: &str, group: Option<&str>) -> Result<Value> {
        let key = format!("{org}\n{}", group.unwrap_or(""));
        let generation = self.repo.write_generation();
        if let Some(hit) = generation.and_then(|g| self.answers.get(&key, g)) {
            return Ok(hit);
        }
        let (channels, customers) =
            tokio::try_join!(self.repo.list(org), self.repo.customers(org))?;
        let list = Value::Array(
            channels
                .iter()
                .filter(|c| group.is_none_or(|g| c.customer_id.as_deref() == Some(g)))
                .map(|c| public_view(c, &customers))
                .collect(),
        );
        if let Some(g) = generation {
            self.answers.put(key, g, list.clone(), 256 * channels.len());
        }
        Ok(list)
    }

    /// `GET /public/v1/groups`: the org's customers.
    pub async fn public_groups(&self, org: &str) -> Result<Value> {
        let customers = self.repo.customers(org).await?;
        Ok(Value::Array(
            customers
                .iter()
                .map(|c| json!({"id": c.id, "name": c.name}))
                .collect(),
        ))
    }

    /// `DELETE /public/v1/integrations/:id`: soft-deletes the channel; returns it (no secrets).
    pub async fn public_delete(&self, org: &str, id: &str) -> Result<Value> {
        let c = self.public_channel(org, id).await?;
        self.delete(org, id).await?;
        Ok(public_view(&c, &[]))
    }

    /// `GET /public/v1/integration-settings/:id`: rules, limit, settings schema and tools.
    pub async fn public_settings(&self, org: &str, id: &str) -> Result<Value> {
        let c = self.public_channel(org, id).await?;
        let Some(p) = self.providers().get(&c.provider_identifier) else {
            return Ok(
                json!({"output": {"rules": "", "maxLength": 0, "settings": {}, "tools": []}}),
            );
        };
        let info = p.info();
        let tools: Vec<Value> = info
            .tools
            .iter()
            .map(|t| {
                json!({
                    "methodName": t,
                    "description": format!("{} helper `{t}`", info.name),
                    "dataSchema": [],
                })
            })
            .collect();
        Ok(json!({"output": {
            "rules": rules::rules_text(info.identifier),
            "maxLength": p.max_length(&json!({}), &Value::Null),
            "settings": rules::settings_schema(info.identifier)
                .unwrap_or_else(|| json!("No additional settings required")),
            "tools": tools,
        }}))
    }

    /// `POST /public/v1/integration-trigger/:id`: one of the provider's declared tools.
    pub async fn public_trigger(
        &self,
        org: &str,
        id: &str,
        method: &str,
        data: &Value,
    ) -> Result<Value> {
        let c = self.public_channel(org, id).await?;
        let Some(p) = self.providers().get(&c.provider_identifier) else {
            return Err(Error::Refused {
                status: 404,
                msg: "Integration provider not found".into(),
            });
        };
        if !p.info().tools.contains(&method) {
            return Err(Error::Refused {
                status: 404,
                msg: "Tool not found".into(),
            });
        }
        match self.call_tool(org, id, method, data).await {
            Ok(output) => Ok(json!({ "output": output })),
            // The token is dead (the service marked the channel).
            Err(Error::Refused { status: 409, .. }) => Err(Error::Refused {
                status: 401,
                msg: "Channel disconnected due to expired token".into(),
            }),
            Err(e) => Err(e),
        }
    }
}
