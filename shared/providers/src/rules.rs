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
        "pinterest" => {
            "Pinterest needs 1 to 5 media files; a video needs exactly 2 items (the video and a cover image)."
        }
        "bluesky" => "Bluesky can have up to 4 pictures; a video must be alone.",
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
                    "type": {"type": "string", "enum": ["link", "self", "image", "video", "videogif"]},
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
        "tiktok" => object(
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
        _ => return None,
    };
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

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
