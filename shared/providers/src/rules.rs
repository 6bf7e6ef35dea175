//! What a client needs to write a valid post for a provider (`GET
//! /public/v1/integration-settings/:id`): the rules in words and the settings as a JSON schema.

use serde_json::{json, Value};

/// The media and settings rules of a provider, in words (Postiz's `@Rules` text).
pub fn rules_text(identifier: &str) -> &'static str {
    match identifier {
        "x" => "X can have up to 4 pictures or 1 video per post; replies become a thread.",
        "linkedin" | "linkedin-page" => {
            "A carousel needs at least 2 images and no video; a video must be the only media; comments are text only."
        }
        "reddit" => "A media post needs exactly one media file; videos need a thumbnail.",
        "instagram" | "instagram-standalone" => {
            "Instagram needs at least one media file and at most 10 (carousel); a trial reel is exactly one video."
        }
        "facebook" => "A story needs at least one media file.",
        "youtube" => "YouTube needs exactly one media file, and it must be a video (mp4).",
        "tiktok" => {
            "TikTok needs at least one media file; several items must all be images; a video must be alone."
        }
        "tiktok-business" => {
            "TikTok needs at least one media file; several items must all be images (at most 35); a video must be alone."
        }
        "gmb" => {
            "Google My Business posts can have text content and optionally one image. Posts can be updates, events, or offers."
        }
        "pinterest" => {
            "Pinterest needs 1 to 5 media files; a video needs exactly 2 items (the video and a cover image)."
        }
        "bluesky" => "Bluesky can have up to 4 pictures; a video must be alone.",
        "lemmy" => "Lemmy takes at most one picture, used as the cover.",
        "dribbble" => "Dribbble needs exactly one picture (no video), 400x300 or 800x600 pixels.",
        "tumblr" => "Tumblr takes up to 30 pictures and at most one video.",
        "wrapcast" => "Farcaster/Warpcast can only accept pictures",
        _ => "",
    }
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

