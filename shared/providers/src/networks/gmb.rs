//! Google Business Profile (`gmb`): Google OAuth (`business.manage`), then the user picks one
//! of the accounts' locations (two steps). Each post is a local post: an update, an event
//! (title, dates, times) or an offer (coupon, redeem URL, terms), with an optional call to
//! action and at most one picture (Google fetches it from its URL). Tokens refresh. The app
//! is `GOOGLE_GMB_CLIENT_ID`/`_SECRET`, or YouTube's when those are not set.

use async_trait::async_trait;
use chrono::Datelike;
use serde_json::{json, Value};

use super::devto::text_setting;
use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{refreshed, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/business.manage",
];

const CASES: &[ErrorCase] = &[
    ErrorCase::refresh(
        "UNAUTHENTICATED",
        "Please re-authenticate your Google My Business account",
    ),
    ErrorCase::refresh(
        "invalid_grant",
        "Please re-authenticate your Google My Business account",
    ),
    ErrorCase::refresh(
        "Unauthorized",
        "Token expired or invalid, please reconnect your YouTube account.",
    ),
    ErrorCase::refresh(
        "PERMISSION_DENIED",
        "Permission denied. Please ensure you have access to this business location.",
    ),
    ErrorCase::bad(
        "NOT_FOUND",
        "Business location not found. It may have been deleted.",
    ),
    ErrorCase::bad(
        "INVALID_ARGUMENT",
        "Invalid post content. Please check your post details.",
    ),
    ErrorCase::bad(
        "RESOURCE_EXHAUSTED",
        "Rate limit exceeded. Please try again later.",
    ),
];

fn map_error(_status: u16, body: &str) -> Option<ProviderError> {
    first_match(body, CASES)
}

/// The Google Business Profile provider.
#[derive(Debug)]
pub struct Gmb {
    info: ProviderInfo,
    http: Http,
    accounts_api: String,
    info_api: String,
    posts_api: String,
    userinfo_api: String,
    web: String,
    performance_api: String,
    google: super::google::GoogleApp,
}

