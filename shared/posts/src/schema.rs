//! The request bodies of `POST /posts` and `POST /public/v1/posts` as the OpenAPI document
//! describes them (Postiz's `CreatePostDto`, with its field rules): shapes that exist only to
//! be described, lent to the lenient request types of [`crate::request`].

use serde::Serialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// What `type` does.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
pub enum CreateKind {
    /// Stored, not scheduled.
    Draft,
    /// Published at `date`.
    Schedule,
    /// Published at once.
    Now,
    /// Changes the posts of `value[].id`, keeping their state.
    Update,
}

/// The body of `POST /posts` and `POST /public/v1/posts` (Postiz's `CreatePostDto`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct CreatePost {
    /// What to do.
    #[serde(rename = "type")]
    kind: CreateKind,
    /// When (ISO 8601; without a zone it is UTC). Needed except for `now`.
    #[schema(format = DateTime, example = "2026-08-28T10:00:00.000Z")]
    date: Option<String>,
    /// Replace links with short links (when a shortener is configured).
    short_link: Option<bool>,
    /// Tags, matched by label against the organization's tags.
    #[serde(default)]
    tags: Vec<Tag>,
    /// Repeat every N days (1 to 3650).
    #[schema(minimum = 1, maximum = 3650)]
    inter: Option<i64>,
    /// Schedule an already published post again.
    republish: Option<bool>,
    /// `CLI` or `API` (anything else reads as `API`).
    creation_method: Option<String>,
    /// One entry per channel.
    #[schema(min_items = 1)]
    posts: Vec<ChannelPost>,
}

/// A tag named in a request.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Tag {
    /// Tag value.
    #[serde(default)]
    value: String,
    /// Tag name.
    #[serde(default)]
    label: String,
}

/// `{id}` of a channel.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct IntegrationRef {
    /// Channel id.
    id: String,
}

/// One channel's thread.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ChannelPost {
    /// The channel.
    integration: IntegrationRef,
    /// The main post, then its comments (thread replies).
    #[schema(min_items = 1, max_items = 100)]
    value: Vec<MessageValue>,
    /// An existing group to replace.
    group: Option<String>,
    /// Provider settings (`__type` is set from the channel).
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Value>,
}

/// One message of a thread.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct MessageValue {
    /// Existing post id, to change it in place.
    id: Option<String>,
    /// HTML content; may be empty when there are images.
    #[serde(default)]
    content: String,
    /// Minutes after the previous message (0 to 43200).
    #[schema(minimum = 0, maximum = 43200)]
    delay: Option<i64>,
    /// Media.
    #[serde(default)]
    image: Vec<MediaRef>,
}

/// A media item of a message.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct MediaRef {
    /// Media id (any client-made id is accepted).
    #[serde(default)]
    id: String,
    /// URL of a .png, .jpg, .jpeg, .gif, .webp or .mp4 file.
    path: String,
    /// Alt text.
    alt: Option<String>,
    /// Video thumbnail URL.
    thumbnail: Option<String>,
    /// Thumbnail position (ms).
    thumbnail_timestamp: Option<f64>,
}

/// Describes a request type with its documented shape.
macro_rules! described_as {
    ($real:ty, $doc:ty) => {
        impl PartialSchema for $real {
            fn schema() -> RefOr<Schema> {
                <$doc as PartialSchema>::schema()
            }
        }

        impl ToSchema for $real {
            fn name() -> std::borrow::Cow<'static, str> {
                <$doc as ToSchema>::name()
            }

            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$doc as ToSchema>::schemas(schemas)
            }
        }
    };
}

described_as!(crate::request::CreatePost, CreatePost);
described_as!(crate::request::ChannelPost, ChannelPost);