/// The provider's settings (`settings` of a post) as a JSON schema, or `None` when it takes none.
pub fn settings_schema(identifier: &str) -> Option<Value> {
    let s = match identifier {
        "x" => object(
            &["who_can_reply_post"],
            json!({
                "who_can_reply_post": {"type": "string", "enum": ["everyone", "following", "mentionedUsers", "subscribers", "verified"]},
                "community": {"type": "string", "description": "URL of an X community"},
                "post_type": {"type": "string", "enum": ["post", "article"]},
                "made_with_ai": {"type": "boolean"},
                "paid_partnership": {"type": "boolean"},
            }),
        ),
        "linkedin" | "linkedin-page" => object(
            &[],
            json!({
                "post_as_images_carousel": {"type": "boolean"},
                "carousel_name": {"type": "string"},
            }),
        ),
        "reddit" => object(
            &["subreddit"],
            json!({"subreddit": {"type": "array", "minItems": 1, "items": object(&["value"], json!({
                "value": object(&["subreddit", "title", "type"], json!({
                    "subreddit": {"type": "string"},
                    "title": {"type": "string"},
                    "type": {"type": "string", "enum": ["link", "self", "image", "video", "videogif", "media"]},
                    "url": {"type": "string"},
                    "is_flair_required": {"type": "boolean"},
                    "flair": {"type": "object"},
                })),
            }))}}),
        ),
        "youtube" => object(
            &["title", "type"],
            json!({
                "title": {"type": "string", "minLength": 2, "maxLength": 100},
                "type": {"type": "string", "enum": ["public", "private", "unlisted"]},
                "selfDeclaredMadeForKids": {"type": "string", "enum": ["yes", "no"]},
                "tags": {"type": "array", "items": {"type": "object"}},
            }),
        ),
        "pinterest" => object(
            &["board"],
            json!({
                "board": {"type": "string"},
                "title": {"type": "string"},
                "link": {"type": "string"},
                "dominant_color": {"type": "string"},
            }),
        ),
        "tiktok" | "tiktok-business" => object(
            &["privacy_level", "duet", "stitch", "comment"],
            json!({
                "title": {"type": "string"},
                "privacy_level": {"type": "string", "enum": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]},
                "duet": {"type": "boolean"},
                "stitch": {"type": "boolean"},
                "comment": {"type": "boolean"},
                "autoAddMusic": {"type": "string", "enum": ["yes", "no"]},
                "brand_content_toggle": {"type": "boolean"},
                "brand_organic_toggle": {"type": "boolean"},
                "content_posting_method": {"type": "string", "enum": ["DIRECT_POST", "UPLOAD"]},
            }),
        ),
        "discord" | "slack" => object(&["channel"], json!({"channel": {"type": "string"}})),
        "instagram" | "instagram-standalone" => object(
            &[],
            json!({
                "post_type": {"type": "string", "enum": ["post", "story"]},
                "is_trial_reel": {"type": "boolean"},
                "collaborators": {"type": "array", "items": {"type": "object"}},
            }),
        ),
        "facebook" => object(
            &[],
            json!({"post_type": {"type": "string", "enum": ["post", "story"]}}),
        ),
        "devto" => object(
            &["title"],
            json!({
                "title": {"type": "string", "minLength": 2},
                "main_image": {"type": "object"},
                "canonical": {"type": "string"},
                "organization": {"type": "string"},
                "tags": {"type": "array", "maxItems": 4, "items": {"type": "object"}},
            }),
        ),
        "medium" => object(
            &["title", "subtitle"],
            json!({
                "title": {"type": "string", "minLength": 2},
                "subtitle": {"type": "string", "minLength": 2},
                "canonical": {"type": "string"},
                "publication": {"type": "string"},
                "tags": {"type": "array", "maxItems": 4, "items": {"type": "object"}},
            }),
        ),
        "hashnode" => object(
            &["title", "publication", "tags"],
            json!({
                "title": {"type": "string", "minLength": 6},
                "subtitle": {"type": "string", "minLength": 2},
                "main_image": {"type": "object"},
                "canonical": {"type": "string"},
                "publication": {"type": "string"},
                "tags": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            }),
        ),
        "wordpress" => object(
            &["title", "type"],
            json!({
                "title": {"type": "string", "minLength": 2},
                "main_image": {"type": "object"},
                "type": {"type": "string"},
                "categories": {"type": "array"},
                "tags": {"type": "array"},
                "status": {"type": "string", "enum": ["publish", "draft", "pending", "private"]},
            }),
        ),
        "listmonk" => object(
            &["subject", "list"],
            json!({
                "subject": {"type": "string", "minLength": 1},
                "preview": {"type": "string"},
                "list": {"type": "string", "description": "List must be an id"},
                "template": {"type": "string", "description": "Template must be an id"},
            }),
        ),
        "lemmy" => object(
            &["subreddit"],
            json!({"subreddit": {"type": "array", "minItems": 1, "items": object(&["value"], json!({
                "value": object(&["id", "title"], json!({
                    "subreddit": {"type": "string"},
                    "id": {"type": "string"},
                    "title": {"type": "string", "minLength": 2},
                    "url": {"type": "string"},
                })),
            }))}}),
        ),
        "twitch" => object(
            &[],
            json!({
                "messageType": {"type": "string", "enum": ["message", "announcement"]},
                "announcementColor": {"type": "string", "enum": ["primary", "blue", "green", "orange", "purple"]},
            }),
        ),
        "dribbble" => object(
            &["title"],
            json!({"title": {"type": "string", "minLength": 1}, "team": {"type": "string"}}),
        ),
        "tumblr" => object(
            &[],
            json!({
                "title": {"type": "string"},
                "link": {"type": "string"},
                "sourceUrl": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "object"}},
            }),
        ),
        "gmb" => object(
            &[],
            json!({
                "topicType": {"type": "string", "enum": ["STANDARD", "EVENT", "OFFER"]},
                "callToActionType": {"type": "string", "enum": ["NONE", "BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "GET_OFFER", "CALL"]},
                "callToActionUrl": {"type": "string"},
                "eventTitle": {"type": "string"},
                "eventStartDate": {"type": "string"},
                "eventEndDate": {"type": "string"},
                "eventStartTime": {"type": "string"},
                "eventEndTime": {"type": "string"},
                "offerCouponCode": {"type": "string"},
                "offerRedeemUrl": {"type": "string"},
                "offerTerms": {"type": "string"},
            }),
        ),
        "moltbook" => object(
            &["submolt"],
            json!({"submolt": {"type": "string", "minLength": 1}}),
        ),
        "whop" => object(
            &["company", "experience"],
            json!({
                "company": {"type": "string", "minLength": 1, "description": "Company ID"},
                "experience": {"type": "string", "minLength": 1, "description": "Experience ID for the Whop forum"},
                "title": {"type": "string"},
            }),
        ),
        "mewe" => object(
            &["postType"],
            json!({
                "postType": {"type": "string", "enum": ["timeline", "group"]},
                "group": {"type": "string", "description": "Group must be an id"},
            }),
        ),
        "skool" => object(
            &["group", "label", "title"],
            json!({
                "group": {"type": "string", "minLength": 1, "description": "Group must be an id"},
                "label": {"type": "string", "minLength": 1, "description": "Label must be an id"},
                "title": {"type": "string", "minLength": 1},
            }),
        ),
        "wrapcast" => object(
            &[],
            json!({"subreddit": {"type": "array", "items": object(&["value"], json!({
                "value": object(&["id"], json!({"id": {"type": "string"}})),
            }))}}),
        ),
        _ => return None,
    };
    Some(s)
}

