//! The OpenAPI 3.1 document of the public API, generated from the handlers' `#[utoipa::path]`
//! attributes as `lib.rs` registers them (one registration for the router and the document),
//! and served at `GET /openapi.json`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::OpenApi;

/// Name of the security scheme (the API key in `Authorization`).
pub const SECURITY: &str = "apiKey";

/// The path of the document itself.
pub const DOC_PATH: &str = "/openapi.json";

/// Name of the shared 401 response.
const UNAUTHORIZED: &str = "Unauthorized";

/// The document's frame: info, the global security requirement, the tags; the paths come
/// from the router and the scheme from [`complete`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Postiz-compatible public API",
        description = "Postiz's public API (`/public/v1`) as served by this backend: the same routes, \
bodies, answers and error shapes as Postiz, so Postiz's CLI, SDK and other clients work unchanged. \
Authenticate with the organization's API key, raw, in the `Authorization` header (`Bearer <key>` is \
accepted too). Our extensions are marked **Extension** in their descriptions: `GET` and `PUT` on \
`/public/v1/posts/{id}`, and the `Idempotency-Key` header of `POST /public/v1/posts`.\n\n\
Error bodies keep Postiz's shapes: `{\"msg\": \"...\"}` for the controller's refusals, \
`{\"statusCode\", \"message\", \"error\"}` (Nest) for bad requests and missing records (`message` is \
an array for field validation), and `{\"statusCode\", \"provider\", \"name\", \"message\"}` for a post \
a channel refuses.\n\n\
The internal API (the routes Postiz's frontend calls with its session, the `auth` cookie) is listed \
too, under the `internal-*` tags, from the same registration that builds each function's router."
    ),
    security(("apiKey" = [])),
    tags(
        (name = "channels", description = "Channels (integrations), customers, notifications and analytics"),
        (name = "posts", description = "Posts: create, list, change, delete"),
        (name = "media", description = "Uploads into the media library"),
        (name = "meta", description = "This document"),
    ),
    components(schemas(schemas::Msg, schemas::NestError, schemas::PostInvalid))
)]
struct Frame;

/// The frame the router's paths are added to.
pub fn frame() -> utoipa::openapi::OpenApi {
    Frame::openapi()
}

/// Adds the internal API's paths, its session scheme (the `auth` cookie, or the `auth`
/// header Postiz's frontend sends when cookies are off) and its tags.
pub fn with_internal(
    mut doc: utoipa::openapi::OpenApi,
    internal: impl IntoIterator<Item = (utoipa::openapi::Paths, Vec<(String, RefOr<Schema>)>)>,
) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    for (paths, schemas) in internal {
        doc.paths.merge(paths);
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
        }
    }
    components.responses.insert(
        postiz_web::documented::ERROR_RESPONSE.into(),
        RefOr::T(postiz_web::documented::error_response()),
    );
    components.add_security_scheme(
        postiz_web::documented::SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "auth",
            "The session from `/auth/login` (also accepted in an `auth` header).",
        ))),
    );
    let tags = doc.tags.get_or_insert_with(Vec::new);
    for (name, description) in [
        (
            "internal-auth",
            "Internal API: sign-up, login, password reset",
        ),
        (
            "internal-users",
            "Internal API: the user, organizations, team, API key",
        ),
        (
            "internal-integrations",
            "Internal API: channels, connections, notifications",
        ),
        (
            "internal-posts",
            "Internal API: the calendar, posts, tags, comments",
        ),
        (
            "internal-media",
            "Internal API: the media library and uploads",
        ),
    ] {
        tags.push(
            utoipa::openapi::tag::TagBuilder::new()
                .name(name)
                .description(Some(description))
                .build(),
        );
    }
    doc
}

/// Completes the router's document: the `apiKey` scheme, a shared 401 answer on every
/// authenticated operation, and no security on the document itself.
pub fn complete(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            "The organization's API key (Settings → Public API), sent raw; `Bearer <key>` works too.",
        ))),
    );
    let unauthorized = ResponseBuilder::new()
        .description(
            "No key, or an unknown one: `{\"msg\": \"No API Key found\"}`, `{\"msg\": \"Invalid API key\"}` \
or `{\"msg\": \"Invalid OAuth token\"}`",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Msg")))
                .build(),
        )
        .build();
    components
        .responses
        .insert(UNAUTHORIZED.into(), RefOr::T(unauthorized));
    for (path, item) in doc.paths.paths.iter_mut() {
        let open = path == DOC_PATH;
        for op in operations(item) {
            // An optional header is absent, never `null`.
            for p in op.parameters.iter_mut().flatten() {
                if p.parameter_in == ParameterIn::Header {
                    if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut() {
                        if let SchemaType::Array(types) = &o.schema_type {
                            if let [t, Type::Null] | [Type::Null, t] = types.as_slice() {
                                o.schema_type = SchemaType::Type(t.clone());
                            }
                        }
                    }
                }
            }
            if open {
                op.security = Some(Vec::new());
            } else {
                op.responses.responses.insert(
                    "401".into(),
                    RefOr::Ref(Ref::new(format!("#/components/responses/{UNAUTHORIZED}"))),
                );
            }
        }
    }
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// `GET /openapi.json`: this document (no key needed).
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    summary = "This document",
    tag = "meta",
    description = "This OpenAPI 3.1 document. No key needed.",
    responses((status = 200, description = "The document", body = Object, content_type = "application/json"))
)]
pub async fn serve() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_bytes(),
    )
        .into_response()
}

