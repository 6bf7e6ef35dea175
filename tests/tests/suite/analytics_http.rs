//! Channel and post statistics through the server, on a connected fake X channel: Postiz's
//! `[{label, data: [{total, date}], percentageChange}]` shape with a point per day, kept an
//! hour per (organization, channel, days) so a reload does not reach the network, the public
//! API's routes, post statistics once published, and no reading across organizations.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

use crate::util::Session;

fn series<'a>(stats: &'a Value, label: &str) -> &'a Value {
    stats
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {stats}"))
}

fn sum(s: &Value) -> i64 {
    s["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total"].as_i64().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_statistics_are_read_once_an_hour_per_period() {
    let (srv, _data, seen) = crate::util::x_server().await;
    let (s, _) = Session::register(&srv.base).await;
    let channel = crate::util::connect_x(&s).await;

    let month = s.get(&format!("/analytics/{channel}?date=30")).await;
    let labels: Vec<&str> = month
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Impressions",
            "Likes",
            "Retweets",
            "Replies",
            "Quotes",
            "Bookmarks"
        ]
    );
    let impressions = series(&month, "Impressions");
    assert_eq!(
        impressions["data"].as_array().unwrap().len(),
        31,
        "a point for each day and today"
    );
    assert_eq!(sum(impressions), 1700, "the three posts of the month");
    assert_eq!(sum(series(&month, "Likes")), 54);
    assert!(
        impressions["percentageChange"].as_f64().unwrap() > 0.0,
        "the recent half did better: {impressions}"
    );
    let date = impressions["data"][0]["date"].as_str().unwrap();
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{date}"
    );
    let reads = seen.lock().unwrap().timeline_reads;
    assert_eq!(reads, 3, "one page per post, all pages read");

    // A reload within the hour, from the web app or the public API: no call to X.
    assert_eq!(s.get(&format!("/analytics/{channel}?date=30")).await, month);
    let key = postiz_tests::client::api_key(&s.http, &s.base, &s.token).await;
    let public: Value = s
        .http
        .get(format!("{}/public/v1/analytics/{channel}?date=30", s.base))
        .header("authorization", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public, month);
    assert_eq!(seen.lock().unwrap().timeline_reads, reads, "kept an hour");

    // Another period is another read.
    let week = s.get(&format!("/analytics/{channel}?date=7")).await;
    assert_eq!(sum(series(&week, "Impressions")), 1500);
    assert_eq!(
        series(&week, "Impressions")["data"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    assert!(seen.lock().unwrap().timeline_reads > reads);

    // Another organization reads nothing of it.
    let (other, _) = Session::register(&srv.base).await;
    let (status, _) = other
        .call(
            reqwest::Method::GET,
            &format!("/analytics/{channel}?date=30"),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // A published post's own statistics.
    let (status, created) = s
        .call(
            reqwest::Method::POST,
            "/posts",
            Some(json!({
                "type": "now", "date": chrono::Utc::now().to_rfc3339(), "shortLink": false, "tags": [],
                "posts": [{"integration": {"id": channel}, "settings": {"__type": "x", "who_can_reply_post": "everyone"},
                           "value": [{"content": "<p>stats please</p>", "image": []}]}],
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let post = created[0]["postId"].as_str().unwrap().to_string();
    let before = s.get(&format!("/analytics/post/{post}?date=7")).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = s.get(&format!("/posts/{post}")).await;
        if t["posts"][0]["state"] == "PUBLISHED" {
            break;
        }
        assert!(Instant::now() < deadline, "not published: {t}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Read while the post was being published: nothing yet (and nothing kept that would
    // hide the figures later), or already its figures.
    assert!(
        before == json!([]) || series(&before, "Likes")["data"][0]["total"] == 7,
        "{before}"
    );
    let stats = s.get(&format!("/analytics/post/{post}?date=7")).await;
    assert_eq!(series(&stats, "Likes")["data"][0]["total"], 7, "{stats}");
    assert_eq!(series(&stats, "Impressions")["data"][0]["total"], 77);
    let lookups = seen.lock().unwrap().lookups;
    let again: Value = s
        .http
        .get(format!("{}/public/v1/analytics/post/{post}?date=7", s.base))
        .header("authorization", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, stats);
    assert_eq!(seen.lock().unwrap().lookups, lookups, "kept an hour too");
}
