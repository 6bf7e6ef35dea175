//! Statistics of the networks that report them, against their fakes: Facebook pages,
//! Instagram (both logins) and Threads read Meta's insights (daily values, totals, broken-down
//! values summed) into Postiz's shape; post statistics are single figures.

use postiz_providers::{ChannelAuth, Provider};
use postiz_tests::fakes::insights::daily;
use postiz_tests::fakes::{facebook, instagram, serve, threads};
use serde_json::Value;
use std::sync::Arc;

use crate::providers_articles::provider;

fn auth(id: &str, token: &str) -> ChannelAuth {
    ChannelAuth {
        internal_id: id.into(),
        access_token: token.into(),
        refresh_token: None,
        custom: None,
    }
}

fn find<'a>(stats: &'a [Value], label: &str) -> &'a Value {
    stats
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {stats:?}"))
}

fn total(s: &Value) -> i64 {
    s["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total"].as_i64().unwrap())
        .sum()
}

/// The sum of a metric's three fake days.
fn three_days(metric: &str) -> i64 {
    (0..3).map(|ago| daily(metric, ago) as i64).sum()
}

async fn check_daily(
    p: &Arc<dyn Provider>,
    a: &ChannelAuth,
    label: &str,
    metric: &str,
) -> Vec<Value> {
    let stats = p.analytics(a, 14).await.unwrap();
    let s = find(&stats, label);
    assert_eq!(
        s["data"].as_array().unwrap().len(),
        15,
        "{label}: a point per day"
    );
    assert_eq!(total(s), three_days(metric), "{label}");
    stats
}

#[tokio::test]
async fn facebook_pages_report_insights() {
    let (app, _) = facebook::app();
    let base = serve(app).await;
    let p = provider("facebook", &[("FACEBOOK_GRAPH_URL", &base)]);
    let a = auth(facebook::PAGE_ID, facebook::PAGE_TOKEN);
    let stats = check_daily(&p, &a, "Media views", "page_media_view").await;
    let labels: Vec<&str> = stats.iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "Page Impressions",
            "Media views",
            "Posts Engagement",
            "Page followers"
        ]
    );
    let post = p.post_analytics(&a, "1234567890_55", 7).await.unwrap();
    assert_eq!(
        find(&post, "Reactions")["data"][0]["total"],
        daily("post_reactions_by_type_total", 0)
    );
    assert!(p
        .analytics(&auth(facebook::PAGE_ID, "expired"), 7)
        .await
        .is_err());
}

#[tokio::test]
async fn instagram_accounts_report_daily_values_and_totals() {
    let (app, _) = instagram::app();
    let base = serve(app).await;
    let p = provider(
        "instagram",
        &[
            ("INSTAGRAM_FB_GRAPH_URL", &base),
            ("INSTAGRAM_GRAPH_URL", &base),
        ],
    );
    let a = auth(instagram::IG_ID, instagram::PAGE_TOKEN);
    let stats = check_daily(&p, &a, "Reach", "reach").await;
    assert_eq!(
        total(find(&stats, "Follower Count")),
        three_days("follower_count")
    );
    let likes = find(&stats, "Likes");
    assert_eq!(
        likes["data"].as_array().unwrap().len(),
        1,
        "a total is one point"
    );
    assert_eq!(likes["data"][0]["total"], daily("likes", 0) * 3);
    let post = p.post_analytics(&a, "17900000000000001", 7).await.unwrap();
    assert_eq!(find(&post, "Views")["data"][0]["total"], daily("views", 0));
}

#[tokio::test]
async fn threads_profiles_report_insights() {
    let (app, seen) = threads::app();
    let base = serve(app).await;
    seen.lock().unwrap().tokens.push("th-stats-token".into());
    let p = provider("threads", &[("THREADS_URL", &base)]);
    let a = auth(threads::USER_ID, "th-stats-token");
    check_daily(&p, &a, "Views", "views").await;
    let post = p.post_analytics(&a, "th-post-1", 7).await.unwrap();
    assert_eq!(find(&post, "Likes")["data"][0]["total"], daily("likes", 0));
}
