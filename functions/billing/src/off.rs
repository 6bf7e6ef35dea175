//! `/billing/*` answers without Stripe (and the routes not built on Stripe yet): nothing to pay, so the organization's plan is open (as
//! `/user/self` reports ULTIMATE). Reads answer Postiz's Stripe-off values; payments,
//! portals and plan changes are refused with a message (Postiz calls Stripe with no key and
//! fails with a 401 that logs the user out).

use axum::http::StatusCode;
use axum::Json;
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) const FEATURE: &str = "Billing (Stripe)";
const NO_CUSTOMER: &str = "No payment customer found for this organization";

pub(crate) async fn refused(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::not_built(FEATURE).into())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SubscribeBody {
    pub(crate) period: Option<String>,
    pub(crate) billing: Option<String>,
}

/// `BillingSubscribeDto`'s rules, as Postiz checks them.
pub(crate) fn check_plan(b: &SubscribeBody) -> Result<(), Error> {
    Checks::new()
        .one_of("period", b.period.as_deref(), &["MONTHLY", "YEARLY"])
        .one_of(
            "billing",
            b.billing.as_deref(),
            &["STANDARD", "PRO", "TEAM", "ULTIMATE"],
        )
        .finish()
}

pub(crate) async fn check_discount(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "offerCoupon": false }))
}

pub(crate) async fn finish_trial(Authed(_s): Authed) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({ "finish": true })))
}

/// No trial runs without billing (`/user/self` reports `isTrailing: false`).
pub(crate) async fn is_trial_finished(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "finished": true }))
}

pub(crate) async fn refund_preview(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "eligible": false, "reason": NO_CUSTOMER }))
}

pub(crate) async fn refund(Authed(_s): Authed) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({ "refunded": false, "reason": NO_CUSTOMER })),
    )
}

pub(crate) async fn admin_only(Authed(s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::admin_feature_not_built(s.user.is_super_admin, FEATURE).into())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct CouponBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<f64>,
    months: Option<f64>,
}

/// Checks `AdminApplyCouponDto` first, as Postiz validates before the role check.
pub(crate) async fn apply_coupon(
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
