//! The access patterns of posts on the single table.
//!
//! | pattern | key |
//! |---|---|
//! | post by (org, id) | `ORG#<org>` / `POST#<id>` |
//! | post by (org, group) | guard `ORG#<org>` / `GROUP#<group>` → post id |
//! | calendar: live posts of an org by publish date | gsi1 `POSTS#<org>` / `<publishDate>#<id>` |
//! | posts counted for a plan since a date | the calendar range from that date |
//! | repeating posts of an org | `ORG#<org>` / `REPEAT#<id>` |
//! | due index: unfinished posts by next check time, hour buckets | gsi2 `DUE#<YYYY-MM-DDTHH>` / `<dueAt>#<org>#<id>` (sparse) |
//! | scheduler cursor: oldest hour bucket that may hold entries | `SCHED` / `CURSOR` |
//! | tags of an org | `ORG#<org>` / `TAG#<id>` |
//! | internal comments of a post | `ORG#<org>` / `PCOMMENT#<postId>#<createdAt>#<id>` |
//! | organization of a post id (public preview link) | guard `POSTREF#<id>` / `ORG` → org id |
//! | live posts of an org dated before a date, newest first | the calendar index, backward |
//! | publishing slot of a provider | `SLOT#<provider>` / `<n>` (TTL = lease) |

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use postiz_core::{Error, Result};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::schema::{GSI1, GSI2};
use postiz_storage::{Condition, Item, Key, KeyRange, Query, StorageError, Table, TxOp};
use serde_json::json;
use std::sync::Arc;

use crate::model::{Comment, Post, Tag};

/// Millisecond ISO-8601 UTC, the sort-key form of every instant.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Partition of the due index holding `at`.
pub fn due_bucket(at: DateTime<Utc>) -> String {
    format!("DUE#{}", at.format("%Y-%m-%dT%H"))
}

/// Key of a post.
pub fn post_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("POST#{id}"))
}

fn group_key(org: &str, group: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("GROUP#{group}"))
}

fn post_ref_key(id: &str) -> Key {
    Key::new(format!("POSTREF#{id}"), "ORG")
}

fn repeat_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("REPEAT#{id}"))
}

fn tag_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("TAG#{id}"))
}

fn cursor_key() -> Key {
    Key::new("SCHED", "CURSOR")
}

/// The stored item of a post with its index keys: in the calendar while live, in the due
/// index while unfinished or waiting for its next round.
pub fn post_item(p: &Post) -> Result<Item> {
    let mut item = to_item(&post_key(&p.organization_id, &p.id), p)?;
    if p.deleted_at.is_none() {
        item.insert(
            GSI1.pk.into(),
            json!(format!("POSTS#{}", p.organization_id)),
        );
        item.insert(
            GSI1.sk.into(),
            json!(format!("{}#{}", iso(p.publish_date), p.id)),
        );
    }
    if let (true, Some(at)) = (p.scheduled(), p.due_at) {
        item.insert(GSI2.pk.into(), json!(due_bucket(at)));
        item.insert(
            GSI2.sk.into(),
            json!(format!("{}#{}#{}", iso(at), p.organization_id, p.id)),
        );
    }
    Ok(item)
}

/// True when a write failed only because its condition did not hold.
pub fn is_conflict(e: &StorageError) -> bool {
    e.is_condition_failed()
}

/// Posts, tags, comments, the scheduler cursor and publishing slots on the table.
#[derive(Clone)]
pub struct PostRepo {
    table: Arc<dyn Table>,
}