/// `{year, month, day}` of a `YYYY-MM-DD` (or RFC 3339) date; today when absent.
fn google_date(value: Option<&str>) -> Value {
    let date = value
        .and_then(|v| chrono::NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    json!({"year": date.year(), "month": date.month(), "day": date.day()})
}

/// `{hours, minutes, seconds, nanos}` of an `HH:MM` time.
fn google_time(value: &str) -> Value {
    let mut parts = value
        .split(':')
        .map(|p| p.trim().parse::<u32>().unwrap_or(0));
    json!({"hours": parts.next().unwrap_or(0), "minutes": parts.next().unwrap_or(0), "seconds": 0, "nanos": 0})
}

/// The local post Google's API takes for a message and its settings.
fn local_post(post: &PostDetails) -> Value {
    let s = &post.settings;
    let topic = text_setting(s, "topicType").unwrap_or("STANDARD");
    let mut body = json!({"languageCode": "en", "summary": post.message, "topicType": topic});
    if let (Some(action), Some(url)) = (
        text_setting(s, "callToActionType"),
        text_setting(s, "callToActionUrl"),
    ) {
        if action != "NONE" {
            body["callToAction"] = json!({"actionType": action, "url": url});
        }
    }
    if let Some(m) = post.media.first() {
        let format = if m.kind == MediaKind::Video {
            "VIDEO"
        } else {
            "PHOTO"
        };
        body["media"] = json!([{"mediaFormat": format, "sourceUrl": m.url}]);
    }
    if topic == "EVENT" {
        if let Some(title) = text_setting(s, "eventTitle") {
            let mut schedule = json!({
                "startDate": google_date(text_setting(s, "eventStartDate")),
                "endDate": google_date(text_setting(s, "eventEndDate")),
            });
            if let Some(t) = text_setting(s, "eventStartTime") {
                schedule["startTime"] = google_time(t);
            }
            if let Some(t) = text_setting(s, "eventEndTime") {
                schedule["endTime"] = google_time(t);
            }
            body["event"] = json!({"title": title, "schedule": schedule});
        }
    }
    if topic == "OFFER" {
        let mut offer = json!({});
        for (setting, field) in [
            ("offerCouponCode", "couponCode"),
            ("offerRedeemUrl", "redeemOnlineUrl"),
            ("offerTerms", "termsConditions"),
        ] {
            if let Some(v) = text_setting(s, setting) {
                offer[field] = json!(v);
            }
        }
        body["offer"] = offer;
    }
    body
}

impl Gmb {
    /// Configured from `GOOGLE_GMB_CLIENT_ID`/`_SECRET` (or YouTube's app), and the base URLs
    /// `GMB_ACCOUNTS_URL`, `GMB_INFO_URL`, `GMB_POSTS_URL`, `GMB_WEB_URL`, `YOUTUBE_API_URL`
    /// (userinfo), `GOOGLE_ACCOUNTS_URL`, `GOOGLE_TOKEN_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        let client_id = config
            .get("GOOGLE_GMB_CLIENT_ID")
            .or(config.get("YOUTUBE_CLIENT_ID"))
            .unwrap_or_default();
        let client_secret = config
            .get("GOOGLE_GMB_CLIENT_SECRET")
            .or(config.get("YOUTUBE_CLIENT_SECRET"))
            .unwrap_or_default();
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                two_step: true,
                refreshes: true,
                ..ProviderInfo::basic("gmb", "Google My Business", Editor::Normal, 1500, 3)
            },
            http,
            accounts_api: config.base_url(
                "GMB_ACCOUNTS_URL",
                "https://mybusinessaccountmanagement.googleapis.com",
            ),
            info_api: config.base_url(
                "GMB_INFO_URL",
                "https://mybusinessbusinessinformation.googleapis.com",
            ),
            posts_api: config.base_url("GMB_POSTS_URL", "https://mybusiness.googleapis.com"),
            userinfo_api: config.base_url("YOUTUBE_API_URL", "https://www.googleapis.com"),
            web: config.base_url("GMB_WEB_URL", "https://business.google.com"),
            performance_api: config.base_url(
                "GMB_PERFORMANCE_URL",
                "https://businessprofileperformance.googleapis.com",
            ),
            google: super::google::GoogleApp::new(config, "gmb", client_id, client_secret),
        }
    }

    async fn get(&self, url: String, token: &str) -> ProviderResult<Value> {
        self.http
            .json(self.http.client().get(url).bearer_auth(token), map_error)
            .await
    }

    /// Every location of every account: `(accounts/A/locations/L, title, photo)`.
    async fn locations(&self, token: &str) -> ProviderResult<Vec<Page>> {
        let mut accounts = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let mut url = format!("{}/v1/accounts", self.accounts_api);
            if let Some(p) = &page {
                url = url_with_query(&url, &[("pageToken", p)]);
            }
            let v = self.get(url, token).await?;
            accounts.extend(v["accounts"].as_array().cloned().unwrap_or_default());
            page = v["nextPageToken"].as_str().map(str::to_string);
            if page.is_none() || accounts.len() > 1000 {
                break;
            }
        }
        let mut out = Vec::new();
        for account in accounts {
            let Some(account) = account["name"].as_str() else {
                continue;
            };
            let mut page: Option<String> = None;
            loop {
                let mut params = vec![("readMask", "name,title,storefrontAddress,metadata")];
                if let Some(p) = &page {
                    params.push(("pageToken", p));
                }
                let v = self
                    .get(
                        url_with_query(
                            &format!("{}/v1/{account}/locations", self.info_api),
                            &params,
                        ),
                        token,
                    )
                    .await?;
                for l in v["locations"].as_array().into_iter().flatten() {
                    let Some(name) = l["name"].as_str() else {
                        continue;
                    };
                    out.push(Page {
                        id: format!("{account}/{name}"),
                        name: l["title"]
                            .as_str()
                            .unwrap_or("Unnamed Location")
                            .to_string(),
                        picture: self.photo(token, name).await,
                    });
                }
                page = v["nextPageToken"].as_str().map(str::to_string);
                if page.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The location's profile photo, else its first picture, when it has any.
    async fn photo(&self, token: &str, location: &str) -> Option<String> {
        let v = self
            .get(format!("{}/v1/{location}/media", self.info_api), token)
            .await
            .ok()?;
        let items = v["mediaItems"].as_array()?;
        items
            .iter()
            .find(|m| {
                m["mediaFormat"] == "PHOTO" && m["locationAssociation"]["category"] == "PROFILE"
            })
            .or(items.first())
            .and_then(|m| m["googleUrl"].as_str())
            .map(str::to_string)
    }
}

#[async_trait]
impl Provider for Gmb {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.media.len() > 1 {
            return Err("Google My Business posts can only have one image".into());
        }
        if post
            .media
            .first()
            .is_some_and(|m| m.kind == MediaKind::Video || m.url.contains("mp4"))
        {
            return Err("Google My Business posts do not support video attachments".into());
        }
        if text_setting(&post.settings, "topicType") == Some("EVENT")
            && text_setting(&post.settings, "eventTitle").is_none()
        {
            return Err("Event posts require an event title".into());
        }
        if post.message.chars().count() > self.info.max_length {
            return Err(format!(
                "The post should be at most {} characters long for Google My Business",
                self.info.max_length
            ));
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(self.google.authorize(SCOPES))
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let t = self.google.exchange(&self.http, code).await?;
        let me = self
            .get(
                format!("{}/oauth2/v2/userinfo", self.userinfo_api),
                &t.access_token,
            )
            .await?;
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: me["name"].as_str().unwrap_or_default().to_string(),
            picture: me["picture"].as_str().map(str::to_string),
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
            ..Default::default()
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let t = self
            .google
            .renew(&self.http, stored_refresh_token(auth)?)
            .await?;
        Ok(refreshed(
            auth,
            t.access_token,
            t.refresh_token,
            t.expires_in,
        ))
    }

    async fn pages(&self, auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        self.locations(&auth.access_token).await
    }

    async fn select_page(&self, auth: &ChannelAuth, page_id: &str) -> ProviderResult<AuthTokens> {
        let found = self
            .locations(&auth.access_token)
            .await?
            .into_iter()
            .find(|p| p.id == page_id)
            .ok_or_else(|| ProviderError::bad("Location not found"))?;
        Ok(AuthTokens {
            id: found.id,
            name: found.name,
            picture: found.picture,
            access_token: auth.access_token.clone(),
            refresh_token: auth.refresh_token.clone(),
            ..Default::default()
        })
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        let location = auth
            .internal_id
            .split("/locations/")
            .nth(1)
            .unwrap_or_default();
        if location.is_empty() || !location.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(Vec::new());
        }
        super::stats_more::gmb(
            &self.http,
            &self.performance_api,
            &auth.access_token,
            &format!("locations/{location}"),
            days,
            map_error,
        )
        .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let location = &auth.internal_id;
        if !location.starts_with("accounts/") || location.contains("..") {
            return Err(ProviderError::RefreshNeeded(
                "Choose the business location again".into(),
            ));
        }
        let req = self
            .http
            .client()
            .post(format!("{}/v4/{location}/localPosts", self.posts_api))
            .bearer_auth(&auth.access_token)
            .json(&local_post(post));
        let v: Value = self.http.json(req, map_error).await?;
        if v["state"] == "REJECTED" {
            return Err(ProviderError::bad("Google rejected this post for a content policy violation. Please review the post content and try again."));
        }
        let name = v["name"].as_str().ok_or_else(|| {
            ProviderError::Unknown(
                "Google did not confirm the post creation. Please try again.".into(),
            )
        })?;
        let location_id = location.rsplit('/').next().unwrap_or_default();
        Ok(Published {
            id: name.to_string(),
            url: v["searchUrl"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}/locations/{location_id}", self.web)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_offers_take_googles_shapes() {
        let mut p = crate::networks::test_post(
            json!({"topicType": "EVENT", "eventTitle": "Launch", "eventStartDate": "2027-03-04", "eventEndDate": "2027-03-05T00:00:00Z",
                   "eventStartTime": "09:30", "callToActionType": "LEARN_MORE", "callToActionUrl": "https://x.example"}),
            &[MediaKind::Image],
        );
        let b = local_post(&p);
        assert_eq!(
            b["event"]["schedule"]["startDate"],
            json!({"year": 2027, "month": 3, "day": 4})
        );
        assert_eq!(b["event"]["schedule"]["endDate"]["day"], 5);
        assert_eq!(
            b["event"]["schedule"]["startTime"],
            json!({"hours": 9, "minutes": 30, "seconds": 0, "nanos": 0})
        );
        assert_eq!(
            b["callToAction"],
            json!({"actionType": "LEARN_MORE", "url": "https://x.example"})
        );
        assert_eq!(b["media"][0]["mediaFormat"], "PHOTO");
        p.settings = json!({"topicType": "OFFER", "offerCouponCode": "SAVE10"});
        let b = local_post(&p);
        assert_eq!(b["offer"], json!({"couponCode": "SAVE10"}));
        assert!(b.get("event").is_none());
        assert_eq!(
            map_error(403, r#"{"error":{"status":"PERMISSION_DENIED"}}"#),
            Some(ProviderError::RefreshNeeded(
                "Permission denied. Please ensure you have access to this business location."
                    .into()
            ))
        );
    }
}
