//! X's statistics: the channel's own posts of the period (replies and reposts left out, at
//! most 100 days back, as Postiz reads them) with their public metrics, summed per day; and
//! one post's metrics. `DISABLE_X_ANALYTICS` turns both off, as in Postiz.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::analytics::{snapshot, Series};
use crate::error::ProviderResult;
use crate::http::Http;
use crate::oauth::url_with_query;
use crate::oauth1::Consumer;

/// The metrics shown, in order: X's field and our label.
const METRICS: &[(&str, &str)] = &[
    ("impression_count", "Impressions"),
    ("like_count", "Likes"),
    ("retweet_count", "Retweets"),
    ("reply_count", "Replies"),
    ("quote_count", "Quotes"),
    ("bookmark_count", "Bookmarks"),
];

/// Most pages of 100 posts read for one period.
const MAX_PAGES: usize = 30;

/// Where X's statistics are read.
pub(super) struct XStats<'a> {
    pub http: &'a Http,
    pub api: &'a str,
    pub consumer: &'a Consumer,
    pub map: crate::http::ErrorMapper,
}

impl XStats<'_> {
    /// A signed `GET` of `url`, read as JSON.
    pub(super) async fn get(&self, url: &str, token: (&str, &str)) -> ProviderResult<Value> {
        let header = self.consumer.header("GET", url, &[], &[], Some(token));
        let req = self.http.client().get(url).header("Authorization", header);
        self.http.json(req, self.map).await
    }

    /// The channel's statistics over the last `days` days.
    pub async fn channel(
        &self,
        user: &str,
        token: (&str, &str),
        days: u32,
        now: DateTime<Utc>,
    ) -> ProviderResult<Vec<Value>> {
        let days = days.clamp(1, 100);
        let since = now - Duration::days(i64::from(days));
        let base = format!("{}/2/users/{user}/tweets", self.api);
        let (start, end) = (
            since.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        let mut series: Vec<Series> = METRICS
            .iter()
            .map(|(_, label)| Series::new(*label))
            .collect();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("max_results", "100"),
                ("exclude", "replies,retweets"),
                ("tweet.fields", "public_metrics,created_at"),
                ("start_time", start.as_str()),
                ("end_time", end.as_str()),
            ];
            if let Some(n) = &next {
                query.push(("pagination_token", n));
            }
            let page = self.get(&url_with_query(&base, &query), token).await?;
            for tweet in page["data"].as_array().into_iter().flatten() {
                let Some(day) = tweet["created_at"]
                    .as_str()
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                else {
                    continue;
                };
                for ((field, _), s) in METRICS.iter().zip(series.iter_mut()) {
                    s.add(
                        day.date_naive(),
                        tweet["public_metrics"][field].as_f64().unwrap_or(0.0),
                    );
                }
            }
            next = page["meta"]["next_token"].as_str().map(str::to_string);
            if next.is_none() {
                break;
            }
        }
        if series.iter().all(|s| s.days.is_empty()) {
            return Ok(Vec::new());
        }
        Ok(series
            .iter()
            .map(|s| s.to_json(since.date_naive(), now.date_naive()))
            .collect())
    }

    /// One post's metrics (one point each, today).
    pub async fn post(
        &self,
        id: &str,
        token: (&str, &str),
        now: DateTime<Utc>,
    ) -> ProviderResult<Vec<Value>> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Ok(Vec::new());
        }
        let url = url_with_query(
            &format!("{}/2/tweets/{id}", self.api),
            &[("tweet.fields", "public_metrics,created_at")],
        );
        let v = self.get(&url, token).await?;
        let m = &v["data"]["public_metrics"];
        if m.is_null() {
            return Ok(Vec::new());
        }
        let figures: Vec<(&str, Option<f64>)> = [
            ("impression_count", "Impressions"),
            ("like_count", "Likes"),
            ("retweet_count", "Retweets"),
            ("reply_count", "Replies"),
            ("quote_count", "Quotes"),
            ("bookmark_count", "Bookmarks"),
        ]
        .iter()
        .map(|(field, label)| (*label, m[field].as_f64()))
        .collect();
        Ok(snapshot(now.date_naive(), &figures))
    }
}
