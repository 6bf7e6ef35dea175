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

fn with_token(tokens: &mut Vec<String>, token: &str) {
    tokens.push(token.to_string());
}

#[tokio::test]
async fn youtube_pinterest_and_tiktok_report_their_statistics() {
    use postiz_tests::fakes::{pinterest, tiktok, youtube};
    let (yt, yt_seen) = youtube::app();
    let (pin, pin_seen) = pinterest::app();
    let (tt, tt_seen) = tiktok::app();
    let (yt, pin, tt) = (serve(yt).await, serve(pin).await, serve(tt).await);
    with_token(&mut yt_seen.lock().unwrap().access, "yt-stats");
    with_token(&mut pin_seen.lock().unwrap().access, "pin-stats");
    with_token(&mut tt_seen.lock().unwrap().access, "tt-stats");

    let p = provider(
        "youtube",
        &[("YOUTUBE_API_URL", &yt), ("YOUTUBE_ANALYTICS_URL", &yt)],
    );
    let a = auth("UC1", "yt-stats");
    let stats = check_daily(&p, &a, "Likes", "likes").await;
    assert_eq!(find(&stats, "Average View Duration")["average"], true);
    let video = p.post_analytics(&a, "vid-1", 7).await.unwrap();
    assert_eq!(find(&video, "Views")["data"][0]["total"], 1200);

    let p = provider("pinterest", &[("PINTEREST_URL", &pin)]);
    let a = auth("pin-user-1", "pin-stats");
    check_daily(&p, &a, "Impressions", "IMPRESSION").await;
    let pin_stats = p.post_analytics(&a, "pin-9", 7).await.unwrap();
    assert_eq!(find(&pin_stats, "Saves")["data"][0]["total"], 6);

    let p = provider("tiktok", &[("TIKTOK_URL", &tt)]);
    let a = auth("tt-open-1", "tt-stats");
    let stats = p.analytics(&a, 30).await.unwrap();
    assert_eq!(find(&stats, "Followers")["data"][0]["total"], 1500);
    assert_eq!(
        find(&stats, "Views")["data"][0]["total"],
        1500,
        "the recent videos summed"
    );
    let video = p
        .post_analytics(&a, "7300000000000000001", 7)
        .await
        .unwrap();
    assert_eq!(find(&video, "Likes")["data"][0]["total"], 100);
}

#[tokio::test]
async fn business_profiles_and_linkedin_pages_report_daily_statistics() {
    use postiz_tests::fakes::{gmb, linkedin, tiktok_business};
    let (g, _) = gmb::app();
    let (tb, _) = tiktok_business::app();
    let (li, li_seen) = linkedin::app();
    let (g, tb, li) = (serve(g).await, serve(tb).await, serve(li).await);
    with_token(&mut li_seen.lock().unwrap().access, "li-stats");

    let p = provider("gmb", &[("GMB_PERFORMANCE_URL", &g)]);
    let a = auth("accounts/111/locations/9001", "ya29.gmb");
    let stats = check_daily(&p, &a, "Website Clicks", "WEBSITE_CLICKS").await;
    assert_eq!(stats.len(), 5);

    let p = provider(
        "tiktok-business",
        &[("TIKTOK_BUSINESS_URL", &format!("{tb}/open_api/v1.3"))],
    );
    let a = auth("-000abcOPEN", "act.business");
    check_daily(&p, &a, "Views", "video_views").await;

    let p = provider("linkedin-page", &[("LINKEDIN_URL", &li)]);
    let a = auth("2414183", "li-stats");
    let stats = check_daily(&p, &a, "Page Views", "pageViews").await;
    assert_eq!(
        total(find(&stats, "Organic Followers")),
        three_days("organicFollowerGain")
    );
    let person = provider("linkedin", &[("LINKEDIN_URL", &li)]);
    assert!(
        person.analytics(&a, 7).await.unwrap().is_empty(),
        "a person has no page statistics"
    );
}
