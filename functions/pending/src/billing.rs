//! `/billing/*` without Stripe: nothing to pay, so the organization's plan is open (as
//! `/user/self` reports ULTIMATE). Reads answer Postiz's Stripe-off values; payments,
//! portals and plan changes are refused with a message (Postiz calls Stripe with no key and
//! fails with a 401 that logs the user out).

use axum::http::StatusCode;
use axum::Json;
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

const FEATURE: &str = "Billing (Stripe)";
const NO_CUSTOMER: &str = "No payment customer found for this organization";

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get(
        "/billing",
        "The organization's subscription (none without Stripe)",
        subscription,
    )
    .get(
        "/billing/check/{id}",
        "Poll a checkout (refused without Stripe)",
        refused,
    )
    .post(
        "/billing/subscribe",
        "Start or change a plan (refused without Stripe)",
        plan_change,
    )
    .post(
        "/billing/embedded",
        "Embedded checkout (refused without Stripe)",
        plan_change,
    )
    .post(
        "/billing/prorate",
        "Price of a plan change (refused without Stripe)",
        plan_change,
    )
    .get(
        "/billing/portal",
        "Stripe's billing portal (refused without Stripe)",
        refused,
    )
    .post(
        "/billing/cancel",
        "Cancel the plan (refused without Stripe)",
        refused,
    )
    .get(
        "/billing/check-discount",
        "Whether a retention coupon is offered (never without Stripe)",
        check_discount,
    )
    .post(
        "/billing/apply-discount",
        "Apply the retention coupon (refused without Stripe)",
        refused,
    )
    .post("/billing/finish-trial", "End the trial now", finish_trial)
    .get(
        "/billing/is-trial-finished",
        "Whether the trial is over (no trial without Stripe)",
        is_trial_finished,
    )
    .get(
        "/billing/chatbase-refund/preview",
        "Whether the last payment can be refunded (no payments without Stripe)",
        refund_preview,
    )
    .post(
        "/billing/chatbase-refund",
        "Refund the last payment (none without Stripe)",
        refund,
    )
    .get(
        "/billing/charges",
        "Charges of the organization (platform administrators)",
        admin_only,
    )
    .post(
        "/billing/refund-charges",
        "Refund charges (platform administrators)",
        admin_only,
    )
    .post(
        "/billing/cancel-subscription",
        "Cancel at once (platform administrators)",
        admin_only,
    )
    .get(
        "/billing/coupon-info",
        "Plan, price and coupons (platform administrators)",
        admin_only,
    )
    .post(
        "/billing/apply-coupon",
        "Attach a coupon (platform administrators)",
        apply_coupon,
    )
    .post(
        "/billing/cancel-coupon",
        "Remove the coupon (platform administrators)",
        admin_only,
    )
    .post(
        "/billing/add-subscription",
        "Grant a plan without Stripe (platform administrators)",
        admin_only,
    )
}

/// Postiz answers `null` (an empty body) when the organization has no subscription.
async fn subscription(Authed(_s): Authed) -> StatusCode {
    StatusCode::OK
}

async fn refused(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::not_built(FEATURE).into())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SubscribeBody {
    period: Option<String>,
    billing: Option<String>,
}

/// Checks `BillingSubscribeDto` as Postiz does, then refuses.
async fn plan_change(
    Authed(_s): Authed,
    JsonBody(b): JsonBody<SubscribeBody>,
) -> ApiResult<Json<Value>> {
    Checks::new()
        .one_of("period", b.period.as_deref(), &["MONTHLY", "YEARLY"])
        .one_of(
            "billing",
            b.billing.as_deref(),
            &["STANDARD", "PRO", "TEAM", "ULTIMATE"],
        )
        .finish()?;
    Err(Error::not_built(FEATURE).into())
}

async fn check_discount(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "offerCoupon": false }))
}

async fn finish_trial(Authed(_s): Authed) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({ "finish": true })))
}

/// No trial runs without billing (`/user/self` reports `isTrailing: false`).
async fn is_trial_finished(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "finished": true }))
}

async fn refund_preview(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "eligible": false, "reason": NO_CUSTOMER }))
}

async fn refund(Authed(_s): Authed) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({ "refunded": false, "reason": NO_CUSTOMER })),
    )
}

async fn admin_only(Authed(s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::admin_feature_not_built(s.user.is_super_admin, FEATURE).into())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CouponBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<f64>,
    months: Option<f64>,
}

/// Checks `AdminApplyCouponDto` first, as Postiz validates before the role check.
async fn apply_coupon(
    Authed(s): Authed,
    JsonBody(b): JsonBody<CouponBody>,
) -> ApiResult<Json<Value>> {
    Checks::new()
        .one_of("type", b.kind.as_deref(), &["percentage", "amount"])
        .check(
            b.value.is_some_and(|v| v >= 1.0),
            "value must not be less than 1",
        )
        .check(
            b.months
                .is_some_and(|m| m.fract() == 0.0 && (1.0..=12.0).contains(&m)),
            "months must be an integer between 1 and 12",
        )
        .finish()?;
    admin_only(Authed(s)).await
}
