//! Posts as the routes return them, in Postiz's shapes (the calendar's minified keys).

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

/// A thread (`thread`) whose first row carries the post's tags as Postiz's edit modal reads
/// them (`posts[0].tags[].tag`): each of the post's tag names found among `known` (the
/// organization's tags), in the post's order.
pub fn thread_with_tags(p: &Post, c: Option<&Channel>, known: &[Tag]) -> Value {
    let mut thread = thread(p, c);
    let tags: Vec<Value> = post_tags(p, known)
        .map(|t| json!({"tag": tag(t)}))
        .collect();
    if let Some(first) = thread["posts"].get_mut(0).and_then(Value::as_object_mut) {
        first.insert("tags".into(), Value::Array(tags));
    }
    thread
}

/// The post's tags (it keeps their names) among `known`, the organization's tags, in the
/// post's order; a name no longer known is left out.
pub fn post_tags<'a>(p: &'a Post, known: &'a [Tag]) -> impl Iterator<Item = &'a Tag> {
    p.tags
        .iter()
        .filter_map(|name| known.iter().find(|t| &t.name == name))
}

/// An internal comment as Postiz returns it.
pub fn comment(c: &Comment) -> Value {
    json!({
        "id": c.id, "content": c.content, "postId": c.post_id,
        "organizationId": c.organization_id, "userId": c.user_id,
        "createdAt": iso(c.created_at), "updatedAt": iso(c.created_at), "deletedAt": null,
    })
}

/// The settings as Postiz stores them: a JSON string (or null when none).
fn settings_string(p: &Post) -> Value {
    match &p.settings {
        Value::Object(m) if !m.is_empty() => Value::String(p.settings.to_string()),
        _ => Value::Null,
    }
}

/// One post with its state, error and each message's outcome (`GET /public/v1/posts/:id`,
/// an extension of ours).
pub fn public_post(p: &Post, c: Option<&Channel>) -> Value {
    let root = p.root();
    let comments: Vec<Value> = p.parts[1..]
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "content": m.content, "delay": m.delay, "image": m.image,
                "releaseURL": m.release_url, "releaseId": m.release_id,
            })
        })
        .collect();
    json!({
        "id": p.id,
        "group": p.group,
        "state": p.state.as_str(),
        "error": p.error,
        "publishDate": iso(p.publish_date),
        "content": root.content,
        "image": root.image,
        "releaseURL": root.release_url,
        "releaseId": root.release_id,
        "intervalInDays": p.interval_in_days,
        "creationMethod": p.creation_method,
        "settings": settings_string(p),
        "comments": comments,
        "integration": c.map(|c| json!({
            "id": c.id, "providerIdentifier": c.provider_identifier,
            "name": c.name, "picture": c.picture,
        })),
        "createdAt": iso(p.created_at),
        "updatedAt": iso(p.updated_at),
    })
}

/// A post as outgoing webhooks carry it (Postiz's `getPostByForWebhookId` shape: the root
/// message with its channel), with the group, the error of a failed post and, for a thread,
/// its comments' URLs.
pub fn webhook_post(p: &Post, c: Option<&Channel>) -> Value {
    let root = p.root();
    json!({
        "id": p.id,
        "group": p.group,
        "content": root.content,
        "publishDate": iso(p.publish_date),
        "releaseURL": root.release_url,
        "releaseId": root.release_id,
        "state": p.state.as_str(),
        "error": p.error,
        "creationMethod": p.creation_method,
        "integration": {
            "id": p.integration_id,
            "name": c.map(|c| c.name.clone()),
            "providerIdentifier": p.provider_identifier,
            "picture": c.and_then(|c| c.picture.clone()),
            "type": "social",
        },
        "comments": p.parts.iter().skip(1).map(|m| json!({
            "id": m.id, "content": m.content, "releaseURL": m.release_url,
        })).collect::<Vec<_>>(),
    })
}
