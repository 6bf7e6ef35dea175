//! Plug runs: after a post is published, each plug switched on for its channel (global
//! plugs) and each internal plug set in the post for other channels becomes a run item with
//! a due time. The scheduler sends due runs to the publish queue; a worker claims a run,
//! checks the likes threshold on the network (global plugs) and acts once, or moves the run
//! to its next check (every `runEveryMilliseconds`, up to `totalRuns`).
//!
//! | pattern | key |
//! |---|---|
//! | a run | `PLUGRUN#<runId>` / `RUN` |
//! | runs by due time (sweep) | gsi2 `PLUG_DUE` / `<dueAt>#<runId>` (sparse) |
//!
//! A run is claimed with a version check, so a duplicate message changes nothing. Before
//! acting, the run records `actingSince`; a run found with it set (its worker died
//! mid-action) is dropped rather than acted on twice.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use postiz_core::{Clock, Error, Result};
use postiz_integrations::{Channel, Channels};
use postiz_providers::plugs::{self, global_plug, internal_plug};
use postiz_providers::{ChannelAuth, Provider, ProviderError};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::schema::{GSI2, PUBLISH_QUEUE};
use postiz_storage::{Condition, Key, KeyRange, Query, Queue, StorageError, Table, Update};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::sync::Arc;

use crate::format::to_format;
use crate::model::Post;

/// Partition of the sparse due index of plug runs.
pub const PLUG_DUE: &str = "PLUG_DUE";
/// When a sent or claimed run is looked at again if no worker settled it.
const REDRIVE_AFTER: i64 = 300;
/// Runs read per sweep.
const SWEEP_PAGE: usize = 200;
/// Longest delay of an internal plug (the app offers up to a day).
const MAX_DELAY_MS: u64 = 30 * 24 * 3600 * 1000;
/// Most channels one internal plug of a post makes act.
const MAX_PICKED: usize = 50;

/// What a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// A plug set on the publishing channel.
    Global,
    /// A plug set in the post, run by another channel.
    Internal,
}

/// One scheduled plug run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlugRun {
    /// `<postId>.<round>.<plugId>` or `<postId>.<round>.<identifier>.<channelId>`.
    pub id: String,
    /// Organization.
    pub org: String,
    /// Global or internal.
    pub kind: RunKind,
    /// The channel that acts.
    pub channel_id: String,
    /// The channel that published the post.
    pub origin_channel_id: String,
    /// Our post id.
    pub post_id: String,
    /// The network's id of the published post.
    pub release_id: String,
    /// The global plug's function, or the internal plug's identifier.
    pub function: String,
    /// Field values of an internal plug (`comment`, ...).
    #[serde(default)]
    pub information: Map<String, Value>,
    /// Check number (1-based).
    pub run: u32,
    /// Most checks.
    pub total_runs: u32,
    /// Time between checks.
    pub every_ms: u64,
    /// When the run is due.
    pub due_at: DateTime<Utc>,
    /// Bumped by every change; writes are conditional on it.
    pub version: u64,
    /// Set just before acting.
    #[serde(default)]
    pub acting_since: Option<DateTime<Utc>>,
}

/// Body of a plug-run message on the publish queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlugMessage {
    /// Organization.
    pub org: String,
    /// Run id.
    pub plug_run: String,
}

impl PlugMessage {
    /// Parses a message body.
    pub fn parse(body: &str) -> Option<Self> {
        serde_json::from_str(body).ok()
    }
}

/// What handling a plug-run message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlugOutcome {
    /// The threshold was reached (or the internal plug was due) and the channel acted.
    Acted,
    /// Below the threshold: checked again later.
    Waiting,
    /// Below the threshold at the last check: the run is over.
    Finished,
    /// The run was dropped (plug switched off, channel gone or unusable, earlier action
    /// unconfirmed, or the network refused the action).
    Dropped(String),
    /// Nothing to do (unknown, taken by another worker).
    Skipped(&'static str),
}