impl PostRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The table (for the slot gate).
    pub fn table(&self) -> &Arc<dyn Table> {
        &self.table
    }

    /// A post by id (deleted ones included; callers decide).
    pub async fn get(&self, org: &str, id: &str) -> Result<Option<Post>> {
        match self.table.get(&post_key(org, id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// A post by its group.
    pub async fn by_group(&self, org: &str, group: &str) -> Result<Option<Post>> {
        let Some(guard) = self.table.get(&group_key(org, group)).await? else {
            return Ok(None);
        };
        match guard.get("postId").and_then(|v| v.as_str()) {
            Some(id) => self.get(org, id).await,
            None => Ok(None),
        }
    }

    /// The organization a post id belongs to (the public preview has only the id). Posts
    /// created before this lookup existed have none.
    pub async fn org_of(&self, id: &str) -> Result<Option<String>> {
        Ok(self
            .table
            .get(&post_ref_key(id))
            .await?
            .and_then(|i| i.get("orgId").and_then(|v| v.as_str()).map(str::to_string)))
    }

    /// Live posts of an org dated at or before `until`, newest first, read a page at a
    /// time and handed to `keep` until it has taken `limit` of them.
    pub async fn before(
        &self,
        org: &str,
        until: DateTime<Utc>,
        limit: usize,
        keep: &mut (dyn FnMut(&Post) -> bool + Send),
    ) -> Result<Vec<Post>> {
        let mut q = Query::index(GSI1.name, format!("POSTS#{org}"))
            .range(KeyRange::Le(format!("{}#~", iso(until))))
            .backward()
            .limit(100);
        let mut out = Vec::new();
        loop {
            let page = self.table.query(q.clone()).await?;
            for item in page.items {
                let p: Post = from_item(item)?;
                if keep(&p) {
                    out.push(p);
                    if out.len() == limit {
                        return Ok(out);
                    }
                }
            }
            match page.next {
                Some(next) => q.start_after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Creates a post with its group guard, its public lookup (and repeat marker).
    pub async fn create(&self, p: &mut Post) -> Result<()> {
        p.version = 1;
        let mut ops = vec![
            TxOp::Put {
                item: post_item(p)?,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: group_item(p),
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: post_ref_item(p),
                condition: Some(Condition::NotExists),
            },
        ];
        p.repeat_marker = p.interval_in_days.is_some();
        if p.repeat_marker {
            ops.push(TxOp::Put {
                item: repeat_key(&p.organization_id, &p.id).to_item(),
                condition: None,
            });
        }
        self.table.transact(ops).await.map_err(|e| {
            if is_conflict(&e) {
                Error::Conflict("A post with this id already exists".into())
            } else {
                e.into()
            }
        })
    }

    /// Writes `p` if nobody changed it since it was read (its `version`); bumps the version.
    /// `Ok(false)` when someone did. One conditional put (no transaction): the repeat marker
    /// is an index the reader checks against the post, so it is written after.
    pub async fn save(&self, p: &mut Post) -> Result<bool> {
        let expected = p.version;
        p.version += 1;
        let want_marker = p.interval_in_days.is_some() && p.deleted_at.is_none();
        let had_marker = p.repeat_marker;
        p.repeat_marker = want_marker;
        let item = post_item(p)?;
        match self
            .table
            .put(item, Some(Condition::eq("version", expected)))
            .await
        {
            Ok(()) => {}
            Err(e) if is_conflict(&e) => {
                p.version = expected;
                p.repeat_marker = had_marker;
                return Ok(false);
            }
            Err(e) => {
                p.version = expected;
                p.repeat_marker = had_marker;
                return Err(e.into());
            }
        }
        let marker = repeat_key(&p.organization_id, &p.id);
        if want_marker && !had_marker {
            self.table.put(marker.to_item(), None).await?;
        } else if had_marker && !want_marker {
            self.table.delete(&marker, None).await?;
        }
        Ok(true)
    }

    /// Soft-deletes every live post of `channel` (Postiz deletes a channel's posts with it),
    /// so nothing queued for it fails later; the posts deleted. Reads the org's live posts
    /// once; a post changed meanwhile is read again (three tries).
    pub async fn delete_for_channel(
        &self,
        org: &str,
        channel: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Post>> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Owner {
            id: String,
            integration_id: String,
        }
        let ids: Vec<String> = self
            .live_raw_from(org, None)
            .await?
            .iter()
            .filter_map(|bytes| serde_json::from_slice::<Owner>(bytes).ok())
            .filter(|o| o.integration_id == channel)
            .map(|o| o.id)
            .collect();
        let mut deleted = Vec::new();
        for id in ids {
            match self.soft_delete(org, &id, now).await {
                Ok(Some(true)) => deleted.extend(self.get(org, &id).await?),
                Ok(_) => {}
                // Changed three times meanwhile: the publisher deletes it when it comes due.
                Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(deleted)
    }

    /// Soft-deletes post `id` (out of the due index; a queued message finds it gone):
    /// `Some(true)` when it was deleted now, `Some(false)` when it was already, `None` when
    /// there is no such post. A post changed meanwhile is read again (three tries, then 409).
    pub async fn soft_delete(
        &self,
        org: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>> {
        for _ in 0..3 {
            let Some(mut p) = self.get(org, id).await? else {
                return Ok(None);
            };
            if p.deleted_at.is_some() {
                return Ok(Some(false));
            }
            p.deleted_at = Some(now);
            p.updated_at = now;
            p.due_at = None;
            if self.save(&mut p).await? {
                return Ok(Some(true));
            }
        }
        Err(Error::Conflict(
            "The post changed meanwhile; try again".into(),
        ))
    }

    /// Live posts of an org with `start <= publishDate <= end`, by date.
    pub async fn calendar(
        &self,
        org: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Post>> {
        let q = Query::index(GSI1.name, format!("POSTS#{org}"))
            .range(KeyRange::Between(iso(start), format!("{}#~", iso(end))));
        self.posts(q).await
    }

    /// Hands `visit` the stored JSON of each live post of an org with `start <= publishDate
    /// <= end`, by date, without collecting them.
    pub async fn visit_calendar(
        &self,
        org: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        visit: &mut (dyn for<'b> FnMut(&'b [u8]) + Send),
    ) -> Result<()> {
        let q = Query::index(GSI1.name, format!("POSTS#{org}"))
            .range(KeyRange::Between(iso(start), format!("{}#~", iso(end))));
        Ok(self.table.visit_raw(q, visit).await?)
    }

    /// Posts counted against a plan's monthly allowance (Postiz's `POSTS_PER_MONTH`): the
    /// live posts of an org dated `since` or later that are scheduled, being sent or
    /// published (drafts and failures do not count). One range of the calendar index:
    /// O(posts in the period).
    pub async fn count_for_plan(&self, org: &str, since: DateTime<Utc>) -> Result<usize> {
        #[derive(serde::Deserialize)]
        struct Counted {
            state: crate::model::PostState,
        }
        use crate::model::PostState::{Published, Publishing, Queue};
        let q = Query::index(GSI1.name, format!("POSTS#{org}")).range(KeyRange::Ge(iso(since)));
        let mut counted = 0;
        self.table
            .visit_raw(q, &mut |bytes| {
                if let Ok(Counted { state }) = serde_json::from_slice(bytes) {
                    counted += usize::from(matches!(state, Queue | Publishing | Published));
                }
            })
            .await?;
        Ok(counted)
    }

    /// The stored JSON of the live posts of an org dated `from` or later (every one when
    /// `from` is `None`), by date.
    pub async fn live_raw_from(
        &self,
        org: &str,
        from: Option<DateTime<Utc>>,
    ) -> Result<Vec<Vec<u8>>> {
        let q = Query::index(GSI1.name, format!("POSTS#{org}"));
        let q = match from {
            Some(at) => q.range(KeyRange::Ge(iso(at))),
            None => q,
        };
        Ok(self.table.query_all_raw(q).await?)
    }

    async fn posts(&self, q: Query) -> Result<Vec<Post>> {
        self.table
            .query_all(q)
            .await?
            .into_iter()
            .map(|i| from_item(i).map_err(Into::into))
            .collect()
    }

    /// The live repeating posts of an org.
    pub async fn repeating(&self, org: &str) -> Result<Vec<Post>> {
        let q =
            Query::partition(format!("ORG#{org}")).range(KeyRange::BeginsWith("REPEAT#".into()));
        let mut out = Vec::new();
        for marker in self.table.query_all(q).await? {
            let id = marker
                .get(postiz_storage::item::SK)
                .and_then(|v| v.as_str())
                .and_then(|s| s.strip_prefix("REPEAT#"))
                .unwrap_or_default()
                .to_string();
            if let Some(p) = self.get(org, &id).await? {
                if p.deleted_at.is_none() && p.interval_in_days.is_some() {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// One page of due-index entries of an hour bucket whose check time is before `until`,
    /// and where the next page starts.
    pub async fn due_page(
        &self,
        bucket_hour: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        after: Option<Item>,
    ) -> Result<(Vec<Post>, Option<Item>)> {
        let q = Query::index(GSI2.name, due_bucket(bucket_hour))
            .range(KeyRange::Lt(iso(until + Duration::milliseconds(1))))
            .limit(limit)
            .after(after);
        let page = self.table.query(q).await?;
        let posts = page
            .items
            .into_iter()
            .map(|i| from_item(i).map_err(Into::into))
            .collect::<Result<Vec<Post>>>()?;
        Ok((posts, page.next))
    }

    /// The scheduler's cursor: the oldest hour that may still hold due entries.
    pub async fn cursor(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .table
            .get(&cursor_key())
            .await?
            .and_then(|i| i.get("hour").and_then(|v| v.as_str()).map(str::to_string))
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|d| d.with_timezone(&Utc)))
    }

    /// Moves the cursor forward (never back).
    pub async fn advance_cursor(&self, hour: DateTime<Utc>) -> Result<()> {
        let mut item = cursor_key().to_item();
        item.insert("hour".into(), json!(iso(hour)));
        let cond = Condition::Or(vec![
            Condition::NotExists,
            Condition::LessThan("hour".into(), json!(iso(hour))),
        ]);
        match self.table.put(item, Some(cond)).await {
            Ok(()) => Ok(()),
            Err(e) if is_conflict(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Live tags of an org.
    pub async fn tags(&self, org: &str) -> Result<Vec<Tag>> {
        let q = Query::partition(format!("ORG#{org}")).range(KeyRange::BeginsWith("TAG#".into()));
        let mut tags: Vec<Tag> = self
            .table
            .query_all(q)
            .await?
            .into_iter()
            .map(from_item)
            .collect::<std::result::Result<_, _>>()?;
        tags.retain(|t| t.deleted_at.is_none());
        tags.sort_by_key(|t| t.created_at);
        Ok(tags)
    }

    /// A tag by id.
    pub async fn tag(&self, org: &str, id: &str) -> Result<Option<Tag>> {
        match self.table.get(&tag_key(org, id)).await? {
            Some(i) => Ok(Some(from_item(i)?)),
            None => Ok(None),
        }
    }

    /// Writes a tag.
    pub async fn put_tag(&self, t: &Tag) -> Result<()> {
        let item = to_item(&tag_key(&t.org_id, &t.id), t)?;
        Ok(self.table.put(item, None).await?)
    }

    /// Adds an internal comment.
    pub async fn add_comment(&self, c: &Comment) -> Result<()> {
        let key = Key::new(
            format!("ORG#{}", c.organization_id),
            format!("PCOMMENT#{}#{}#{}", c.post_id, iso(c.created_at), c.id),
        );
        Ok(self
            .table
            .put(to_item(&key, c)?, Some(Condition::NotExists))
            .await?)
    }

    /// Internal comments of a post, oldest first.
    pub async fn comments(&self, org: &str, post_id: &str) -> Result<Vec<Comment>> {
        let q = Query::partition(format!("ORG#{org}"))
            .range(KeyRange::BeginsWith(format!("PCOMMENT#{post_id}#")));
        self.table
            .query_all(q)
            .await?
            .into_iter()
            .map(|i| from_item(i).map_err(Into::into))
            .collect()
    }
}

fn post_ref_item(p: &Post) -> Item {
    let mut item = post_ref_key(&p.id).to_item();
    item.insert("orgId".into(), json!(p.organization_id));
    item
}

fn group_item(p: &Post) -> Item {
    let mut item = group_key(&p.organization_id, &p.group).to_item();
    item.insert("postId".into(), json!(p.id));
    item
}