/// The whole document (this API and the internal one), as `postiz-server openapi` writes it
/// from every function's registration. Embedded so that this Lambda does not link the other
/// functions to describe them; the `openapi` suite fails when the file differs from what the
/// routers build (`postiz-server openapi > functions/public-api/openapi.json` renews it).
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// Shapes that exist only to be described (the handlers build their answers as JSON values).
#[allow(dead_code)]
pub mod schemas {
    pub use postiz_posts::schema::{
        ChannelPost, CreateKind, CreatePost, IntegrationRef, MediaRef, MessageValue, Tag,
    };
    use serde::Serialize;
    use utoipa::ToSchema;

    /// Postiz's controller refusal: `{"msg": "..."}`.
    #[derive(Serialize, ToSchema)]
    pub struct Msg {
        /// What went wrong.
        msg: String,
    }

    /// A message or, for field validation, a list of messages.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub enum Message {
        /// One message.
        One(String),
        /// Field validation: one message per broken rule.
        Many(Vec<String>),
    }

    /// Nest's error body.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct NestError {
        /// The HTTP status.
        status_code: u16,
        /// The message(s).
        message: Message,
        /// The status text, e.g. `Bad Request` or `Not Found`.
        error: String,
    }

    /// A post refused for one channel.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct PostInvalid {
        /// 400.
        status_code: u16,
        /// The channel's provider identifier.
        provider: String,
        /// The channel's name.
        name: String,
        /// Why.
        message: String,
    }

    /// A 400 or 404: Nest's shape, or `{"msg"}`.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub enum Refused {
        /// Nest's shape.
        Nest(NestError),
        /// `{"msg"}`.
        Msg(Msg),
    }

    /// A 400 of `POST /public/v1/posts`: Nest's shape, a channel's refusal, or `{"msg"}`.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub enum CreateRefused {
        /// Nest's shape.
        Nest(NestError),
        /// A channel refused the post.
        Post(PostInvalid),
        /// `{"msg"}`.
        Msg(Msg),
    }

    /// 429 of `POST /public/v1/posts`.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Throttled {
        /// 429.
        status_code: u16,
        /// `ThrottlerException: Too Many Requests`.
        message: String,
    }

    /// A customer (a group of channels).
    #[derive(Serialize, ToSchema)]
    pub struct Customer {
        /// Customer id (UUID).
        id: String,
        /// Customer name.
        name: String,
    }

    /// A channel in the public shape.
    #[derive(Serialize, ToSchema)]
    pub struct Integration {
        /// Channel id: `posts[].integration.id` when posting.
        id: String,
        /// Display name.
        name: String,
        /// Provider identifier, e.g. `x`, `mastodon`, `linkedin`.
        identifier: String,
        /// Avatar URL.
        #[schema(required = true)]
        picture: Option<String>,
        /// Whether the channel is disabled.
        disabled: bool,
        /// Handle on the network.
        #[schema(required = true)]
        profile: Option<String>,
        /// The channel's customer; the key is absent without one.
        #[serde(skip_serializing_if = "Option::is_none")]
        customer: Option<Customer>,
    }

    /// `{"missing": true}`: the post was published without a release id.
    #[derive(Serialize, ToSchema)]
    pub struct Missing {
        /// Always `true`.
        missing: bool,
    }

    /// A post's statistics (`[{label, percentageChange, data}]`), or `{"missing": true}`.
    #[derive(Serialize, ToSchema)]
    #[serde(untagged)]
    pub enum PostStatistics {
        /// The statistics, `[]` when there are none.
        Statistics(Vec<serde_json::Value>),
        /// Published without a release id.
        Missing(Missing),
    }

    /// `{"connected": true}`.
    #[derive(Serialize, ToSchema)]
    pub struct Connected {
        /// Always `true` once the key is valid.
        connected: bool,
    }

    /// The next free slot.
    #[derive(Serialize, ToSchema)]
    pub struct Slot {
        /// UTC wall time without a zone, `YYYY-MM-DDTHH:mm:ss`.
        #[schema(example = "2026-08-22T06:40:00")]
        date: String,
    }

    /// `{"output": ...}` of the channel tools and settings.
    #[derive(Serialize, ToSchema)]
    pub struct Output {
        /// For `integration-settings`: `{rules, maxLength, settings, tools}`; for
        /// `integration-trigger`: whatever the provider's tool returns.
        output: serde_json::Value,
    }

    /// An authorization URL to send the user to.
    #[derive(Serialize, ToSchema)]
    pub struct AuthUrl {
        /// The provider's OAuth URL.
        url: String,
    }

    /// One notification.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Notification {
        /// Id.
        id: String,
        /// Text (HTML).
        content: String,
        /// Link, if any.
        link: Option<String>,
        /// ISO 8601.
        created_at: String,
    }

    /// A page of notifications, newest first.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Notifications {
        /// The page's notifications.
        notifications: Vec<Notification>,
        /// How many there are.
        total: u64,
        /// This page (from 0).
        page: u64,
        /// Page size (100).
        limit: u64,
        /// Whether a next page exists.
        has_more: bool,
    }

    /// A file of the media library.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Media {
        /// Media id.
        id: String,
        /// Stored name.
        name: String,
        /// The client's file name.
        #[schema(required = true)]
        original_name: Option<String>,
        /// Public URL: `image[].path` when posting.
        path: String,
        /// Video thumbnail URL.
        #[schema(required = true)]
        thumbnail: Option<String>,
        /// Alt text.
        #[schema(required = true)]
        alt: Option<String>,
    }

    /// The multipart form of `POST /public/v1/upload`.
    #[derive(Serialize, ToSchema)]
    pub struct UploadForm {
        /// The file: an image (png, jpeg, gif, webp, avif, bmp, tiff; at most 10 MiB) or an
        /// mp4 video. Its type is read from its bytes, not from its name.
        #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
        file: Vec<u8>,
    }

    /// A post's channel, in the post list.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct PostChannel {
        /// Channel id.
        id: String,
        /// Provider identifier.
        provider_identifier: String,
        /// Channel name.
        name: String,
        /// Avatar URL.
        picture: Option<String>,
    }

    /// The state of a post.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "UPPERCASE")]
    pub enum PostState {
        /// Waiting for its date.
        Queue,
        /// Published.
        Published,
        /// Failed.
        Error,
        /// Not scheduled.
        Draft,
    }

    /// One entry of the post list.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct PostListItem {
        /// Post id.
        id: String,
        /// HTML content of the main message.
        content: String,
        /// ISO 8601 (of this occurrence for recurring posts).
        publish_date: String,
        /// URL on the network once published.
        #[serde(rename = "releaseURL")]
        release_url: Option<String>,
        /// Id on the network once published (`missing` when the network gave none).
        release_id: Option<String>,
        /// State.
        state: PostState,
        /// Repeat interval of a recurring post.
        interval_in_days: Option<i64>,
        /// The post's group.
        group: String,
        /// `API`, `CLI`, `WEB`, ...
        creation_method: String,
        /// Provider settings as JSON text.
        settings: Option<String>,
        /// Tags: `[{"tag": {...}}]`.
        tags: Vec<serde_json::Value>,
        /// The channel.
        integration: PostChannel,
    }

    /// `{"posts": [...]}`.
    #[derive(Serialize, ToSchema)]
    pub struct PostList {
        /// Posts of the window (recurring ones once per occurrence).
        posts: Vec<PostListItem>,
    }

    /// One created entry of `POST /public/v1/posts`.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct PostCreated {
        /// Id of the entry's main post.
        post_id: String,
        /// The entry's channel id.
        integration: String,
    }

    /// Postiz's answer to a deletion: literally `{"error": true}`.
    #[derive(Serialize, ToSchema)]
    pub struct Deleted {
        /// Always `true` (sic).
        error: bool,
    }

    /// One item of the network's recent content.
    #[derive(Serialize, ToSchema)]
    pub struct MissingItem {
        /// Id on the network.
        id: String,
        /// Preview URL.
        url: String,
    }

    /// `{id, state}` after a status change.
    #[derive(Serialize, ToSchema)]
    pub struct StateAnswer {
        /// Post id.
        id: String,
        /// `DRAFT` or `QUEUE`.
        state: String,
    }

    /// `{postId, publishDate}` after a settings change.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct SettingsAnswer {
        /// The same post id.
        post_id: String,
        /// UTC wall time without a zone, `YYYY-MM-DDTHH:mm:ss`.
        publish_date: String,
    }

    /// Body of `PUT /public/v1/posts/{id}` (extension).
    #[derive(Serialize, ToSchema)]
    pub struct PostEdit {
        /// New HTML content of the main message.
        content: Option<String>,
        /// New publish date (ISO 8601).
        #[schema(format = DateTime)]
        date: Option<String>,
    }

    /// The target of `PUT /public/v1/posts/{id}/status`.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum StatusValue {
        /// Out of the queue.
        Draft,
        /// Into the queue.
        Schedule,
    }
}
