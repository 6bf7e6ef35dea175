//! The `integrations` function: the channel catalogue and list, connect flows, page
//! selection, enable/disable/delete, customers, posting times, provider tools
//! (`/integrations/*`), and the in-app notifications (`/notifications*`).

mod pending;
mod plugs;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use postiz_billing::Billing;
use postiz_core::Error;
use postiz_integrations::model::PostingTime;
use postiz_integrations::notifications::PAGE;
use postiz_integrations::{Channels, Notifications};
use postiz_posts::PostRepo;
use postiz_providers::Providers;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

impl std::ops::Deref for Ctx {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind [`Ctx`] (one `Arc`: a request clones one pointer).
pub struct Services {
    app: AppState,
    /// Channels service.
    pub channels: Arc<Channels>,
    /// Notifications store.
    pub notifications: Notifications,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

impl Ctx {
    /// Builds the channels service: providers configured from the environment, with app
    /// credentials overlaid from the app's secrets when they hold them.
    pub async fn new(app: &AppState) -> Self {
        Self::with_providers(app, providers_from(app).await)
    }

    /// Builds the services with the given providers (tests point them at fakes).
    pub fn with_providers(app: &AppState, providers: Providers) -> Self {
        let a = &app.adapters;
        let billing = app.billing.clone();
        let channels = Channels::on_table(
            a.table.clone(),
            providers,
            app.keys.clone(),
            a.clock.clone(),
        )
        .with_allowance(Arc::new(PlanLimit(billing)));
        Self(Arc::new(Services {
            app: app.clone(),
            notifications: channels.notifications().clone(),
            channels: Arc::new(channels),
        }))
    }
}

/// The providers, configured from the environment and the app's secrets.
pub async fn providers_from(app: &AppState) -> Providers {
    postiz_integrations::providers_from_secrets(app.adapters.secrets.clone(), None).await
}

/// The plan's channel limit (402 when reached; open while Stripe is off).
struct PlanLimit(Billing);

#[async_trait::async_trait]
impl postiz_integrations::ChannelAllowance for PlanLimit {
    async fn may_add(&self, org: &str, active: usize) -> postiz_core::Result<()> {
        self.0.check_new_channel(org, active).await
    }
}

/// A provider's editor, as Postiz names it.
const EDITOR: &str = "'none' | 'normal' | 'markdown' | 'html'";

/// One field of a credential form (`validation` is a regular-expression literal string).
const CUSTOM_FIELD: &str =
    "{key: string, label: string, validation: string, type: string, defaultValue?: string}";

/// The fields of a channel as `/integrations/list` shows it (no secrets).
fn channel_fields() -> String {
    format!(
        "name: string, id: string, internalId: string, disabled: boolean, editor: {EDITOR}, \
         stripLinks: boolean, picture: string, identifier: string, inBetweenSteps: boolean, \
         refreshNeeded: boolean, isCustomFields: boolean, customFields: {CUSTOM_FIELD}[] | null, \
         display: string | null, type: 'social', time: {{time: integer}}[], \
         changeProfilePicture: boolean, changeNickName: boolean, \
         customer: {{id: string, name: string}} | null, additionalSettings: string"
    )
}

/// A channel as `/integrations/list` shows it.
fn channel() -> String {
    format!("{{{}}}", channel_fields())
}

/// Pages to pick (`picture` is the URL on LinkedIn, Graph API's `{data: {url}}` elsewhere).
const PAGES: &str =
    "{id: string, pageId: string, name: string, picture: string | {data: {url: string}}}[]";

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    let d = Documented::new("internal-integrations")
        .get(
            "/integrations",
            "Catalogue of the social networks",
            catalogue,
        )
        .open()
        .answers(format!(
            "{{social: {{name: string, identifier: string, toolTip: string | null, \
             editor: {EDITOR}, isExternal: boolean, isWeb3: boolean, \
             isChromeExtension: boolean, extensionCookies?: {{name: string, domain: string}}[], \
             customFields?: {CUSTOM_FIELD}[]}}[], article: any[]}}"
        ))
        .delete("/integrations", "Delete a channel", delete_channel)
        .answers(channel())
        .get("/integrations/list", "The organization's channels", list)
        .answers(format!("{{integrations: {}[]}}", channel()))
        .get(
            "/integrations/social/{provider}",
            "Start connecting a channel: the authorization URL",
            start_connect,
        )
        .answers("{url: string}")
        .post(
            "/integrations/social-connect/{provider}",
            "Finish connecting a channel (the single-use state from the start is the credential)",
            connect,
        )
        .open()
        .answers(format!(
            "{{{}, onboarding: boolean, pages: {PAGES}}}",
            channel_fields()
        ))
        .post(
            "/integrations/provider/{id}/connect",
            "Pick the page of a two-step channel",
            select_page,
        )
        .answers("{success: boolean}")
        .post("/integrations/disable", "Disable a channel", disable)
        .answers("{}")
        .post("/integrations/enable", "Enable a channel", enable)
        .answers("{}")
        .get(
            "/integrations/customers",
            "Customers of the organization",
            customers,
        )
        .answers("{id: string, name: string, orgId: string}[]")
        .put(
            "/integrations/{id}/group",
            "Move a channel to a customer",
            set_group,
        )
        .answers(channel())
        .put(
            "/integrations/{id}/customer-name",
            "Rename a channel's customer",
            set_customer_name,
        )
        .answers(channel())
        .post(
            "/integrations/{id}/time",
            "A channel's posting times",
            set_time,
        )
        .answers("{id: string}")
        .post(
            "/integrations/{id}/settings",
            "A channel's settings",
            set_settings,
        )
        .answers("{}")
        .post(
            "/integrations/function",
            "Run one of a provider's declared tools",
            call_function,
        )
        // The tool's own answer; `pages`/`companies` of a two-step channel: its pages.
        .answers("any")
        .get(
            "/integrations/telegram/updates",
            "Find the Telegram chat that sent /connect",
            telegram_updates,
        )
        // The chat id as Telegram gave it; `{}` while no chat sent the word.
        .answers("{chatId?: any}")
        .post(
            "/integrations/moltbook/register",
            "Register a Moltbook agent",
            moltbook_register,
        )
        // The agent's credentials as Moltbook gave them, or why it refused.
        .answers("{apiKey: any, claimUrl: any, verificationCode: any} | {error: string}")
        .get(
            "/integrations/moltbook/status",
            "Whether a Moltbook agent was claimed",
            moltbook_status,
        )
        .answers("{claimed: boolean}")
        .get(
            "/notifications",
            "Latest notification and unread count",
            unread,
        )
        .answers("{total: integer}")
        .get("/notifications/list", "Notifications, paginated", latest)
        .answers(
            "{lastReadNotifications: string | null, notifications: {id: string, \
             createdAt: string, content: string, link: string | null}[], total: integer, \
             pages: integer}",
        );
    pending::routes(plugs::routes(d))
}

async fn catalogue(State(ctx): State<Ctx>) -> Json<Value> {
    Json(ctx.channels.providers().catalogue())
}

async fn list(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.list(&s.org.id).await?))
}

