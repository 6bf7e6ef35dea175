//! Meta's insights answers for the Facebook, Instagram and Threads fakes: for each metric
//! asked, three days of daily values (a broken-down `{paid, organic}` value for
//! `page_media_view`, as Graph sends it), or a `total_value` when `metric_type=total_value`
//! or the object is a post (lifetime figures, one `values` entry).

use serde_json::{json, Value};
use std::collections::HashMap;

/// The daily value of a metric `days_ago` days back (deterministic, so tests can sum).
pub fn daily(metric: &str, days_ago: i64) -> u64 {
    (metric.len() as u64) * 10 + (3 - days_ago as u64)
}

/// The `{data: [...]}` answer for `q`'s `metric` list; `post` for a post's insights.
pub fn answer(q: &HashMap<String, String>, post: bool) -> Value {
    let totals = q.get("metric_type").map(String::as_str) == Some("total_value");
    let now = chrono::Utc::now();
    let data: Vec<Value> = q
        .get("metric")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .filter(|m| !m.is_empty())
        .map(|m| {
            if post {
                return json!({"name": m, "period": "lifetime", "values": [{"value": daily(m, 0)}]});
            }
            if totals {
                return json!({"name": m, "period": "day", "total_value": {"value": daily(m, 0) * 3}});
            }
            let values: Vec<Value> = (0..3)
                .rev()
                .map(|ago| {
                    let end = (now - chrono::Duration::days(ago)).format("%Y-%m-%dT08:00:00+0000").to_string();
                    let v = daily(m, ago);
                    let value = if m == "page_media_view" { json!({"paid": 1, "organic": v - 1}) } else { json!(v) };
                    json!({"value": value, "end_time": end})
                })
                .collect();
            json!({"name": m, "period": "day", "values": values})
        })
        .collect();
    json!({"data": data})
}

/// The last three days (oldest first) as `YYYY-MM-DD`, with each one's age in days.
pub fn last_days() -> Vec<(String, i64)> {
    let now = chrono::Utc::now();
    (0..3)
        .rev()
        .map(|ago| {
            (
                (now - chrono::Duration::days(ago))
                    .format("%Y-%m-%d")
                    .to_string(),
                ago,
            )
        })
        .collect()
}