/// Checks a post's `settings` against the provider's settings schema ([`settings_schema`]), as
/// Postiz validates its settings DTOs; the message names the first field at fault. X needs no
/// reply setting for an article.
pub fn check_settings(identifier: &str, settings: &Value) -> Result<(), String> {
    let Some(schema) = settings_schema(identifier) else {
        return Ok(());
    };
    let empty = json!({});
    let settings = if settings.is_null() { &empty } else { settings };
    let mut schema = schema;
    if identifier == "x" && settings["post_type"] == "article" {
        schema["required"] = json!([]);
    }
    if identifier == "mewe" && settings["postType"] == "group" {
        schema["required"] = json!(["postType", "group"]);
    }
    check_value("settings", &schema, settings)
}

fn check_value(name: &str, schema: &Value, value: &Value) -> Result<(), String> {
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            let list: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            return Err(format!(
                "{name} must be one of the following values: {}",
                list.join(", ")
            ));
        }
    }
    match schema["type"].as_str() {
        Some("object") => {
            let Some(map) = value.as_object() else {
                return Err(format!("{name} must be an object"));
            };
            for field in schema["required"].as_array().into_iter().flatten() {
                let field = field.as_str().unwrap_or_default();
                if map.get(field).is_none_or(|v| v.is_null() || v == "") {
                    return Err(format!("{field} should not be empty"));
                }
            }
            for (field, sub) in schema["properties"].as_object().into_iter().flatten() {
                match map.get(field) {
                    Some(v) if !v.is_null() => check_value(field, sub, v)?,
                    _ => {}
                }
            }
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                return Err(format!("{name} must be an array"));
            };
            if let Some(min) = schema["minItems"].as_u64() {
                if (items.len() as u64) < min {
                    return Err(format!("{name} must contain at least {min} elements"));
                }
            }
            if let Some(max) = schema["maxItems"].as_u64() {
                if (items.len() as u64) > max {
                    return Err(format!("{name} must contain no more than {max} elements"));
                }
            }
            for item in items {
                check_value(name, &schema["items"], item)?;
            }
        }
        Some("string") => {
            let Some(text) = value.as_str() else {
                return Err(format!("{name} must be a string"));
            };
            let chars = text.chars().count() as u64;
            if schema["minLength"].as_u64().is_some_and(|min| chars < min) {
                return Err(format!(
                    "{name} must be longer than or equal to {} characters",
                    schema["minLength"]
                ));
            }
            if schema["maxLength"].as_u64().is_some_and(|max| chars > max) {
                return Err(format!(
                    "{name} must be shorter than or equal to {} characters",
                    schema["maxLength"]
                ));
            }
        }
        Some("boolean") if !value.is_boolean() => {
            return Err(format!("{name} must be a boolean value"));
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_follow_each_providers_dto() {
        assert!(check_settings("x", &json!({"who_can_reply_post": "everyone"})).is_ok());
        assert_eq!(
            check_settings("x", &json!({})).unwrap_err(),
            "who_can_reply_post should not be empty"
        );
        assert!(
            check_settings("x", &json!({"who_can_reply_post": "nobody"}))
                .unwrap_err()
                .starts_with("who_can_reply_post must be one of the following values: everyone")
        );
        assert!(check_settings("x", &json!({"post_type": "article"})).is_ok());
        assert!(check_settings(
            "x",
            &json!({"who_can_reply_post": "everyone", "made_with_ai": "yes"})
        )
        .unwrap_err()
        .contains("boolean"));
        assert_eq!(
            check_settings("discord", &json!({"__type": "discord"})).unwrap_err(),
            "channel should not be empty"
        );
        assert!(
            check_settings("youtube", &json!({"title": "A", "type": "public"}))
                .unwrap_err()
                .contains("longer than or equal to 2")
        );
        assert!(check_settings("reddit", &json!({"subreddit": []}))
            .unwrap_err()
            .contains("at least 1"));
        assert!(check_settings("mastodon", &json!({"anything": 1})).is_ok());
        assert_eq!(
            check_settings(
                "hashnode",
                &json!({"title": "Short", "publication": "p", "tags": [{}]})
            )
            .unwrap_err(),
            "title must be longer than or equal to 6 characters"
        );
        assert!(check_settings(
            "devto",
            &json!({"title": "Hi", "tags": [{}, {}, {}, {}, {}]})
        )
        .unwrap_err()
        .contains("no more than 4"));
        assert!(check_settings(
            "wordpress",
            &json!({"title": "Hi", "type": "posts", "status": "live"})
        )
        .unwrap_err()
        .starts_with("status must be one of"));
        assert_eq!(
            check_settings("listmonk", &json!({"subject": "S"})).unwrap_err(),
            "list should not be empty"
        );
        assert!(check_settings("linkedin", &Value::Null).is_ok());
    }

    #[test]
    fn providers_without_settings_have_no_schema() {
        for id in ["mastodon", "bluesky", "threads", "telegram"] {
            assert!(settings_schema(id).is_none(), "{id}");
        }
        let x = settings_schema("x").unwrap();
        assert_eq!(x["required"], json!(["who_can_reply_post"]));
        assert_eq!(
            settings_schema("discord").unwrap()["required"],
            json!(["channel"])
        );
    }
}