#[derive(Deserialize)]
struct ConnectQuery {
    refresh: Option<String>,
}

async fn start_connect(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(provider): Path<String>,
    Query(q): Query<ConnectQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.channels
            .start_connect(&s.org.id, &s.user.id, &provider, q.refresh)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ConnectBody {
    state: Option<String>,
    code: Option<String>,
}

async fn connect(
    State(ctx): State<Ctx>,
    Path(provider): Path<String>,
    JsonBody(b): JsonBody<ConnectBody>,
) -> ApiResult<impl IntoResponse> {
    let state = b
        .state
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid("state should not be empty"))?;
    let code = b.code.unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(ctx.channels.connect(&provider, &state, &code).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PageBody {
    page: Option<Value>,
    id: Option<Value>,
}

async fn select_page(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PageBody>,
) -> ApiResult<impl IntoResponse> {
    let page = b
        .page
        .or(b.id)
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::invalid("page should not be empty"))?;
    Ok((
        StatusCode::CREATED,
        Json(ctx.channels.select_page(&s.org.id, &id, &page).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct IdBody {
    id: Option<String>,
}

fn id_of(b: IdBody) -> Result<String, Error> {
    b.id.filter(|i| !i.is_empty())
        .ok_or_else(|| Error::invalid("id should not be empty"))
}

async fn disable(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<IdBody>,
) -> ApiResult<impl IntoResponse> {
    ctx.channels
        .set_disabled(&s.org.id, &id_of(b)?, true)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({}))))
}

async fn enable(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<IdBody>,
) -> ApiResult<impl IntoResponse> {
    ctx.channels
        .set_disabled(&s.org.id, &id_of(b)?, false)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({}))))
}

