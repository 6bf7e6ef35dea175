//! The helpers Reddit's editor settings call (`/integrations/function`, Postiz's `@Tool`s):
//! `subreddits` (search by name) and `restrictions` (what a subreddit accepts and its flairs).

use serde_json::{json, Value};

use crate::error::ProviderResult;
use crate::http::{no_mapping, Http};

/// Public subreddits matching `word` that take more than images, as
/// `[{title, name: "/r/x/", id}]`.
pub(super) async fn subreddits(
    http: &Http,
    api: &str,
    token: &str,
    data: &Value,
) -> ProviderResult<Value> {
    let word = data["word"].as_str().unwrap_or_default();
    let req = http
        .client()
        .get(format!("{api}/subreddits/search"))
        .query(&[
            ("show", "public"),
            ("q", word),
            ("sort", "activity"),
            ("show_users", "false"),
            ("limit", "10"),
        ])
        .bearer_auth(token);
    let v: Value = http.json(req, no_mapping).await?;
    let found: Vec<Value> = v["data"]["children"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| &c["data"])
        .filter(|d| d["subreddit_type"] == "public" && d["submission_type"] != "image")
        .map(|d| json!({"title": d["title"], "name": d["url"], "id": d["id"]}))
        .collect();
    Ok(Value::Array(found))
}

/// The kinds of posts a subreddit takes, as Postiz names them.
fn permissions(submission_type: &str, allow_images: bool) -> Vec<&'static str> {
    let mut allow = Vec::new();
    if matches!(submission_type, "any" | "self") {
        allow.push("self");
    }
    if matches!(submission_type, "any" | "link") {
        allow.push("link");
    }
    if allow_images {
        allow.push("media");
    }
    allow
}

/// What `/r/x` accepts: `{subreddit, allow, is_flair_required, flairs: [{id, name}]}` (the
/// flairs are optional: a subreddit that hides them has none).
pub(super) async fn restrictions(
    http: &Http,
    api: &str,
    token: &str,
    data: &Value,
) -> ProviderResult<Value> {
    let subreddit = data["subreddit"].as_str().unwrap_or_default();
    let name = subreddit
        .trim_matches('/')
        .trim_start_matches("r/")
        .trim_matches('/');
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(crate::error::ProviderError::bad(
            "subreddit must be /r/<name>",
        ));
    }
    let get = |path: String| http.client().get(format!("{api}{path}")).bearer_auth(token);
    let about: Value = http
        .json(get(format!("/r/{name}/about")), no_mapping)
        .await?;
    let requirements: Value = http
        .json(get(format!("/api/v1/{name}/post_requirements")), no_mapping)
        .await?;
    let flairs: Vec<Value> = match http
        .json::<Value>(get(format!("/r/{name}/api/link_flair_v2")), no_mapping)
        .await
    {
        Ok(list) => list
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| json!({"id": f["id"], "name": f["text"]}))
            .collect(),
        Err(_) => Vec::new(),
    };
    let about = &about["data"];
    Ok(json!({
        "subreddit": subreddit,
        "allow": permissions(
            about["submission_type"].as_str().unwrap_or("any"),
            about["allow_images"].as_bool().unwrap_or(false),
        ),
        "is_flair_required": requirements["is_flair_required"].as_bool().unwrap_or(false)
            && !flairs.is_empty(),
        "flairs": flairs,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn permissions_follow_the_submission_type() {
        assert_eq!(super::permissions("any", true), ["self", "link", "media"]);
        assert_eq!(super::permissions("self", false), ["self"]);
        assert_eq!(super::permissions("link", true), ["link", "media"]);
    }
}
