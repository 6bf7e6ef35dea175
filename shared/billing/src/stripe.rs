//! The Stripe API calls billing makes. Requests are built and sent through `async-stripe`'s
//! client core (`stripe_client_core`: the form encoding Stripe expects, the API version,
//! idempotency keys) over a small transport of ours on reqwest: `async-stripe`'s own hyper
//! client decodes every error body into its full object graph, which put 1.9 MB into the
//! billing Lambda. Answers are read as plain JSON and only the fields used are taken: the
//! generated resource types require every documented field, which makes them brittle against
//! older accounts' objects and against emulators. `STRIPE_API_BASE` points the client at an
//! emulator (`localstripe` in the tests).

use postiz_core::{Error, Result};
use serde_json::{json, Value};
use stripe_client_core::{
    CustomizedStripeRequest, RequestBuilder, StripeClient, StripeClientErr, StripeMethod,
};

use crate::plans::{Period, Tier};

/// A Stripe account, by its secret key.
#[derive(Clone)]
pub struct StripeApi {
    client: Transport,
}

/// The HTTP side of [`StripeClient`]: one request per call, the secret key as a Bearer token,
/// the API version `async-stripe` is generated for, Stripe's form bodies.
#[derive(Clone)]
struct Transport {
    http: reqwest::Client,
    base: String,
    authorization: String,
}

/// A failed Stripe call.
#[derive(Debug)]
enum CallError {
    /// Stripe answered 4xx: the request is the caller's to fix.
    Refused(String),
    /// Anything else: Stripe unreachable, 5xx, an answer that does not read.
    Unavailable(String),
}

impl StripeClientErr for CallError {
    fn deserialize_err(msg: impl std::fmt::Display) -> Self {
        CallError::Unavailable(format!("Stripe's answer does not read: {msg}"))
    }
}

impl StripeClient for Transport {
    type Err = CallError;

    fn execute(
        &self,
        req: CustomizedStripeRequest,
    ) -> impl std::future::Future<Output = std::result::Result<bytes::Bytes, CallError>> + Send
    {
        let (request, config) = req.into_pieces();
        let mut url = format!("{}/v1{}", self.base, request.path);
        if let Some(query) = &request.query {
            url = format!("{url}?{query}");
        }
        let method = match request.method {
            StripeMethod::Get => reqwest::Method::GET,
            StripeMethod::Post => reqwest::Method::POST,
            StripeMethod::Delete => reqwest::Method::DELETE,
        };
        let mut call = self
            .http
            .request(method, url)
            .header("authorization", &self.authorization)
            .header("stripe-version", stripe_client_core::VERSION.as_str());
        if let Some(key) = config.request_strategy.and_then(|s| s.get_key()) {
            call = call.header("idempotency-key", key.as_str());
        }
        if let Some(body) = request.body {
            call = call
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        async move {
            let answer = call
                .send()
                .await
                .map_err(|e| CallError::Unavailable(format!("Stripe: {}", e.without_url())))?;
            let status = answer.status();
            let body = answer
                .bytes()
                .await
                .map_err(|e| CallError::Unavailable(format!("Stripe: {}", e.without_url())))?;
            if status.is_success() {
                return Ok(body);
            }
            let message = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("Stripe answered {status}"));
            Err(if status.is_client_error() {
                CallError::Refused(message)
            } else {
                CallError::Unavailable(format!("Stripe answered {status}: {message}"))
            })
        }
    }
}

impl std::fmt::Debug for StripeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeApi").finish_non_exhaustive()
    }
}

/// What a Checkout Session is opened with.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    /// The organization's customer.
    pub customer: &'a str,
    /// The plan's price.
    pub price: &'a str,
    /// Days of trial (Postiz: 7 while the organization may still have a trial).
    pub trial_days: Option<u32>,
    /// Promotion codes (Postiz: monthly plans only).
    pub allow_promotion_codes: bool,
    /// Copied on the session and the subscription (`service`, `billing`, `period`,
    /// `uniqueId`, `organizationId`, `userId`).
    pub metadata: Value,
    /// Where Stripe sends the user after paying.
    pub success_url: String,
    /// Where Stripe sends the user on cancel (hosted page only).
    pub cancel_url: String,
    /// Embedded in the app (`ui_mode: custom`) instead of Stripe's hosted page.
    pub embedded: bool,
}

