//! What the platform administrators' dashboards read (`/admin/errors`, `/admin/stats`):
//! every publishing error, and daily counts per channel and network, written as things
//! happen so that no dashboard reads the whole table.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | a publishing error (TTL 90 days) | `PLATFORM#ERRORS` | `<ms13>#<id>` |
//! | a channel's published posts of a day | `PLATFORM#STATS#<YYYY-MM-DD>` | `PUB#<channel>` |
//! | a channel's publishing errors of a day (and the unknown ones) | `PLATFORM#STATS#<YYYY-MM-DD>` | `ERR#<channel>` |
//! | channels connected on a day, per network | `PLATFORM#STATS#<YYYY-MM-DD>` | `CON#<provider>` |

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures_util::StreamExt;
use postiz_core::{new_id, Clock, Error, Result};
use postiz_storage::{Item, Key, KeyRange, Query, Table, Update};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

const ERRORS_PARTITION: &str = "PLATFORM#ERRORS";
/// How long errors are kept.
const ERROR_DAYS: i64 = 90;
/// The longest range `/admin/stats` reads.
pub const MAX_STATS_DAYS: i64 = 366;

fn stats_partition(day: NaiveDate) -> String {
    format!("PLATFORM#STATS#{}", day.format("%Y-%m-%d"))
}

/// Whether an error message is one the network gave no reason for.
pub fn is_unknown(message: &str) -> bool {
    message.to_ascii_lowercase().contains("unknown")
}

/// The platform's publishing log and daily counts.
#[derive(Clone)]
pub struct PlatformLog {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

/// One publishing error.
#[derive(Debug, Clone)]
pub struct ErrorEntry<'a> {
    /// The organization.
    pub org: &'a str,
    /// The channel.
    pub channel: &'a str,
    /// The network (`providerIdentifier`).
    pub provider: &'a str,
    /// The post.
    pub post: &'a str,
    /// What went wrong (already free of credentials).
    pub message: &'a str,
    /// The post's text (its start is kept).
    pub content: &'a str,
}

