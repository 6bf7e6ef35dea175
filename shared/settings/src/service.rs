//! The rules of sets, signatures and announcements, scoped to the caller's organization
//! (announcements are the platform's: everyone reads them, platform administrators write).

use postiz_core::validate::{is_plausible_id, Checks};
use postiz_core::{new_id, Clock, Error, Result};
use postiz_storage::Table;
use serde_json::{json, Value};
use std::sync::Arc;

use crate::model::{Announcement, AnnouncementColor, PostSet, Signature};
use crate::repo::SettingsRepo;

/// Longest set name, in characters.
pub const NAME_MAX: usize = 255;
/// Largest saved editor state of a set, in characters (a stored item stays well under
/// DynamoDB's 400 KB).
pub const SET_CONTENT_MAX: usize = 300_000;
/// Largest signature, in characters.
pub const SIGNATURE_MAX: usize = 100_000;
/// Longest announcement description, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;

/// Sets, signatures and announcements.
#[derive(Clone)]
pub struct Settings {
    repo: SettingsRepo,
    clock: Arc<dyn Clock>,
}

fn not_found(what: &str) -> Error {
    Error::NotFound(format!("{what} not found"))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(Error::internal)
}

/// A signature as Postiz's rows show it (`deletedAt` always present).
fn signature_json(s: &Signature) -> Result<Value> {
    let mut v = to_json(s)?;
    v["deletedAt"] = to_json(&s.deleted_at)?;
    Ok(v)
}

