//! Posts as the routes return them, in Postiz's shapes (the calendar's minified keys).

use chrono::{DateTime, Utc};
use postiz_integrations::Channel;
use serde_json::{json, Value};

use crate::model::{Comment, Post, Tag};
use crate::repo::iso;

/// A tag as Postiz returns it.
pub fn tag(t: &Tag) -> Value {
    json!({
        "id": t.id, "name": t.name, "color": t.color, "orgId": t.org_id,
        "createdAt": iso(t.created_at), "updatedAt": iso(t.updated_at),
        "deletedAt": t.deleted_at.map(iso),
    })
}

fn minified_tag(t: &Tag) -> Value {
    json!({"t": {
        "i": t.id, "n": t.name, "c": t.color, "o": t.org_id,
        "ca": iso(t.created_at), "ua": iso(t.updated_at), "da": t.deleted_at.map(iso),
    }})
}

/// One calendar/list entry with minified keys; `actual` is the stored date of a repeating
/// post shown at another occurrence.
pub fn minified(p: &Post, c: &Channel, tags: &[Tag], actual: Option<DateTime<Utc>>) -> Value {
    let root = p.root();
    let tg: Vec<Value> = p
        .tags
        .iter()
        .filter_map(|name| tags.iter().find(|t| &t.name == name))
        .map(minified_tag)
        .collect();
    let mut v = json!({
        "i": p.id,
        "c": root.content,
        "d": iso(actual.unwrap_or(p.publish_date)),
        "u": root.release_url,
        "ri": root.release_id,
        "s": p.state.as_str(),
        "g": p.group,
        "tg": tg,
        "n": {"i": c.id, "pi": c.provider_identifier, "n": c.name, "p": c.picture},
        "iv": p.interval_in_days,
        "cm": p.creation_method,
    });
    if actual.is_some() {
        v["ad"] = json!(iso(p.publish_date));
    }
    v
}

/// The thread of a post as `GET /posts/:id` and `GET /posts/group/:group` return it.
pub fn thread(p: &Post, c: Option<&Channel>) -> Value {
    let settings = if p.settings.is_object() {
        p.settings.clone()
    } else {
        json!({})
    };
    let settings_str = settings.to_string();
    let mut parent: Option<&str> = None;
    let rows: Vec<Value> = p
        .parts
        .iter()
        .map(|part| {
            let row = json!({
                "id": part.id,
                "content": part.content,
                "publishDate": iso(p.publish_date),
                "group": p.group,
                "parentPostId": parent,
                "delay": part.delay,
                "image": part.image,
                "settings": settings_str,
                "state": p.state.as_str(),
                "releaseURL": part.release_url,
                "releaseId": part.release_id,
                "integrationId": p.integration_id,
                "organizationId": p.organization_id,
                "intervalInDays": p.interval_in_days,
                "creationMethod": p.creation_method,
                "error": p.error,
                "createdAt": iso(p.created_at),
                "updatedAt": iso(p.updated_at),
                "deletedAt": p.deleted_at.map(iso),
            });
            parent = Some(&part.id);
            row
        })
        .collect();
    json!({
        "group": p.group,
        "posts": rows,
        "integrationPicture": c.and_then(|c| c.picture.clone()),
        "integration": p.integration_id,
        "settings": settings,
    })
}

/// An internal comment as Postiz returns it.
pub fn comment(c: &Comment) -> Value {
    json!({
        "id": c.id, "content": c.content, "postId": c.post_id,
        "organizationId": c.organization_id, "userId": c.user_id,
        "createdAt": iso(c.created_at), "updatedAt": iso(c.created_at), "deletedAt": null,
    })
}
