//! The `billing` function: `/billing/*`. With a Stripe key (`STRIPE_SECRET_KEY` in the
//! environment, or in the billing secret on AWS) plans are bought through Stripe Checkout and
//! managed through the portal; without one, every route answers Postiz's Stripe-off values
//! (`off`). The subscription record changes only through the Stripe webhook.

mod off;

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use postiz_billing::payments::{Payer, Payments};
use postiz_billing::stripe::StripeApi;
use postiz_billing::{Billing, Period, Tier};
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde_json::{json, Value};
use std::sync::Arc;

use off::SubscribeBody;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

/// The services behind [`Ctx`].
pub struct Services {
    app: AppState,
    billing: Billing,
    /// `None` while Stripe is off.
    payments: Option<Payments>,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.0.app.clone()
    }
}

impl Ctx {
    /// Builds the services: Stripe's key from the environment, else from the app's secrets
    /// (`STRIPE_SECRET_KEY` of the billing secret); `STRIPE_API_BASE` for an emulator.
    pub async fn new(app: &AppState) -> Result<Self, Error> {
        let billing = app.billing.clone();
        // Billing is on exactly when the key is in the environment or `BILLING=stripe` says
        // it is in the secrets.
        let key = match billing.enabled() {
            true => app.setting("STRIPE_SECRET_KEY").await,
            false => None,
        };
        let payments = match key {
            Some(key) => {
                let base = std::env::var("STRIPE_API_BASE").ok();
                let stripe = StripeApi::new(key.trim(), base.as_deref())?;
                let frontend = std::env::var("FRONTEND_URL").unwrap_or_default();
                Some(Payments::new(billing.clone(), stripe, &frontend))
            }
            None => None,
        };
        Ok(Self(Arc::new(Services {
            app: app.clone(),
            billing,
            payments,
        })))
    }

    fn payments(&self) -> Option<&Payments> {
        self.0.payments.as_ref()
    }
}

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// Postiz's answer to `GET /billing/charges` (ours refuses until it is built).
const CHARGES: &str = "{id: string, amount: integer, currency: string, created: integer, \
    status: string, refunded: boolean, amount_refunded: integer, description: string | null, \
    receipt_url: string | null, invoice_pdf: string | null}[]";

/// Postiz's answer to `GET /billing/coupon-info` (ours refuses until it is built).
const COUPON_INFO: &str = "{tier: string | null, period: string | null, isLifetime: boolean, \
    monthlyPrice: number, planPrice: number, nextPayment: number | null, coupons: {type: string, \
    value: number, duration: string, durationInMonths: integer | null, \
    remainingMonths: integer | null}[], supported: boolean}";

/// The routes with their summaries, for the router and the OpenAPI document. The platform
/// administrators' Stripe tools and the retention coupon are refused until they are built:
/// their shapes are Postiz's answers.
pub fn routes() -> Documented<Ctx> {
    Documented::new("internal-billing")
        .get("/billing", "The organization's subscription", subscription)
        // The subscription row (`{id: string | null, organizationId: string, subscriptionTier:
        // 'FREE' | 'STANDARD' | 'TEAM' | 'PRO' | 'ULTIMATE', identifier: string | null,
        // cancelAt: string | null, period: 'MONTHLY' | 'YEARLY', totalChannels: integer,
        // isLifetime: boolean, createdAt: string, updatedAt: string, deletedAt: null}`), or no
        // body at all without one (Postiz's `null`): no one shape says both.
        .answers("text")
        .get(
            "/billing/check/{id}",
            "Poll a checkout: 2 once its subscription is recorded",
            check,
        )
        .answers("{status: integer}")
        .post(
            "/billing/subscribe",
            "Start a plan (Checkout URL) or change it in place",
            subscribe,
        )
        .answers("{url: string} | {id: string} | {portal: string}")
        .post(
            "/billing/embedded",
            "Start a plan with Checkout embedded in the app (client secret)",
            embedded,
        )
        .answers("{client_secret: string} | {subscribed: boolean}")
        .post(
            "/billing/prorate",
            "What a plan change costs today",
            prorate,
        )
        .answers("{price: number}")
        .get("/billing/portal", "Stripe's billing portal", portal)
        .answers("{portal: string}")
        .post(
            "/billing/cancel",
            "Cancel at the period's end (or undo; at once when payment fails)",
            cancel,
        )
        .answers("{id: string, cancel_at: string | null}")
        .get(
            "/billing/check-discount",
            "Whether a retention coupon is offered (never yet)",
            off::check_discount,
        )
        .answers("{offerCoupon: boolean}")
        .post(
            "/billing/apply-discount",
            "Apply the retention coupon (not built yet)",
            off::refused,
        )
        // Always refused for now; Postiz answers no body.
        .answers("empty")
        .post("/billing/finish-trial", "End the trial now", finish_trial)
        .answers("{finish: boolean}")
        .get(
            "/billing/is-trial-finished",
            "Whether the trial is over",
            is_trial_finished,
        )
        .answers("{finished: boolean}")
        .get(
            "/billing/chatbase-refund/preview",
            "Whether the last payment can be refunded (not built yet)",
            off::refund_preview,
        )
        .answers("{eligible: boolean, reason: string}")
        .post(
            "/billing/chatbase-refund",
            "Refund the last payment (not built yet)",
            off::refund,
        )
        .answers("{refunded: boolean, reason: string}")
        .get(
            "/billing/charges",
            "Charges of the organization (platform administrators)",
            off::admin_only,
        )
        .answers(CHARGES)
        .post(
            "/billing/refund-charges",
            "Refund charges (platform administrators)",
            off::admin_only,
        )
        .answers("{refunded: string[], failed: string[]}")
        .post(
            "/billing/cancel-subscription",
            "Cancel at once (platform administrators)",
            off::admin_only,
        )
        .answers("{cancelled: boolean}")
        .get(
            "/billing/coupon-info",
            "Plan, price and coupons (platform administrators)",
            off::admin_only,
        )
        .answers(COUPON_INFO)
        .post(
            "/billing/apply-coupon",
            "Attach a coupon (platform administrators)",
            off::apply_coupon,
        )
        .answers("{applied: boolean, reason?: string}")
        .post(
            "/billing/cancel-coupon",
            "Remove the coupon (platform administrators)",
            off::admin_only,
        )
        .answers("{cancelled: boolean, reason?: string}")
        .post(
            "/billing/add-subscription",
            "Grant a plan without Stripe (platform administrators)",
            add_subscription,
        )
        .answers("{ok: boolean}")
}