impl Settings {
    /// The service on `table`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self {
            repo: SettingsRepo::new(table),
            clock,
        }
    }

    /// `GET /sets`: the organization's sets, newest first.
    pub async fn sets(&self, org: &str) -> Result<Value> {
        to_json(&self.repo.sets(org).await?)
    }

    /// `POST /sets` and `PUT /sets`: creates a set, or replaces the name and content of the
    /// organization's set `id`. Answers `{id}`.
    pub async fn save_set(
        &self,
        org: &str,
        id: Option<String>,
        name: Option<String>,
        content: Option<String>,
    ) -> Result<Value> {
        Checks::new()
            .length("name", name.as_deref(), 1, NAME_MAX)
            .length("content", content.as_deref(), 0, SET_CONTENT_MAX)
            .finish()?;
        let now = self.clock.now();
        let set = match id.filter(|i| !i.is_empty()) {
            Some(id) => {
                if !is_plausible_id(&id) {
                    return Err(not_found("Set"));
                }
                let old = self
                    .repo
                    .set(org, &id)
                    .await?
                    .ok_or_else(|| not_found("Set"))?;
                PostSet {
                    name: name.unwrap_or_default(),
                    content: content.unwrap_or_default(),
                    updated_at: now,
                    ..old
                }
            }
            None => PostSet {
                id: new_id(),
                organization_id: org.to_string(),
                name: name.unwrap_or_default(),
                content: content.unwrap_or_default(),
                created_at: now,
                updated_at: now,
            },
        };
        self.repo.put_set(&set).await?;
        Ok(json!({ "id": set.id }))
    }

    /// `DELETE /sets/:id`: removes the set, answering it.
    pub async fn delete_set(&self, org: &str, id: &str) -> Result<Value> {
        if !is_plausible_id(id) {
            return Err(not_found("Set"));
        }
        let set = self
            .repo
            .delete_set(org, id)
            .await?
            .ok_or_else(|| not_found("Set"))?;
        to_json(&set)
    }

    /// `GET /signatures`: the organization's live signatures, oldest first.
    pub async fn signatures(&self, org: &str) -> Result<Value> {
        let list = self.repo.signatures(org).await?;
        let live = list
            .signatures
            .iter()
            .filter(|s| s.deleted_at.is_none())
            .map(signature_json)
            .collect::<Result<Vec<_>>>()?;
        Ok(Value::Array(live))
    }

    /// `GET /signatures/default`: the auto-added signature, or `{}`.
    pub async fn default_signature(&self, org: &str) -> Result<Value> {
        let list = self.repo.signatures(org).await?;
        match list
            .signatures
            .iter()
            .find(|s| s.auto_add && s.deleted_at.is_none())
        {
            Some(s) => signature_json(s),
            None => Ok(json!({})),
        }
    }

    /// `POST /signatures` (no `id`) and `PUT /signatures/:id`: writes a signature; with
    /// `autoAdd` it becomes the one added to new posts (no other signature is any more).
    /// Answers `{id}`.
    pub async fn save_signature(
        &self,
        org: &str,
        id: Option<&str>,
        content: Option<String>,
        auto_add: Option<bool>,
    ) -> Result<Value> {
        Checks::new()
            .length("content", content.as_deref(), 0, SIGNATURE_MAX)
            .check(auto_add.is_some(), "autoAdd must be a boolean value")
            .finish()?;
        let auto_add = auto_add.unwrap_or(false);
        let now = self.clock.now();
        let list = self.repo.signatures(org).await?;
        let (sig, is_new) = match id {
            Some(id) => {
                let old = list
                    .signatures
                    .iter()
                    .find(|s| s.id == id && s.deleted_at.is_none())
                    .filter(|_| is_plausible_id(id))
                    .ok_or_else(|| not_found("Signature"))?;
                let sig = Signature {
                    content: content.unwrap_or_default(),
                    auto_add,
                    updated_at: now,
                    ..old.clone()
                };
                (sig, false)
            }
            None => {
                let sig = Signature {
                    id: new_id(),
                    organization_id: org.to_string(),
                    content: content.unwrap_or_default(),
                    auto_add,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                };
                (sig, true)
            }
        };
        let was_default = list.default_id.as_deref() == Some(sig.id.as_str());
        self.repo.put_signature(&sig, is_new, was_default).await?;
        Ok(json!({ "id": sig.id }))
    }

    /// `DELETE /signatures/:id`: soft-deletes the signature, answering it.
    pub async fn delete_signature(&self, org: &str, id: &str) -> Result<Value> {
        if !is_plausible_id(id) {
            return Err(not_found("Signature"));
        }
        let sig = self
            .repo
            .delete_signature(org, id, self.clock.now())
            .await?
            .ok_or_else(|| not_found("Signature"))?;
        signature_json(&sig)
    }

    /// `GET /announcements`: every announcement, newest first.
    pub async fn announcements(&self) -> Result<Value> {
        to_json(&self.repo.announcements().await?)
    }

    /// `POST /announcements` (platform administrators only): answers the new row.
    pub async fn create_announcement(
        &self,
        platform_admin: bool,
        title: Option<String>,
        description: Option<String>,
        color: Option<String>,
    ) -> Result<Value> {
        require_platform_admin(platform_admin)?;
        let mut checks = Checks::new();
        checks
            .length("title", title.as_deref(), 1, NAME_MAX)
            .length("description", description.as_deref(), 0, DESCRIPTION_MAX);
        if color.is_some() {
            checks.one_of("color", color.as_deref(), &["INFO", "WARNING", "ERROR"]);
        }
        checks.finish()?;
        let a = Announcement {
            id: new_id(),
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            color: color
                .as_deref()
                .and_then(AnnouncementColor::parse)
                .unwrap_or(AnnouncementColor::Info),
            created_at: self.clock.now(),
        };
        self.repo.put_announcement(&a).await?;
        tracing::info!(announcement_id = %a.id, "announcement created");
        to_json(&a)
    }

    /// `DELETE /announcements/:id` (platform administrators only): answers the removed row.
    pub async fn delete_announcement(&self, platform_admin: bool, id: &str) -> Result<Value> {
        require_platform_admin(platform_admin)?;
        if !is_plausible_id(id) {
            return Err(not_found("Announcement"));
        }
        let a = self
            .repo
            .delete_announcement(id)
            .await?
            .ok_or_else(|| not_found("Announcement"))?;
        to_json(&a)
    }
}

/// Postiz answers a non-administrator with 400 `Unauthorized`.
fn require_platform_admin(platform_admin: bool) -> Result<()> {
    if platform_admin {
        Ok(())
    } else {
        Err(Error::platform_admins_only())
    }
}