fn run_key(id: &str) -> Key {
    Key::new(format!("PLUGRUN#{id}"), "RUN")
}

fn due_sort_key(at: DateTime<Utc>, id: &str) -> String {
    format!("{}#{id}", at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn run_item(r: &PlugRun) -> Result<postiz_storage::Item> {
    let mut item = to_item(&run_key(&r.id), r)?;
    item.insert(GSI2.pk.into(), json!(PLUG_DUE));
    item.insert(GSI2.sk.into(), json!(due_sort_key(r.due_at, &r.id)));
    Ok(item)
}

/// True for a settings value meaning "on".
fn is_on(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// Milliseconds from a number or a numeric string.
fn millis(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// An internal plug set in a post and switched on.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalPlugSetting {
    /// The plug's identifier (`linkedin-add-comment`).
    pub identifier: String,
    /// Delay after the publish, in milliseconds.
    pub delay_ms: u64,
    /// The picked channels' ids, each once.
    pub channels: Vec<String>,
    /// The plug's other fields (`comment`, ...).
    pub fields: Map<String, Value>,
}

/// Internal plugs set in a post's settings: `plug--<identifier>--<field>` grouped by
/// identifier, the ones switched on.
pub fn internal_plugs_in(settings: &Value) -> Vec<InternalPlugSetting> {
    let mut by_plug: std::collections::BTreeMap<String, Map<String, Value>> = Default::default();
    if let Some(map) = settings.as_object() {
        for (key, value) in map {
            let mut parts = key.splitn(3, "--");
            if let (Some("plug"), Some(identifier), Some(field)) =
                (parts.next(), parts.next(), parts.next())
            {
                by_plug
                    .entry(identifier.to_string())
                    .or_default()
                    .insert(field.to_string(), value.clone());
            }
        }
    }
    by_plug
        .into_iter()
        .filter(|(_, fields)| is_on(fields.get("active")))
        .map(|(identifier, mut fields)| {
            let delay = millis(fields.get("delay"));
            let mut channels: Vec<String> = fields
                .get("integrations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect();
            channels.sort();
            channels.dedup();
            for k in ["active", "delay", "integrations"] {
                fields.remove(k);
            }
            InternalPlugSetting {
                identifier,
                delay_ms: delay,
                channels,
                fields,
            }
        })
        .collect()
}

/// Scheduling, sweeping and running plug runs.
#[derive(Clone)]
pub struct PlugRuns {
    table: Arc<dyn Table>,
    channels: Arc<Channels>,
    queue: Arc<dyn Queue>,
    clock: Arc<dyn Clock>,
}

impl PlugRuns {
    /// Plug runs on `table`, sent through `queue`.
    pub fn new(
        table: Arc<dyn Table>,
        channels: Arc<Channels>,
        queue: Arc<dyn Queue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            table,
            channels,
            queue,
            clock,
        }
    }

    /// A run, if it exists.
    pub async fn get(&self, id: &str) -> Result<Option<PlugRun>> {
        match self.table.get(&run_key(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Schedules the runs of a post just published on `channel` as `release_id` (its root
    /// message). Run ids are fixed per (post, round, plug), so scheduling twice adds nothing.
    pub async fn schedule(
        &self,
        post: &Post,
        channel: &Channel,
        release_id: &str,
    ) -> Result<usize> {
        let now = self.clock.now();
        let org = &channel.organization_id;
        let mut runs = Vec::new();
        let Some(provider) = self.channels.providers().get(&channel.provider_identifier) else {
            return Ok(0);
        };
        // Most networks have no plugs: no read on their publish path.
        let set = if provider.plugs().is_empty() {
            Vec::new()
        } else {
            self.channels.plugs_of(org, &channel.id).await?
        };
        for plug in set {
            let Some(def) = global_plug(provider.as_ref(), &plug.plug_function) else {
                continue;
            };
            if !plug.activated {
                continue;
            }
            runs.push(PlugRun {
                id: format!("{}.{}.{}", post.id, post.round, plug.id),
                org: org.clone(),
                kind: RunKind::Global,
                channel_id: channel.id.clone(),
                origin_channel_id: channel.id.clone(),
                post_id: post.id.clone(),
                release_id: release_id.to_string(),
                function: plug.plug_function.clone(),
                information: Map::new(),
                run: 1,
                total_runs: def.total_runs,
                every_ms: def.run_every_ms,
                due_at: now + Duration::milliseconds(def.run_every_ms as i64),
                version: 0,
                acting_since: None,
            });
        }
        for plug in internal_plugs_in(&post.settings) {
            let InternalPlugSetting {
                identifier,
                delay_ms,
                channels: targets,
                fields,
            } = plug;
            // Only the plugs this network offers in its editor, for a bounded set of channels.
            if internal_plug(provider.as_ref(), &identifier).is_none() {
                continue;
            }
            let delay = delay_ms.min(MAX_DELAY_MS) as i64;
            let picked = targets
                .into_iter()
                .filter(|t| *t != channel.id && postiz_core::validate::is_plausible_id(t))
                .take(MAX_PICKED);
            for target in picked {
                runs.push(PlugRun {
                    id: format!("{}.{}.{identifier}.{target}", post.id, post.round),
                    org: org.clone(),
                    kind: RunKind::Internal,
                    channel_id: target,
                    origin_channel_id: channel.id.clone(),
                    post_id: post.id.clone(),
                    release_id: release_id.to_string(),
                    function: identifier.clone(),
                    information: fields.clone(),
                    run: 1,
                    total_runs: 1,
                    every_ms: 0,
                    due_at: now + Duration::milliseconds(delay),
                    version: 0,
                    acting_since: None,
                });
            }
        }
        let mut added = 0;
        for r in runs {
            match self
                .table
                .put(run_item(&r)?, Some(Condition::NotExists))
                .await
            {
                Ok(()) => added += 1,
                Err(StorageError::ConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(added)
    }

    /// Sends every run due by now to the publish queue, each moved to its re-drive time
    /// first; the number sent.
    pub async fn sweep(&self) -> Result<usize> {
        let now = self.clock.now();
        let upper = format!("{}#~", now.to_rfc3339_opts(SecondsFormat::Secs, true));
        let page = self
            .table
            .query(
                Query::index(GSI2.name, PLUG_DUE)
                    .range(KeyRange::Le(upper))
                    .limit(SWEEP_PAGE),
            )
            .await?;
        let mut sent = 0;
        for item in page.items {
            let Ok(r) = from_item::<PlugRun>(item) else {
                continue;
            };
            let redrive = now + Duration::seconds(REDRIVE_AFTER);
            if !self.bump(&r, |u| u, redrive).await? {
                continue;
            }
            let body = serde_json::to_string(&PlugMessage {
                org: r.org.clone(),
                plug_run: r.id.clone(),
            })
            .map_err(Error::internal)?;
            match self
                .queue
                .send(PUBLISH_QUEUE, &body, std::time::Duration::ZERO)
                .await
            {
                Ok(_) => sent += 1,
                Err(e) => {
                    tracing::warn!(run = %r.id, error = %e, "plug run not sent; sent again at its re-drive time")
                }
            }
        }
        Ok(sent)
    }

    /// Moves run `r` to `due_at` with more changes, only if nobody changed it since it was
    /// read; false otherwise.
    async fn bump(
        &self,
        r: &PlugRun,
        more: impl FnOnce(Update) -> Update,
        due_at: DateTime<Utc>,
    ) -> Result<bool> {
        let update = more(
            Update::new()
                .set("version", json!(r.version + 1))
                .set(
                    "dueAt",
                    serde_json::to_value(due_at).map_err(Error::internal)?,
                )
                .set(GSI2.sk, json!(due_sort_key(due_at, &r.id))),
        );
        match self
            .table
            .update(
                &run_key(&r.id),
                update,
                Some(Condition::eq("version", json!(r.version))),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(StorageError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn finish(&self, r: &PlugRun) -> Result<()> {
        self.table.delete(&run_key(&r.id), None).await?;
        Ok(())
    }

    async fn drop_run(&self, r: &PlugRun, why: &str) -> Result<PlugOutcome> {
        tracing::info!(run = %r.id, post_id = %r.post_id, why, "plug run dropped");
        self.finish(r).await?;
        Ok(PlugOutcome::Dropped(why.to_string()))
    }

    /// Handles one plug-run message.
    pub async fn handle(&self, msg: &PlugMessage) -> Result<PlugOutcome> {
        let Some(r) = self.get(&msg.plug_run).await? else {
            return Ok(PlugOutcome::Skipped("unknown run"));
        };
        if r.org != msg.org {
            return Ok(PlugOutcome::Skipped("unknown run"));
        }
        let now = self.clock.now();
        if r.due_at > now + Duration::seconds(REDRIVE_AFTER) {
            return Ok(PlugOutcome::Skipped("not due"));
        }
        // Claim: a duplicate message or a second worker finds the version changed.
        let lease = now + Duration::seconds(REDRIVE_AFTER);
        if !self.bump(&r, |u| u, lease).await? {
            return Ok(PlugOutcome::Skipped("taken by another worker"));
        }
        let mut r = PlugRun {
            version: r.version + 1,
            due_at: lease,
            ..r
        };
        if r.acting_since.is_some() {
            return self
                .drop_run(&r, "an earlier attempt may have acted; not acting twice")
                .await;
        }
        let Some((channel, auth)) = self.channels.acting_channel(&r.org, &r.channel_id).await?
        else {
            return self.drop_run(&r, "the channel cannot act").await;
        };
        let Some(provider) = self.channels.providers().get(&channel.provider_identifier) else {
            return self.drop_run(&r, "unknown provider").await;
        };
        match r.kind {
            RunKind::Global => self.global(&mut r, channel, auth, provider).await,
            RunKind::Internal => self.internal(&mut r, channel, auth, provider).await,
        }
    }

    async fn global(
        &self,
        r: &mut PlugRun,
        channel: Channel,
        auth: ChannelAuth,
        provider: Arc<dyn Provider>,
    ) -> Result<PlugOutcome> {
        let plug = self
            .channels
            .plugs_of(&r.org, &r.channel_id)
            .await?
            .into_iter()
            .find(|p| p.plug_function == r.function && p.activated);
        let (Some(plug), Some(def)) = (plug, global_plug(provider.as_ref(), &r.function)) else {
            return self.drop_run(r, "the plug is off").await;
        };
        let values = plug.values();
        let mut auth = auth;
        let mut reached =
            plugs::threshold_reached(provider.as_ref(), &auth, &r.release_id, &values).await;
        if matches!(reached, Err(ProviderError::RefreshNeeded(_))) {
            if let Some((_, renewed)) = self.channels.renewed_channel(&channel).await? {
                auth = renewed;
                reached =
                    plugs::threshold_reached(provider.as_ref(), &auth, &r.release_id, &values)
                        .await;
            }
        }
        match reached {
            Ok(true) => {
                let promotion = values
                    .get("post")
                    .and_then(Value::as_str)
                    .map(|t| to_format(t, crate::service::editor_format(provider.as_ref())))
                    .unwrap_or_default();
                if !self.mark_acting(r).await? {
                    return Ok(PlugOutcome::Skipped("taken by another worker"));
                }
                let done = plugs::act(
                    provider.as_ref(),
                    &auth,
                    &def,
                    &r.release_id,
                    &promotion,
                    &r.id,
                )
                .await;
                self.after_action(r, done).await
            }
            Ok(false) => self.next_check(r).await,
            Err(e) => {
                tracing::warn!(run = %r.id, error = %e.redacted(), "plug check failed; counted as a check");
                self.next_check(r).await
            }
        }
    }

    async fn internal(
        &self,
        r: &mut PlugRun,
        channel: Channel,
        auth: ChannelAuth,
        provider: Arc<dyn Provider>,
    ) -> Result<PlugOutcome> {
        let Some(def) = internal_plug(provider.as_ref(), &r.function) else {
            return self
                .drop_run(r, "the channel's network has no such plug")
                .await;
        };
        let comment = r
            .information
            .get("comment")
            .and_then(Value::as_str)
            .map(|t| to_format(t, crate::service::editor_format(provider.as_ref())))
            .unwrap_or_default();
        if !self.mark_acting(r).await? {
            return Ok(PlugOutcome::Skipped("taken by another worker"));
        }
        // A token refused before anything was done is renewed once, and the action tried again.
        let mut auth = auth;
        let mut renewed = false;
        let done = loop {
            let done = plugs::act_internal(
                provider.as_ref(),
                &auth,
                &def,
                &r.release_id,
                &comment,
                &r.id,
            )
            .await;
            if renewed || !matches!(done, Err(ProviderError::RefreshNeeded(_))) {
                break done;
            }
            renewed = true;
            match self.channels.renewed_channel(&channel).await? {
                Some((_, fresh)) => auth = fresh,
                None => break done,
            }
        };
        self.after_action(r, done).await
    }

    /// Records that the run is acting now; false when another worker changed it.
    async fn mark_acting(&self, r: &mut PlugRun) -> Result<bool> {
        let now = self.clock.now();
        let at = serde_json::to_value(now).map_err(Error::internal)?;
        let due = r.due_at;
        if !self.bump(r, |u| u.set("actingSince", at), due).await? {
            return Ok(false);
        }
        r.version += 1;
        r.acting_since = Some(now);
        Ok(true)
    }

    async fn after_action(
        &self,
        r: &PlugRun,
        done: std::result::Result<(), ProviderError>,
    ) -> Result<PlugOutcome> {
        self.finish(r).await?;
        match done {
            Ok(()) => {
                tracing::info!(run = %r.id, function = %r.function, "plug acted");
                Ok(PlugOutcome::Acted)
            }
            Err(e) => {
                let e = e.redacted();
                tracing::warn!(run = %r.id, error = %e, "plug action refused");
                Ok(PlugOutcome::Dropped(format!("the network refused: {e}")))
            }
        }
    }

    /// Below the threshold: the next check in `every_ms`, or the end after the last one.
    async fn next_check(&self, r: &PlugRun) -> Result<PlugOutcome> {
        if r.run >= r.total_runs {
            self.finish(r).await?;
            return Ok(PlugOutcome::Finished);
        }
        let due = self.clock.now() + Duration::milliseconds(r.every_ms as i64);
        let next = r.run + 1;
        if self.bump(r, |u| u.set("run", json!(next)), due).await? {
            Ok(PlugOutcome::Waiting)
        } else {
            Ok(PlugOutcome::Skipped("taken by another worker"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::internal_plugs_in;
    use serde_json::json;

    #[test]
    fn internal_plugs_are_read_from_settings() {
        let settings = json!({
            "__type": "x",
            "plug--x-repost-post-users--active": true,
            "plug--x-repost-post-users--delay": "3600000",
            "plug--x-repost-post-users--integrations": [{"id": "b"}, {"id": "a"}, {"id": "b"}],
            "plug--linkedin-add-comment--active": false,
            "plug--linkedin-add-comment--integrations": [{"id": "c"}],
            "plug--linkedin-add-comment--comment": "hi",
        });
        let found = internal_plugs_in(&settings);
        assert_eq!(found.len(), 1, "switched-off plugs are not run");
        let p = &found[0];
        assert_eq!(p.identifier, "x-repost-post-users");
        assert_eq!(p.delay_ms, 3_600_000);
        assert_eq!(p.channels, vec!["a".to_string(), "b".to_string()]);
        assert!(p.fields.is_empty());
    }
}