/// The subscription row in Postiz's shape; an empty body (Postiz's `null`) without one.
async fn subscription(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Response> {
    let plan = ctx.0.billing.plan(&s.org.id).await?;
    Ok(match plan.subscription {
        Some(sub) => Json(sub.to_postiz_json()).into_response(),
        None => StatusCode::OK.into_response(),
    })
}

async fn check(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    match ctx.payments() {
        Some(p) => Ok(Json(p.check(&s.org.id, &id).await?)),
        None => off::refused(Authed(s)).await,
    }
}

async fn subscribe(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<SubscribeBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    start(&ctx, &s, &b, false).await
}

async fn embedded(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<SubscribeBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    start(&ctx, &s, &b, true).await
}

async fn prorate(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<SubscribeBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    off::check_plan(&b)?;
    let Some(payments) = ctx.payments() else {
        return Err(Error::not_built(off::FEATURE).into());
    };
    let (tier, period) = plan_of(&b)?;
    let answer = payments.prorate(&s.org.id, tier, period).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// The tier and period a checked `BillingSubscribeDto` names.
fn plan_of(b: &SubscribeBody) -> Result<(Tier, Period), Error> {
    let tier = b.billing.as_deref().and_then(Tier::parse);
    let period = b.period.as_deref().and_then(Period::parse);
    match (tier, period) {
        (Some(tier), Some(period)) => Ok((tier, period)),
        _ => Err(Error::BadRequest("Unknown plan".into())),
    }
}

async fn start(
    ctx: &Ctx,
    s: &postiz_accounts::Session,
    b: &SubscribeBody,
    embedded: bool,
) -> ApiResult<(StatusCode, Json<Value>)> {
    off::check_plan(b)?;
    let Some(payments) = ctx.payments() else {
        return Err(Error::not_built(off::FEATURE).into());
    };
    let (tier, period) = plan_of(b)?;
    let payer = Payer {
        organization_id: &s.org.id,
        organization_name: &s.org.name,
        allow_trial: s.org.allow_trial,
        user_id: &s.user.id,
        email: &s.user.email,
    };
    let unique_id = uuid::Uuid::new_v4().to_string();
    let answer = payments
        .subscribe(&payer, tier, period, &unique_id, embedded)
        .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn portal(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    match ctx.payments() {
        Some(p) => Ok(Json(p.portal(&s.org.id).await?)),
        None => off::refused(Authed(s)).await,
    }
}

async fn cancel(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<(StatusCode, Json<Value>)> {
    match ctx.payments() {
        Some(p) => Ok((StatusCode::CREATED, Json(p.cancel(&s.org.id).await?))),
        None => off::refused(Authed(s))
            .await
            .map(|j| (StatusCode::CREATED, j)),
    }
}

async fn finish_trial(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
) -> ApiResult<(StatusCode, Json<Value>)> {
    match ctx.payments() {
        Some(p) => Ok((StatusCode::CREATED, Json(p.finish_trial(&s.org.id).await?))),
        None => Ok(off::finish_trial(Authed(s)).await),
    }
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct GrantBody {
    /// The tier to grant (`STANDARD`, `TEAM`, `PRO`, `ULTIMATE`; `FREE` takes it back).
    subscription: Option<String>,
}

/// The platform administrators' grant of a plan without Stripe (to the caller's current
/// organization, as Postiz: the administrator switches to it first).
async fn add_subscription(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<GrantBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if !s.user.is_super_admin {
        return Err(Error::platform_admins_only().into());
    }
    let tier = b
        .subscription
        .as_deref()
        .and_then(Tier::parse)
        .ok_or_else(|| {
            Error::invalid("subscription must be one of FREE, STANDARD, TEAM, PRO, ULTIMATE")
        })?;
    let now = ctx.0.app.adapters.clock.now();
    ctx.0.billing.grant(&s.org.id, tier, now).await?;
    Ok((StatusCode::CREATED, Json(json!({ "ok": true }))))
}

/// `{finished: !isTrailing}`; no trial runs without billing.
async fn is_trial_finished(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    if ctx.payments().is_none() {
        return Ok(off::is_trial_finished(Authed(s)).await);
    }
    let plan = ctx.0.billing.plan(&s.org.id).await?;
    Ok(Json(json!({ "finished": !plan.is_trailing })))
}
