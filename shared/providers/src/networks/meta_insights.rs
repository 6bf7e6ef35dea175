//! Statistics from Meta's insights edges (Facebook pages, Instagram accounts, Threads
//! profiles, and their posts): `data: [{name, values: [{value, end_time}]}]` for daily
//! metrics, `data: [{name, total_value: {value}}]` for totals; a value may be broken down
//! (`{paid: 1, organic: 2}`) and is then summed.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::analytics::{snapshot, Series};
use crate::error::ProviderResult;
use crate::http::{ErrorMapper, Http};

/// A value, or the sum of a broken-down one.
fn amount(v: &Value) -> f64 {
    match v {
        Value::Object(parts) => parts.values().map(amount).sum(),
        other => other
            .as_f64()
            .or_else(|| other.as_str()?.parse().ok())
            .unwrap_or(0.0),
    }
}

/// One insights read: `GET {url}` with `query` and the token as `access_token`.
pub(super) async fn read(
    http: &Http,
    url: &str,
    query: &[(&str, String)],
    token: &str,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let mut q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    q.push(("access_token", token));
    let v: Value = http.json(http.client().get(url).query(&q), map).await?;
    Ok(v["data"].as_array().cloned().unwrap_or_default())
}

/// Where and how one object's insights are read.
pub(super) struct Insights<'a> {
    /// The HTTP client.
    pub http: &'a Http,
    /// The insights edge (`…/{id}/insights`).
    pub url: String,
    /// The access token.
    pub token: &'a str,
    /// The network's error reading.
    pub map: ErrorMapper,
    /// The label of each metric name.
    pub label: fn(&str) -> String,
}

impl Insights<'_> {
    /// The account's metrics over the last `days` days: one read per entry of `reads` (its
    /// own query pairs, the period added), shaped as one list.
    pub async fn over_days(
        &self,
        days: u32,
        reads: &[&[(&str, &str)]],
    ) -> ProviderResult<Vec<Value>> {
        let now = Utc::now();
        let since = now - chrono::Duration::days(i64::from(days));
        let window = [
            ("period", "day".to_string()),
            ("since", since.timestamp().to_string()),
            ("until", now.timestamp().to_string()),
        ];
        let mut metrics = Vec::new();
        for pairs in reads {
            let mut query: Vec<(&str, String)> =
                pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
            query.extend(window.iter().cloned());
            metrics.extend(read(self.http, &self.url, &query, self.token, self.map).await?);
        }
        Ok(channel(
            &metrics,
            since.date_naive(),
            now.date_naive(),
            self.label,
        ))
    }

    /// One lifetime `metric` of a post (its first value, or its total), if reported.
    pub async fn lifetime(&self, metric: &str) -> ProviderResult<Option<f64>> {
        let found = read(
            self.http,
            &self.url,
            &[("metric", metric.to_string())],
            self.token,
            self.map,
        )
        .await?;
        Ok(found.iter().find(|m| m["name"] == metric).and_then(|m| {
            let v = &m["values"][0]["value"];
            if v.is_null() {
                m.get("total_value").map(|t| amount(&t["value"]))
            } else {
                Some(amount(v))
            }
        }))
    }

    /// A post's lifetime `metrics` (comma-separated), today.
    pub async fn post_figures(&self, metrics: &str) -> ProviderResult<Vec<Value>> {
        let found = read(
            self.http,
            &self.url,
            &[("metric", metrics.to_string())],
            self.token,
            self.map,
        )
        .await?;
        Ok(post(&found, Utc::now(), self.label))
    }
}

/// The metrics of a channel over `since..=until` in Postiz's shape, named by `label`.
pub(super) fn channel(
    metrics: &[Value],
    since: NaiveDate,
    until: NaiveDate,
    label: fn(&str) -> String,
) -> Vec<Value> {
    metrics
        .iter()
        .filter_map(|m| {
            let name = label(m["name"].as_str()?);
            if let Some(values) = m["values"].as_array() {
                let mut s = Series::new(name);
                for v in values {
                    let day = v["end_time"]
                        .as_str()
                        .and_then(|t| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%z").ok())
                        .map_or(until, |t| t.date_naive());
                    s.add(day, amount(&v["value"]));
                }
                Some(s.to_json(since, until))
            } else {
                let total = amount(&m["total_value"]["value"]);
                snapshot(until, &[(name.as_str(), Some(total))]).pop()
            }
        })
        .collect()
}

/// The figures of one post (its lifetime totals), today.
pub(super) fn post(
    metrics: &[Value],
    today: DateTime<Utc>,
    label: fn(&str) -> String,
) -> Vec<Value> {
    let figures: Vec<(String, Option<f64>)> = metrics
        .iter()
        .filter_map(|m| {
            let value = m["values"][0]["value"].clone();
            let value = if value.is_null() {
                m["total_value"]["value"].clone()
            } else {
                value
            };
            Some((
                label(m["name"].as_str()?),
                (!value.is_null()).then(|| amount(&value)),
            ))
        })
        .collect();
    let borrowed: Vec<(&str, Option<f64>)> =
        figures.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    snapshot(today.date_naive(), &borrowed)
}

/// `views` → `Views`, `follower_count` → `Follower count`.
pub(super) fn capitalized(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn daily_values_and_totals_take_postiz_shape() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let metrics = vec![
            json!({"name": "page_media_view", "values": [
                {"value": {"paid": 1, "organic": 2}, "end_time": "2026-12-02T08:00:00+0000"},
                {"value": 4, "end_time": "2026-12-03T08:00:00+0000"}]}),
            json!({"name": "likes", "total_value": {"value": 9}}),
        ];
        let out = channel(&metrics, d(1), d(3), capitalized);
        assert_eq!(out[0]["label"], "Page media view");
        assert_eq!(
            out[0]["data"],
            json!([{"total": 0, "date": "2026-12-01"}, {"total": 3, "date": "2026-12-02"}, {"total": 4, "date": "2026-12-03"}])
        );
        assert_eq!(out[1]["data"], json!([{"total": 9, "date": "2026-12-03"}]));
    }
}