impl StripeApi {
    /// A client for the account of `secret_key`, at `api_base` (default Stripe's).
    pub fn new(secret_key: &str, api_base: Option<&str>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| Error::internal(format!("the Stripe client: {e}")))?;
        let base = api_base
            .filter(|b| !b.is_empty())
            .unwrap_or("https://api.stripe.com")
            .trim_end_matches('/')
            .to_string();
        Ok(Self {
            client: Transport {
                http,
                base,
                authorization: format!("Bearer {secret_key}"),
            },
        })
    }

    /// From `STRIPE_SECRET_KEY` (and `STRIPE_API_BASE`); `None` when billing is off.
    pub fn from_env() -> Result<Option<Self>> {
        let key = std::env::var("STRIPE_SECRET_KEY").unwrap_or_default();
        if key.trim().is_empty() {
            return Ok(None);
        }
        let base = std::env::var("STRIPE_API_BASE").ok();
        Self::new(key.trim(), base.as_deref()).map(Some)
    }

    async fn call(
        &self,
        method: StripeMethod,
        path: &str,
        params: Option<&Value>,
    ) -> Result<Value> {
        let mut request = RequestBuilder::new(method, path);
        if let Some(params) = params {
            request = match method {
                StripeMethod::Get => request.query(params),
                _ => request.form(params),
            };
        }
        let answer: miniserde::json::Value = request
            .customize()
            .send(&self.client)
            .await
            .map_err(stripe_error)?;
        serde_json::from_str(&miniserde::json::to_string(&answer))
            .map_err(|e| Error::Unavailable(format!("Stripe's answer does not read: {e}")))
    }

    /// Creates the customer who pays for `organization`.
    pub async fn create_customer(
        &self,
        email: &str,
        name: &str,
        organization: &str,
    ) -> Result<String> {
        let c = self
            .call(
                StripeMethod::Post,
                "/customers",
                Some(&json!({"email": email, "name": name,
                             "metadata": {"organizationId": organization}})),
            )
            .await?;
        id_of(&c)
    }

    /// The price of `tier` paid every `period`, found by product name and amount as Postiz
    /// does (so an account Postiz set up keeps its prices), created when missing.
    pub async fn price(&self, tier: Tier, period: Period) -> Result<String> {
        let name = tier.as_str();
        let products = self
            .call(
                StripeMethod::Get,
                "/products",
                Some(&json!({"active": true, "limit": 100})),
            )
            .await?;
        let product = match list(&products).iter().find(|p| p["name"] == name) {
            Some(p) => id_of(p)?,
            None => id_of(
                &self
                    .call(
                        StripeMethod::Post,
                        "/products",
                        Some(&json!({"name": name})),
                    )
                    .await?,
            )?,
        };
        let interval = match period {
            Period::Monthly => "month",
            Period::Yearly => "year",
        };
        let cents = tier.plan().cents(period);
        let prices = self
            .call(
                StripeMethod::Get,
                "/prices",
                Some(&json!({"product": product, "active": true, "limit": 100})),
            )
            .await?;
        let found = list(&prices).iter().find(|p| {
            p["recurring"]["interval"] == interval
                && p["unit_amount"].as_u64() == Some(cents)
                && p["currency"] == "usd"
        });
        match found {
            Some(p) => id_of(p),
            None => id_of(
                &self
                    .call(
                        StripeMethod::Post,
                        "/prices",
                        Some(&json!({"product": product, "currency": "usd",
                                     "unit_amount": cents,
                                     "recurring": {"interval": interval},
                                     "nickname": format!("{name} {}", period.as_str())})),
                    )
                    .await?,
            ),
        }
    }

    /// Opens a Checkout Session for a subscription: its URL (hosted) or its client secret
    /// (embedded).
    pub async fn checkout(&self, r: &CheckoutRequest<'_>) -> Result<String> {
        let mut subscription_data = json!({"metadata": r.metadata});
        if let Some(days) = r.trial_days {
            subscription_data["trial_period_days"] = json!(days);
        }
        let mut params = json!({
            "mode": "subscription",
            "customer": r.customer,
            "line_items": [{"price": r.price, "quantity": 1}],
            "subscription_data": subscription_data,
            "metadata": r.metadata,
        });
        if r.embedded {
            params["ui_mode"] = json!("custom");
            params["return_url"] = json!(r.success_url);
        } else {
            params["success_url"] = json!(r.success_url);
            params["cancel_url"] = json!(r.cancel_url);
        }
        if r.allow_promotion_codes {
            params["allow_promotion_codes"] = json!(true);
        }
        let session = self
            .call(StripeMethod::Post, "/checkout/sessions", Some(&params))
            .await?;
        let field = if r.embedded { "client_secret" } else { "url" };
        session[field]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::Unavailable(format!("Stripe's checkout session has no {field}")))
    }

    /// Moves a subscription to another price, invoicing the difference now; `metadata`
    /// (the new plan) replaces the keys it names, so the webhook reads the new plan.
    pub async fn change_price(
        &self,
        subscription: &str,
        price: &str,
        metadata: &Value,
    ) -> Result<String> {
        let sub = self.subscription(subscription).await?;
        let item = sub["items"]["data"][0]["id"]
            .as_str()
            .ok_or_else(|| Error::BadRequest("The subscription has no item".into()))?
            .to_string();
        let updated = self
            .call(
                StripeMethod::Post,
                &format!("/subscriptions/{subscription}"),
                Some(&json!({"items": [{"id": item, "price": price}],
                             "proration_behavior": "always_invoice",
                             "cancel_at_period_end": false,
                             "metadata": metadata})),
            )
            .await?;
        id_of(&updated)
    }

    /// What moving `subscription` to `price` now would make the customer pay today, in cents
    /// (the preview invoice's `amount_remaining`; negative when the unused time is worth more).
    pub async fn preview_change(&self, subscription: &str, price: &str) -> Result<i64> {
        let sub = self.subscription(subscription).await?;
        let item = sub["items"]["data"][0]["id"]
            .as_str()
            .ok_or_else(|| Error::BadRequest("The subscription has no item".into()))?;
        let customer = sub["customer"]
            .as_str()
            .ok_or_else(|| Error::Unavailable("Stripe's subscription has no customer".into()))?;
        let invoice = self
            .call(
                StripeMethod::Post,
                "/invoices/create_preview",
                Some(&json!({
                    "customer": customer,
                    "subscription": subscription,
                    "subscription_details": {
                        "items": [{"id": item, "price": price, "quantity": 1}],
                        "proration_behavior": "always_invoice",
                        "proration_date": chrono::Utc::now().timestamp(),
                    },
                })),
            )
            .await?;
        invoice["amount_remaining"]
            .as_i64()
            .or_else(|| invoice["amount_due"].as_i64())
            .ok_or_else(|| Error::Unavailable("Stripe's preview invoice has no amount".into()))
    }

    /// A subscription as Stripe holds it.
    pub async fn subscription(&self, id: &str) -> Result<Value> {
        self.call(StripeMethod::Get, &format!("/subscriptions/{id}"), None)
            .await
    }

    /// Sets or clears cancel-at-period-end; the subscription.
    pub async fn cancel_at_period_end(&self, id: &str, cancel: bool) -> Result<Value> {
        self.call(
            StripeMethod::Post,
            &format!("/subscriptions/{id}"),
            Some(&json!({"cancel_at_period_end": cancel})),
        )
        .await
    }

    /// Ends a subscription now.
    pub async fn cancel_now(&self, id: &str) -> Result<Value> {
        self.call(StripeMethod::Delete, &format!("/subscriptions/{id}"), None)
            .await
    }

    /// Ends the trial now (Stripe charges at once).
    pub async fn end_trial(&self, id: &str) -> Result<Value> {
        self.call(
            StripeMethod::Post,
            &format!("/subscriptions/{id}"),
            Some(&json!({"trial_end": "now"})),
        )
        .await
    }

    /// A billing portal session for `customer`; its URL.
    pub async fn portal(&self, customer: &str, return_url: &str) -> Result<String> {
        let session = self
            .call(
                StripeMethod::Post,
                "/billing_portal/sessions",
                Some(&json!({"customer": customer, "return_url": return_url})),
            )
            .await?;
        session["url"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Error::Unavailable("Stripe's portal session has no URL".into()))
    }
}

fn list(v: &Value) -> &[Value] {
    v["data"].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn id_of(v: &Value) -> Result<String> {
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::Unavailable("Stripe answered an object without an id".into()))
}

/// Stripe's refusals (4xx) are the caller's to fix; anything else is Stripe being unavailable.
fn stripe_error(e: CallError) -> Error {
    match e {
        CallError::Refused(message) => Error::BadRequest(message),
        CallError::Unavailable(detail) => Error::Unavailable(detail),
    }
}