async fn delete_channel(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let id = id_of(b)?;
    let channel = ctx.channels.repo.get(&s.org.id, &id).await?;
    let deleted = ctx.channels.delete(&s.org.id, &id).await?;
    let a = &ctx.app.adapters;
    let events = postiz_webhooks::Events::new(
        postiz_webhooks::WebhookRepo::new(a.table.clone()),
        a.queue.clone(),
        a.clock.clone(),
    );
    let posts = postiz_posts::service::delete_channel_posts(
        &PostRepo::new(a.table.clone()),
        &events,
        &s.org.id,
        &id,
        channel.as_ref(),
        a.clock.now(),
    )
    .await?;
    tracing::info!(channel_id = %id, posts, "channel deleted with its posts");
    Ok(Json(deleted))
}

async fn customers(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.customers(&s.org.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct GroupBody {
    group: Option<String>,
}

async fn set_group(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<GroupBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.channels.set_customer(&s.org.id, &id, b.group).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NameBody {
    name: Option<String>,
}

async fn set_customer_name(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NameBody>,
) -> ApiResult<Json<Value>> {
    let name = b.name.unwrap_or_default();
    Ok(Json(
        ctx.channels
            .set_customer_by_name(&s.org.id, &id, &name)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TimeBody {
    /// Minutes after midnight UTC: `[{"time": 560}]`.
    #[schema(value_type = Option<Vec<Object>>)]
    time: Option<Vec<PostingTime>>,
}

async fn set_time(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<TimeBody>,
) -> ApiResult<impl IntoResponse> {
    let times = b
        .time
        .ok_or_else(|| Error::invalid("time must be an array"))?;
    Ok((
        StatusCode::CREATED,
        Json(ctx.channels.set_times(&s.org.id, &id, times).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SettingsBody {
    additional_settings: Option<String>,
}

async fn set_settings(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SettingsBody>,
) -> ApiResult<impl IntoResponse> {
    let settings = b
        .additional_settings
        .ok_or_else(|| Error::invalid("additionalSettings must be a string"))?;
    ctx.channels
        .set_additional_settings(&s.org.id, &id, &settings)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({}))))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct FunctionBody {
    id: Option<String>,
    name: Option<String>,
    data: Option<Value>,
}

async fn call_function(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<FunctionBody>,
) -> ApiResult<impl IntoResponse> {
    let id =
        b.id.filter(|i| !i.is_empty())
            .ok_or_else(|| Error::invalid("id should not be empty"))?;
    let name = b
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::invalid("name should not be empty"))?;
    let data = b.data.unwrap_or(Value::Null);
    Ok((
        StatusCode::CREATED,
        Json(ctx.channels.call_tool(&s.org.id, &id, &name, &data).await?),
    ))
}

#[derive(Deserialize)]
struct WordQuery {
    word: Option<String>,
}

async fn telegram_updates(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    Query(q): Query<WordQuery>,
) -> ApiResult<Json<Value>> {
    let word = q
        .word
        .filter(|w| !w.is_empty())
        .ok_or_else(|| Error::invalid("word should not be empty"))?;
    Ok(Json(
        ctx.channels
            .discover("telegram", &json!({ "word": word }))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MoltbookAgent {
    name: Option<String>,
    description: Option<String>,
}

async fn moltbook_register(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    JsonBody(b): JsonBody<MoltbookAgent>,
) -> ApiResult<impl IntoResponse> {
    let data = json!({"action": "register", "name": b.name, "description": b.description});
    Ok((
        StatusCode::CREATED,
        Json(ctx.channels.discover("moltbook", &data).await?),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiKeyQuery {
    api_key: Option<String>,
}

async fn moltbook_status(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    Query(q): Query<ApiKeyQuery>,
) -> ApiResult<Json<Value>> {
    let data = json!({"action": "status", "apiKey": q.api_key.unwrap_or_default()});
    Ok(Json(ctx.channels.discover("moltbook", &data).await?))
}

async fn unread(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    let total = ctx
        .notifications
        .unread(&s.org.id, s.user.last_read_notifications)
        .await?;
    Ok(Json(json!({ "total": total })))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn latest(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Value>> {
    let last_read: Option<DateTime<Utc>> = s.user.last_read_notifications;
    let size = if q.page.is_some() { PAGE } else { 10 };
    let (items, total) = ctx
        .notifications
        .page(&s.org.id, q.page.unwrap_or(0), size)
        .await?;
    ctx.app.accounts.mark_notifications_read(&s).await?;
    let notifications: Vec<Value> = items
        .into_iter()
        .map(|n| json!({"id": n.id, "createdAt": n.created_at, "content": n.content, "link": n.link}))
        .collect();
    Ok(Json(json!({
        "lastReadNotifications": last_read,
        "notifications": notifications,
        "total": total,
        "pages": total.div_ceil(size),
    })))
}
