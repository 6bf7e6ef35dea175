//! Statistics of YouTube (Analytics API reports per day; a video's counters), Pinterest (the
//! account's daily metrics), TikTok and TikTok for Business (the account's counters and its
//! recent videos'), Google Business Profile (daily performance metrics) and LinkedIn pages
//! (page views, followers and shares per day). Each is read with the channel's token and
//! shaped as Postiz shapes it; the provider modules call in here.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::analytics::{snapshot, Series};
use crate::error::ProviderResult;
use crate::http::{ErrorMapper, Http};

/// The period of `days` days ending now: its first and last day, and its start.
pub(super) fn period(days: u32) -> (NaiveDate, NaiveDate, DateTime<Utc>) {
    let now = Utc::now();
    let since = now - Duration::days(i64::from(days));
    (since.date_naive(), now.date_naive(), since)
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str()?.parse().ok())
        .unwrap_or(0.0)
}

fn day_of(v: &Value) -> Option<NaiveDate> {
    let s = v.as_str()?;
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// YouTube Analytics: `reports?ids=channel==MINE&metrics=…&dimensions=day`.
pub(super) async fn youtube(
    http: &Http,
    api: &str,
    token: &str,
    days: u32,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let (from, to, _) = period(days);
    const METRICS: &[(&str, &str, bool)] = &[
        (
            "estimatedMinutesWatched",
            "Estimated Minutes Watched",
            false,
        ),
        ("averageViewDuration", "Average View Duration", true),
        ("averageViewPercentage", "Average View Percentage", true),
        ("subscribersGained", "Subscribers Gained", false),
        ("subscribersLost", "Subscribers Lost", false),
        ("likes", "Likes", false),
    ];
    let metrics: Vec<&str> = METRICS.iter().map(|m| m.0).collect();
    let req = http
        .client()
        .get(format!("{api}/v2/reports"))
        .bearer_auth(token)
        .query(&[
            ("ids", "channel==MINE".to_string()),
            ("startDate", from.to_string()),
            ("endDate", to.to_string()),
            ("metrics", metrics.join(",")),
            ("dimensions", "day".to_string()),
            ("sort", "day".to_string()),
        ]);
    let v: Value = http.json(req, map).await?;
    let columns: Vec<&str> = v["columnHeaders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let rows = v["rows"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let day_col = columns.iter().position(|c| *c == "day").unwrap_or(0);
    Ok(METRICS
        .iter()
        .filter_map(|(metric, label, average)| {
            let col = columns.iter().position(|c| c == metric)?;
            let mut s = Series::new(*label);
            for r in &rows {
                if let Some(day) = day_of(&r[day_col]) {
                    s.add(day, num(&r[col]));
                }
            }
            let mut out = s.to_json(from, to);
            if *average {
                out["average"] = json!(true);
            }
            Some(out)
        })
        .collect())
}

/// A YouTube video's counters.
pub(super) async fn youtube_video(
    http: &Http,
    api: &str,
    token: &str,
    id: &str,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let req = http
        .client()
        .get(format!("{api}/youtube/v3/videos"))
        .bearer_auth(token)
        .query(&[("part", "statistics,snippet"), ("id", id)]);
    let v: Value = http.json(req, map).await?;
    let s = &v["items"][0]["statistics"];
    if s.is_null() {
        return Ok(Vec::new());
    }
    Ok(snapshot(
        Utc::now().date_naive(),
        &[
            ("Views", Some(num(&s["viewCount"]))),
            ("Likes", Some(num(&s["likeCount"]))),
            ("Comments", Some(num(&s["commentCount"]))),
            ("Favorites", Some(num(&s["favoriteCount"]))),
        ],
    ))
}

/// Pinterest: `user_account/analytics` daily metrics.
pub(super) async fn pinterest(
    http: &Http,
    api: &str,
    token: &str,
    days: u32,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let (from, to, _) = period(days.min(90));
    let req = http
        .client()
        .get(format!("{api}/v5/user_account/analytics"))
        .bearer_auth(token)
        .query(&[
            ("start_date", from.to_string()),
            ("end_date", to.to_string()),
        ]);
    let v: Value = http.json(req, map).await?;
    const METRICS: &[(&str, &str)] = &[
        ("PIN_CLICK_RATE", "Pin click rate"),
        ("IMPRESSION", "Impressions"),
        ("PIN_CLICK", "Pin Clicks"),
        ("ENGAGEMENT", "Engagement"),
        ("SAVE", "Saves"),
    ];
    let daily = v["all"]["daily_metrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if daily.is_empty() {
        return Ok(Vec::new());
    }
    Ok(METRICS
        .iter()
        .map(|(metric, label)| {
            let mut s = Series::new(*label);
            for d in &daily {
                if let (Some(day), false) = (day_of(&d["date"]), d["metrics"][metric].is_null()) {
                    s.add(day, num(&d["metrics"][metric]));
                }
            }
            s.to_json(from, to)
        })
        .collect())
}

/// A pin's lifetime figures.
pub(super) async fn pinterest_pin(
    http: &Http,
    api: &str,
    token: &str,
    pin: &str,
    days: u32,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let (from, to, _) = period(days.min(90));
    let req = http
        .client()
        .get(format!("{api}/v5/pins/{pin}/analytics"))
        .bearer_auth(token)
        .query(&[
            ("start_date", from.to_string()),
            ("end_date", to.to_string()),
            (
                "metric_types",
                "IMPRESSION,PIN_CLICK,OUTBOUND_CLICK,SAVE".to_string(),
            ),
        ]);
    let v: Value = http.json(req, map).await?;
    let t = &v["all"]["lifetime_metrics"];
    if t.is_null() {
        return Ok(Vec::new());
    }
    Ok(snapshot(
        to,
        &[
            ("Impressions", t["IMPRESSION"].as_f64()),
            ("Pin Clicks", t["PIN_CLICK"].as_f64()),
            ("Outbound Clicks", t["OUTBOUND_CLICK"].as_f64()),
            ("Saves", t["SAVE"].as_f64()),
        ],
    ))
}

/// TikTok (Login Kit): the account's counters, and its recent videos' summed.
pub(super) async fn tiktok(
    http: &Http,
    api: &str,
    token: &str,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let today = Utc::now().date_naive();
    let req = http
        .client()
        .get(format!("{api}/v2/user/info/"))
        .bearer_auth(token)
        .query(&[(
            "fields",
            "follower_count,following_count,likes_count,video_count",
        )]);
    let v: Value = http.json(req, map).await?;
    let u = &v["data"]["user"];
    let mut out = snapshot(
        today,
        &[
            ("Followers", u["follower_count"].as_f64()),
            ("Following", u["following_count"].as_f64()),
            ("Total Likes", u["likes_count"].as_f64()),
            ("Videos", u["video_count"].as_f64()),
        ],
    );
    let req = http
        .client()
        .post(format!("{api}/v2/video/list/"))
        .bearer_auth(token)
        .query(&[(
            "fields",
            "id,like_count,comment_count,share_count,view_count",
        )])
        .json(&json!({"max_count": 20}));
    let list: Value = http.json(req, map).await?;
    let videos = list["data"]["videos"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !videos.is_empty() {
        let sum = |k: &str| Some(videos.iter().map(|v| num(&v[k])).sum::<f64>());
        out.extend(snapshot(
            today,
            &[
                ("Views", sum("view_count")),
                ("Recent Likes", sum("like_count")),
                ("Recent Comments", sum("comment_count")),
                ("Recent Shares", sum("share_count")),
            ],
        ));
    }
    Ok(out)
}

/// A TikTok video's counters (`video/query`).
pub(super) async fn tiktok_video(
    http: &Http,
    api: &str,
    token: &str,
    id: &str,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let req = http
        .client()
        .post(format!("{api}/v2/video/query/"))
        .bearer_auth(token)
        .query(&[(
            "fields",
            "id,like_count,comment_count,share_count,view_count",
        )])
        .json(&json!({"filters": {"video_ids": [id]}}));
    let v: Value = http.json(req, map).await?;
    let video = &v["data"]["videos"][0];
    if video.is_null() {
        return Ok(Vec::new());
    }
    Ok(snapshot(
        Utc::now().date_naive(),
        &[
            ("Views", video["view_count"].as_f64()),
            ("Likes", video["like_count"].as_f64()),
            ("Comments", video["comment_count"].as_f64()),
            ("Shares", video["share_count"].as_f64()),
        ],
    ))
}

/// Google Business Profile performance metrics per day for `location` (`locations/L`).
pub(super) async fn gmb(
    http: &Http,
    api: &str,
    token: &str,
    location: &str,
    days: u32,
    map: ErrorMapper,
) -> ProviderResult<Vec<Value>> {
    let (from, to, _) = period(days);
    const METRICS: &[(&str, &str)] = &[
        ("WEBSITE_CLICKS", "Website Clicks"),
        ("CALL_CLICKS", "Phone Calls"),
        ("BUSINESS_DIRECTION_REQUESTS", "Direction Requests"),
        ("BUSINESS_IMPRESSIONS_DESKTOP_MAPS", "Desktop Map Views"),
        ("BUSINESS_IMPRESSIONS_MOBILE_MAPS", "Mobile Map Views"),
    ];
    use chrono::Datelike;
    let mut query: Vec<(String, String)> = METRICS
        .iter()
        .map(|(m, _)| ("dailyMetrics".to_string(), m.to_string()))
        .collect();
    for (bound, d) in [("startDate", from), ("endDate", to)] {
        query.push((format!("dailyRange.{bound}.year"), d.year().to_string()));
        query.push((format!("dailyRange.{bound}.month"), d.month().to_string()));
        query.push((format!("dailyRange.{bound}.day"), d.day().to_string()));
    }
    let req = http
        .client()
        .get(format!(
            "{api}/v1/{location}:fetchMultiDailyMetricsTimeSeries"
        ))
        .bearer_auth(token)
        .query(&query);
    let v: Value = http.json(req, map).await?;
    let series = v["multiDailyMetricTimeSeries"][0]["dailyMetricTimeSeries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(series
        .iter()
        .filter_map(|s| {
            let metric = s["dailyMetric"].as_str()?;
            let label = METRICS
                .iter()
                .find(|(m, _)| *m == metric)
                .map_or(metric, |(_, l)| *l);
            let mut out = Series::new(label);
            for dv in s["timeSeries"]["datedValues"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let d = &dv["date"];
                let day = NaiveDate::from_ymd_opt(
                    d["year"].as_i64()? as i32,
                    d["month"].as_u64()? as u32,
                    d["day"].as_u64()? as u32,
                )?;
                out.add(day, num(&dv["value"]));
            }
            Some(out.to_json(from, to))
        })
        .collect())
}

/// TikTok for Business: the account's counters (`business/get` with metrics fields).
pub(super) async fn tiktok_business(
    http: &Http,
    api: &str,
    token: &str,
    business: &str,
    days: u32,
) -> ProviderResult<Vec<Value>> {
    let (from, to, _) = period(days.min(60));
    let fields = json!([
        "followers_count",
        "video_views",
        "likes",
        "comments",
        "shares",
        "profile_views"
    ])
    .to_string();
    let req = http
        .client()
        .get(format!("{api}/business/get/"))
        .header("access-token", token)
        .query(&[
            ("business_id", business),
            ("fields", fields.as_str()),
            ("start_date", &from.to_string()),
            ("end_date", &to.to_string()),
        ]);
    let v: Value = http.json(req, crate::http::no_mapping).await?;
    if v["code"] != 0 {
        return Err(crate::ProviderError::bad(
            v["message"]
                .as_str()
                .unwrap_or("TikTok refused the request"),
        ));
    }
    const METRICS: &[(&str, &str)] = &[
        ("video_views", "Views"),
        ("likes", "Likes"),
        ("comments", "Comments"),
        ("shares", "Shares"),
        ("profile_views", "Profile Views"),
        ("followers_count", "Followers"),
    ];
    let daily = v["data"]["metrics"].as_array().cloned().unwrap_or_default();
    if daily.is_empty() {
        return Ok(Vec::new());
    }
    Ok(METRICS
        .iter()
        .map(|(metric, label)| {
            let mut s = Series::new(*label);
            for d in &daily {
                if let Some(day) = day_of(&d["date"]) {
                    s.add(day, num(&d[metric]));
                }
            }
            s.to_json(from, to)
        })
        .collect())
}

/// LinkedIn page statistics per day: page views, follower gains, share statistics.
pub(super) async fn linkedin_page(
    http: &Http,
    api: &str,
    token: &str,
    organization: &str,
    days: u32,
    map: ErrorMapper,
    headers: &[(&str, &str)],
) -> ProviderResult<Vec<Value>> {
    let (from, to, since) = period(days);
    let org = format!("urn:li:organization:{organization}");
    // Rest.li 2.0: the structure of `timeIntervals` stays literal, only the URN is encoded.
    let range = format!(
        "(timeRange:(start:{},end:{}),timeGranularityType:DAY)",
        since.timestamp_millis(),
        Utc::now().timestamp_millis()
    );
    let urn: String = url::form_urlencoded::byte_serialize(org.as_bytes()).collect();
    let get = |path: &str, key: &str| {
        let mut req = http
            .client()
            .get(format!(
                "{api}{path}?q={key}&{key}={urn}&timeIntervals={range}"
            ))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req
    };
    let pages: Value = http
        .json(get("/v2/organizationPageStatistics", "organization"), map)
        .await?;
    let followers: Value = http
        .json(
            get(
                "/v2/organizationalEntityFollowerStatistics",
                "organizationalEntity",
            ),
            map,
        )
        .await?;
    let shares: Value = http
        .json(
            get(
                "/v2/organizationalEntityShareStatistics",
                "organizationalEntity",
            ),
            map,
        )
        .await?;
    let mut out: Vec<Series> = [
        "Page Views",
        "Organic Followers",
        "Paid Followers",
        "Clicks",
        "Shares",
        "Engagement",
        "Comments",
    ]
    .iter()
    .map(|l| Series::new(*l))
    .collect();
    let start = |e: &Value| {
        e["timeRange"]["start"]
            .as_i64()
            .and_then(DateTime::from_timestamp_millis)
            .map(|t| t.date_naive())
    };
    for e in pages["elements"].as_array().into_iter().flatten() {
        if let Some(d) = start(e) {
            out[0].add(
                d,
                num(&e["totalPageStatistics"]["views"]["allPageViews"]["pageViews"]),
            );
        }
    }
    for e in followers["elements"].as_array().into_iter().flatten() {
        if let Some(d) = start(e) {
            out[1].add(d, num(&e["followerGains"]["organicFollowerGain"]));
            out[2].add(d, num(&e["followerGains"]["paidFollowerGain"]));
        }
    }
    for e in shares["elements"].as_array().into_iter().flatten() {
        if let Some(d) = start(e) {
            let t = &e["totalShareStatistics"];
            out[3].add(d, num(&t["clickCount"]));
            out[4].add(d, num(&t["shareCount"]));
            out[5].add(d, num(&t["engagement"]));
            out[6].add(d, num(&t["commentCount"]));
        }
    }
    if out.iter().all(|s| s.days.is_empty()) {
        return Ok(Vec::new());
    }
    Ok(out.iter().map(|s| s.to_json(from, to)).collect())
}