impl PlatformLog {
    /// The log on `table`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    async fn count(&self, sk: String, fields: Value, unknown: bool) -> Result<()> {
        let now = self.clock.now();
        let mut update = Update::new().add("count", 1);
        if unknown {
            update = update.add("unknown", 1);
        }
        if let Value::Object(m) = fields {
            for (k, v) in m {
                update = update.set(&k, v);
            }
        }
        // Kept a little longer than the longest range read.
        update = update.set_if_missing(
            postiz_storage::item::TTL,
            json!(now.timestamp() + (MAX_STATS_DAYS + 31) * 86_400),
        );
        self.table
            .update(
                &Key::new(stats_partition(now.date_naive()), sk),
                update,
                None,
            )
            .await?;
        Ok(())
    }

    /// Counts a published post of the channel.
    pub async fn published(&self, org: &str, channel: &str, provider: &str) -> Result<()> {
        self.count(
            format!("PUB#{channel}"),
            json!({"org": org, "provider": provider}),
            false,
        )
        .await
    }

    /// Records a publishing error and counts it.
    pub async fn error(&self, e: ErrorEntry<'_>) -> Result<()> {
        let now = self.clock.now();
        let id = new_id();
        let mut item = Key::new(
            ERRORS_PARTITION,
            format!("{:013}#{id}", now.timestamp_millis()),
        )
        .to_item();
        for (k, v) in [
            ("id", json!(id)),
            ("organizationId", json!(e.org)),
            ("integrationId", json!(e.channel)),
            ("platform", json!(e.provider)),
            ("postId", json!(e.post)),
            (
                "message",
                json!(e.message.chars().take(2000).collect::<String>()),
            ),
            (
                "content",
                json!(e.content.chars().take(500).collect::<String>()),
            ),
            ("createdAt", json!(now)),
            (
                postiz_storage::item::TTL,
                json!(now.timestamp() + ERROR_DAYS * 86_400),
            ),
        ] {
            item.insert(k.into(), v);
        }
        self.table.put(item, None).await?;
        self.count(
            format!("ERR#{}", e.channel),
            json!({"org": e.org, "provider": e.provider}),
            is_unknown(e.message),
        )
        .await
    }

    /// Counts a channel connected on the network.
    pub async fn connected(&self, provider: &str) -> Result<()> {
        self.count(
            format!("CON#{provider}"),
            json!({"provider": provider}),
            false,
        )
        .await
    }

    /// Every error kept, newest first.
    pub async fn errors(&self) -> Result<Vec<Item>> {
        Ok(self
            .table
            .query_all(
                Query::partition(ERRORS_PARTITION)
                    .range(KeyRange::All)
                    .backward(),
            )
            .await?)
    }

    /// `/admin/errors`: page `page` (from 0) of `limit` (1..=100) errors, newest first (the
    /// unknown ones first with `unknown_first`), of one network and of organizations with a
    /// member whose email contains `email` when given; each with its organization (name and
    /// members) and post.
    pub async fn list_errors(
        &self,
        page: usize,
        limit: usize,
        platform: Option<&str>,
        email: Option<&str>,
        unknown_first: bool,
    ) -> Result<Value> {
        let limit = limit.clamp(1, 100);
        let accounts = postiz_accounts::AccountsRepo::new(self.table.clone());
        let mut orgs: HashMap<String, Value> = HashMap::new();
        let mut chosen = Vec::new();
        for item in self.errors().await? {
            let text = |k: &str| {
                item.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            if platform.is_some_and(|p| p != text("platform")) {
                continue;
            }
            let org_id = text("organizationId");
            if !orgs.contains_key(&org_id) {
                orgs.insert(org_id.clone(), org_view(&accounts, &org_id).await?);
            }
            if let Some(needle) = email.map(str::to_lowercase).filter(|e| !e.is_empty()) {
                let users = orgs[&org_id]["users"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let found = users.iter().any(|u| {
                    u["user"]["email"]
                        .as_str()
                        .is_some_and(|e| e.to_lowercase().contains(&needle))
                });
                if !found {
                    continue;
                }
            }
            chosen.push(json!({
                "id": text("id"),
                "message": text("message"),
                // Postiz keeps the request's body; the post is under `post` here.
                "body": "",
                "platform": text("platform"),
                "organizationId": org_id,
                "postId": text("postId"),
                "createdAt": item.get("createdAt").cloned().unwrap_or(Value::Null),
                "organization": orgs[&org_id].clone(),
                "post": {"id": text("postId"), "content": text("content")},
            }));
        }
        if unknown_first {
            // Stable: each group stays newest first.
            chosen.sort_by_key(|e| !is_unknown(e["message"].as_str().unwrap_or("")));
        }
        let total = chosen.len();
        let skip = page.saturating_mul(limit);
        let items: Vec<Value> = chosen.into_iter().skip(skip).take(limit).collect();
        Ok(json!({
            "hasMore": skip + items.len() < total,
            "items": items,
            "total": total,
            "page": page,
            "limit": limit,
        }))
    }

    /// The networks with errors, sorted.
    pub async fn platforms(&self) -> Result<Vec<String>> {
        let set: BTreeSet<String> = self
            .errors()
            .await?
            .iter()
            .filter_map(|i| {
                i.get("platform")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        Ok(set.into_iter().collect())
    }

    /// `/admin/stats` over the days from `from` to `to` (inclusive), in Postiz's shape.
    pub async fn stats(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        unknown_only: bool,
    ) -> Result<Value> {
        let (first, last) = (from.date_naive(), to.date_naive());
        if last < first {
            return Err(Error::BadRequest("from must not be after to".into()));
        }
        if (last - first).num_days() >= MAX_STATS_DAYS {
            return Err(Error::BadRequest(format!(
                "The range is at most {MAX_STATS_DAYS} days"
            )));
        }
        let days: Vec<NaiveDate> = (0..=(last - first).num_days())
            .map(|d| first + Duration::days(d))
            .collect();
        let pages: Vec<Result<Vec<Item>>> = futures_util::stream::iter(days)
            .map(|day| {
                let table = self.table.clone();
                async move {
                    Ok(table
                        .query_all(Query::partition(stats_partition(day)))
                        .await?)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        let mut tally = Tally::default();
        for page in pages {
            for item in page? {
                tally.add(&item, unknown_only);
            }
        }
        Ok(tally.answer(from, to))
    }
}

/// Counts folded from the daily items.
#[derive(Default)]
struct Tally {
    errors: BTreeMap<String, i64>,
    posts: BTreeMap<String, i64>,
    connected: BTreeMap<String, i64>,
    /// (provider, org, channel) that published / that had a post come due.
    published: BTreeSet<(String, String, String)>,
    due: BTreeSet<(String, String, String)>,
}

impl Tally {
    fn add(&mut self, item: &Item, unknown_only: bool) {
        let text = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let num = |k: &str| item.get(k).and_then(Value::as_i64).unwrap_or(0);
        let sk = text("sk");
        let provider = text("provider");
        if let Some(channel) = sk.strip_prefix("PUB#") {
            *self.posts.entry(provider.clone()).or_default() += num("count");
            let key = (provider, text("org"), channel.to_string());
            self.published.insert(key.clone());
            self.due.insert(key);
        } else if let Some(channel) = sk.strip_prefix("ERR#") {
            let n = if unknown_only {
                num("unknown")
            } else {
                num("count")
            };
            if n > 0 {
                *self.errors.entry(provider.clone()).or_default() += n;
            }
            self.due
                .insert((provider, text("org"), channel.to_string()));
        } else if sk.starts_with("CON#") {
            *self.connected.entry(provider).or_default() += num("count");
        }
    }

    fn answer(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
        let sums = |m: &BTreeMap<String, i64>| per_social(m.iter().map(|(p, n)| (p.clone(), *n)));
        let distinct = |set: &BTreeSet<(String, String, String)>, by_org: bool| {
            let mut groups: HashMap<&str, BTreeSet<&str>> = HashMap::new();
            let mut all = BTreeSet::new();
            for (provider, org, channel) in set {
                let id = if by_org {
                    org.as_str()
                } else {
                    channel.as_str()
                };
                groups.entry(provider.as_str()).or_default().insert(id);
                all.insert(id);
            }
            let mut v = per_social(
                groups
                    .into_iter()
                    .map(|(p, ids)| (p.to_string(), ids.len() as i64)),
            );
            v["total"] = json!(all.len());
            v
        };
        json!({
            "from": from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "to": to.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "errors": sums(&self.errors),
            "posts": sums(&self.posts),
            "connected": sums(&self.connected),
            "publishingAccounts": distinct(&self.published, true),
            "scheduledAccounts": distinct(&self.due, true),
            "publishingChannels": distinct(&self.published, false),
            "scheduledChannels": distinct(&self.due, false),
        })
    }
}

/// `{id, name, users: [{user: {id, email, name}}]}` of an organization.
async fn org_view(accounts: &postiz_accounts::AccountsRepo, org: &str) -> Result<Value> {
    let name = accounts.organization(org).await?.map(|o| o.name);
    let mut users = Vec::new();
    for m in accounts.members(org).await? {
        if let Some(u) = accounts.user(&m.user_id).await? {
            users.push(json!({"user": {"id": u.id, "email": u.email, "name": u.name}}));
        }
    }
    Ok(json!({"id": org, "name": name, "users": users}))
}

/// `{total, perSocial: [{provider, count}]}`, the largest first.
fn per_social(counts: impl Iterator<Item = (String, i64)>) -> Value {
    let mut list: Vec<(String, i64)> = counts.filter(|(_, n)| *n > 0).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: i64 = list.iter().map(|(_, n)| n).sum();
    json!({
        "total": total,
        "perSocial": list.iter().map(|(p, n)| json!({"provider": p, "count": n})).collect::<Vec<_>>(),
    })
}
