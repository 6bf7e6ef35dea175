//! The create/edit request (`CreatePostDto`) and its field rules.

use chrono::{DateTime, NaiveDateTime, Utc};
use postiz_core::{Error, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::model::MediaRef;

/// `POST /posts` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePost {
    /// `draft`, `schedule`, `now` or `update`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When (ISO; without a zone it is UTC).
    #[serde(default)]
    pub date: Option<String>,
    /// Replace links with short links.
    #[serde(default)]
    pub short_link: Option<bool>,
    /// Tags by label.
    #[serde(default)]
    pub tags: Vec<TagRef>,
    /// Repeat every N days.
    #[serde(default)]
    pub inter: Option<i64>,
    /// Allow scheduling an already published post again.
    #[serde(default)]
    pub republish: Option<bool>,
    /// One entry per channel.
    #[serde(default)]
    pub posts: Vec<ChannelPost>,
    /// `CLI` or `API` (public API only; anything else reads as `API`).
    #[serde(default)]
    pub creation_method: Option<String>,
}

/// A tag named in a request.
#[derive(Debug, Clone, Deserialize)]
pub struct TagRef {
    /// Tag value (id or name).
    #[serde(default)]
    pub value: String,
    /// Tag label (its name).
    #[serde(default)]
    pub label: String,
}

/// `{id}` of the channel.
#[derive(Debug, Clone, Deserialize)]
pub struct IntegrationRef {
    /// Channel id.
    pub id: String,
}

/// One channel's thread in a request.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelPost {
    /// The channel.
    pub integration: IntegrationRef,
    /// The group being edited, if any.
    #[serde(default)]
    pub group: Option<String>,
    /// Provider settings with `__type`.
    #[serde(default)]
    pub settings: Value,
    /// Root message then comments.
    #[serde(default)]
    pub value: Vec<MessageValue>,
}

/// One message in a request.
#[derive(Debug, Clone, Deserialize)]
pub struct MessageValue {
    /// Existing message id when editing.
    #[serde(default)]
    pub id: Option<String>,
    /// HTML content.
    #[serde(default)]
    pub content: String,
    /// Minutes after the previous message.
    #[serde(default)]
    pub delay: Option<i64>,
    /// Media.
    #[serde(default)]
    pub image: Vec<MediaRef>,
}

/// The kinds of `POST /posts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Save without scheduling.
    Draft,
    /// Schedule at `date`.
    Schedule,
    /// Publish at once.
    Now,
    /// Change content, keep the state.
    Update,
}

impl Kind {
    /// Parses the `type` field.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "draft" => Ok(Kind::Draft),
            "schedule" => Ok(Kind::Schedule),
            "now" => Ok(Kind::Now),
            "update" => Ok(Kind::Update),
            _ => Err(Error::invalid(
                "type must be one of the following values: draft, schedule, now, update",
            )),
        }
    }
}

/// Parses an ISO date; a date without a zone is UTC (never the process's zone). Years outside
/// 1970–9999 are refused (their keys would not sort in the date indexes).
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    parse_any_date(s).filter(|d| (1970..=9999).contains(&d.year()))
}

/// A required date query parameter (`startDate`, `endDate`), with Postiz's message.
pub fn date_param(
    q: &std::collections::HashMap<String, String>,
    name: &str,
) -> Result<DateTime<Utc>> {
    q.get(name)
        .and_then(|v| parse_date(v))
        .ok_or_else(|| Error::invalid(format!("{name} must be a valid ISO 8601 date string")))
}

fn parse_any_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(n.and_utc());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    None
}

const MEDIA_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "gif", "webp", "mp4"];

/// Postiz's media rule: the path (query stripped) ends in an accepted extension, and holds
/// `RESTRICT_UPLOAD_DOMAINS` when that is set.
pub fn check_media_path(path: &str, restrict_domain: Option<&str>) -> Result<()> {
    let bare = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let ok = MEDIA_EXTENSIONS
        .iter()
        .any(|e| bare.ends_with(&format!(".{e}")));
    if !ok {
        return Err(Error::invalid(
            "image.path must be a png, jpg, jpeg, gif, webp or mp4 file",
        ));
    }
    if let Some(d) = restrict_domain.filter(|d| !d.is_empty()) {
        if !path.contains(d) {
            return Err(Error::invalid(format!(
                "image.path must be on the upload domain {d}"
            )));
        }
    }
    Ok(())
}

impl CreatePost {
    /// Shape rules that hold for every kind.
    pub fn check_shape(&self, restrict_domain: Option<&str>) -> Result<Kind> {
        let kind = Kind::parse(&self.kind)?;
        if self.posts.is_empty() {
            return Err(Error::invalid("posts must contain at least 1 elements"));
        }
        if let Some(i) = self.inter {
            if !(1..=3650).contains(&i) {
                return Err(Error::invalid("inter must be between 1 and 3650 days"));
            }
        }
        for p in &self.posts {
            if p.integration.id.trim().is_empty() {
                return Err(Error::invalid("integration.id should not be empty"));
            }
            if p.value.is_empty() {
                return Err(Error::invalid("value must contain at least 1 elements"));
            }
            if p.value.len() > 100 {
                return Err(Error::invalid("value must contain at most 100 elements"));
            }
            if !p.settings.is_null() && !p.settings.is_object() {
                return Err(Error::invalid("settings must be an object"));
            }
            for v in &p.value {
                if v.delay.is_some_and(|d| !(0..=60 * 24 * 30).contains(&d)) {
                    return Err(Error::invalid("delay must be between 0 and 43200 minutes"));
                }
                for m in &v.image {
                    check_media_path(&m.path, restrict_domain)?;
                }
            }
        }
        Ok(kind)
    }

    /// The date, required unless the kind is `now`.
    pub fn when(&self, kind: Kind, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        if kind == Kind::Now {
            return Ok(now);
        }
        match self.date.as_deref() {
            Some(d) => parse_date(d)
                .ok_or_else(|| Error::invalid("date must be a valid ISO 8601 date string")),
            None => Err(Error::invalid("date must be a valid ISO 8601 date string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_without_zone_are_utc() {
        let d = parse_date("2026-12-07T10:30:00").unwrap();
        assert_eq!(d.to_rfc3339(), "2026-12-07T10:30:00+00:00");
        let d = parse_date("2026-12-07T10:30:00+02:00").unwrap();
        assert_eq!(d.to_rfc3339(), "2026-12-07T08:30:00+00:00");
        assert!(parse_date("tomorrow").is_none());
        assert!(parse_date("+262142-01-01T00:00:00Z").is_none());
        assert!(parse_date("1969-12-31T23:59:59Z").is_none());
    }

    #[test]
    fn media_paths() {
        assert!(check_media_path("https://x/a.PNG?size=1", None).is_ok());
        assert!(check_media_path("https://x/a.exe", None).is_err());
        assert!(check_media_path("https://x/a.png", Some("uploads.example")).is_err());
    }
}
