//! `GET /openapi.json` on a real `postiz-server`: the OpenAPI 3.1 document generated from the
//! public API's code. Every operation in it is served (no routing 404, no 405), every route
//! the public-api function registers is in it, and its security matches the server's.

use postiz_tests::Running;
use reqwest::{Client, Method};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(METHOD, path)` of every operation of the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            item.keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The path with every `{param}` filled with a dummy id.
fn fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("a closing brace") + open;
        out.push_str(&rest[..open]);
        out.push_str("dummy-id-123");
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether an answer is the router's own "no such route" (Nest's `Cannot GET /x`) or 405,
/// as opposed to a handler's answer (which may be a 404 for an unknown id).
fn unrouted(status: u16, body: &Value) -> bool {
    status == 405
        || (status == 404
            && body["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Cannot ")))
}

async fn call(
    http: &Client,
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
) -> (u16, Value) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = http.request(method.clone(), format!("{base}{path}"));
    if let Some(k) = key {
        r = r.header("Authorization", k);
    }
    if method == Method::POST || method == Method::PUT {
        r = r.header("Content-Type", "application/json").body("{}");
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `(METHOD, path)` of every `#[utoipa::path(...)]` in the public-api sources, with the
/// handler it documents (`module::fn`).
fn annotated() -> Vec<(String, String, String)> {
    let dir = postiz_tests::repo_root().join("functions/public-api/src");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_str().unwrap().to_string();
        let src = std::fs::read_to_string(&path).unwrap();
        for block in src.split("#[utoipa::path(").skip(1) {
            let method = block
                .trim_start()
                .split(|c: char| c == ',' || c.is_whitespace())
                .next()
                .unwrap()
                .to_uppercase();
            let route = block
                .split("path = \"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("a path in #[utoipa::path]")
                .to_string();
            let handler = block
                .split("async fn ")
                .nth(1)
                .and_then(|s| s.split('(').next())
                .expect("a handler after #[utoipa::path]")
                .to_string();
            found.push((method, route, format!("{module}::{handler}")));
        }
    }
    found
}

/// The document the public-api Lambda embeds is the one every function's registration
/// builds (`POSTIZ_UPDATE_OPENAPI=1` rewrites the file instead of failing).
#[test]
fn the_embedded_document_is_the_built_one() {
    let built = postiz_server::openapi_json();
    let file = postiz_tests::repo_root().join("functions/public-api/openapi.json");
    if std::env::var("POSTIZ_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&file, &built).unwrap();
    }
    assert!(
        postiz_public_api_fn::openapi::DOCUMENT == built,
        "functions/public-api/openapi.json is stale: run `postiz-server openapi > functions/public-api/openapi.json` (or this test with POSTIZ_UPDATE_OPENAPI=1)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_served_and_matches_the_router() {
    let data = tempfile::tempdir().unwrap();
    let server = Running::server(&[("DATA_DIR", data.path().display().to_string())])
        .ready(Duration::from_secs(30))
        .await;
    let base = server.base.clone();
    let http = Client::new();

    // Served without a key, as JSON, equal to the document the code builds.
    let r = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Postiz-compatible public API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        doc,
        serde_json::to_value(postiz_server::openapi()).unwrap(),
        "the served document is the one the code builds"
    );

    // The API key in `Authorization`, required everywhere but on the document itself.
    let scheme = &doc["components"]["securitySchemes"]["apiKey"];
    assert_eq!(
        (&scheme["type"], &scheme["in"], &scheme["name"]),
        (
            &Value::from("apiKey"),
            &Value::from("header"),
            &Value::from("Authorization")
        )
    );
    assert_eq!(doc["security"], serde_json::json!([{"apiKey": []}]));

    // The public API's operations; the internal API's are checked further down.
    let (ops, internal): (BTreeSet<_>, BTreeSet<_>) = operations(&doc)
        .into_iter()
        .partition(|(_, p)| p.starts_with("/public/v1/") || p == "/openapi.json");
    assert!(ops.len() >= 25, "{} operations: {ops:?}", ops.len());
    let mut ids = BTreeSet::new();
    for (method, path) in &ops {
        let op = &doc["paths"][path][method.to_lowercase()];
        let id = op["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} documents no response"
        );
        if path == "/openapi.json" {
            assert_eq!(op["security"], serde_json::json!([]));
        } else {
            assert!(op.get("security").is_none(), "{method} {path}");
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path}: no 401"
            );
        }
    }
    // Our extensions say so.
    for (method, path) in [
        ("get", "/public/v1/posts/{id}"),
        ("put", "/public/v1/posts/{id}"),
    ] {
        let d = doc["paths"][path][method]["description"].as_str().unwrap();
        assert!(d.contains("Extension"), "{method} {path}: {d}");
    }
    let create = &doc["paths"]["/public/v1/posts"]["post"];
    let idem = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .expect("Idempotency-Key is documented");
    assert_eq!(
        (&idem["in"], &idem["required"]),
        (&Value::from("header"), &Value::from(false))
    );
    assert!(idem["description"].as_str().unwrap().contains("Extension"));
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreatePost"
    );
    assert!(
        doc["paths"]["/public/v1/upload"]["post"]["requestBody"]["content"]["multipart/form-data"]
            .is_object()
    );

    let (_, token) = crate::util::register(&http, &base).await;
    let key = crate::util::api_key(&http, &base, &token).await;

    // The two detectors below do fire: on a route that does not exist, on a wrong method.
    let (s, b) = call(&http, &base, "GET", "/public/v1/not-a-route", Some(&key)).await;
    assert!(unrouted(s, &b), "{s} {b}");
    let (s, b) = call(&http, &base, "PATCH", "/public/v1/posts", Some(&key)).await;
    assert!(unrouted(s, &b), "{s} {b}");

    // The internal API: each function's routes, from the one registration that builds its
    // router, each routed, and 401 without a session but for sign-up, login and resets.
    let registered_internal = postiz_server::internal_operations();
    let expected: BTreeSet<(String, String)> = registered_internal.iter().cloned().collect();
    assert_eq!(
        expected.len(),
        registered_internal.len(),
        "a route registered twice"
    );
    assert_eq!(
        internal, expected,
        "the internal routes vs the served document"
    );
    assert!(
        internal.len() >= 50,
        "{} internal operations",
        internal.len()
    );
    let mut all_ids = BTreeSet::new();
    for (method, path) in ops.iter().chain(&internal) {
        let id = doc["paths"][path][method.to_lowercase()]["operationId"]
            .as_str()
            .expect("an operationId");
        assert!(
            all_ids.insert(id.to_string()),
            "operationId {id} is used twice"
        );
    }
    let mut mismatched = Vec::new();
    let mut undocumented = Vec::new();
    for (method, path) in &internal {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        // Its success answer (or redirect) is documented: a status and a schema, or said to
        // have no body.
        let answers = op["responses"].as_object().expect("responses");
        let documented = answers.iter().any(|(status, r)| {
            (status.starts_with('2') || status.starts_with('3'))
                && (r["content"]
                    .as_object()
                    .is_some_and(|c| c.values().all(|m| m["schema"].is_object()) && !c.is_empty())
                    || r["description"]
                        .as_str()
                        .is_some_and(|d| d.ends_with("(no body)")))
        });
        if !documented {
            undocumented.push(format!("{method} {path}"));
        }
        assert!(
            op["tags"][0]
                .as_str()
                .is_some_and(|t| t.starts_with("internal-")),
            "{method} {path}"
        );
        let session = op["security"] == serde_json::json!([{"session": []}]);
        assert!(
            session || op["security"] == serde_json::json!([{}]),
            "{method} {path}: {}",
            op["security"]
        );
        let url = fill(path);
        let (s, b) = call(&http, &base, method, &url, None).await;
        assert!(!unrouted(s, &b), "{method} {url} is not served: {s} {b}");
        assert!(s < 500, "{method} {url}: {s} {b}");
        // What the document says of the session is what the server does.
        if session != (s == 401) {
            mismatched.push(format!("{method} {url} without a session: {s}"));
        }
    }
    assert!(mismatched.is_empty(), "{mismatched:#?}");
    assert!(
        undocumented.is_empty(),
        "internal routes without a documented answer (`.answers(...)` on their registration): {undocumented:#?}"
    );
    println!(
        "{} internal operations, each with a documented answer",
        internal.len()
    );
    let scheme = &doc["components"]["securitySchemes"]["session"];
    assert_eq!(
        (&scheme["in"], &scheme["name"]),
        (&Value::from("cookie"), &Value::from("auth"))
    );

    // Every documented operation is routed; with no key, every one but the document is 401.
    for (method, path) in &ops {
        let url = fill(path);
        let (s, b) = call(&http, &base, method, &url, Some(&key)).await;
        assert!(!unrouted(s, &b), "{method} {url} is not served: {s} {b}");
        assert!(s < 500, "{method} {url}: {s} {b}");
        let (s, b) = call(&http, &base, method, &url, None).await;
        if path == "/openapi.json" {
            assert_eq!(s, 200);
        } else {
            assert_eq!(
                (s, &b),
                (401, &serde_json::json!({"msg": "No API Key found"})),
                "{method} {url} without a key"
            );
        }
    }

    // Conversely, every route the public-api function registers is documented: each
    // `#[utoipa::path]` in its sources is an operation, each is registered through
    // `routes!` in lib.rs (so the router and the document get it together), and lib.rs
    // adds no route around the document.
    let annotated = annotated();
    let declared: BTreeSet<(String, String)> = annotated
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    assert_eq!(
        declared.len(),
        annotated.len(),
        "two handlers document one route"
    );
    assert_eq!(declared, ops, "annotated handlers vs the served document");
    let lib =
        std::fs::read_to_string(postiz_tests::repo_root().join("functions/public-api/src/lib.rs"))
            .unwrap();
    let registered: Vec<String> = lib
        .split("routes!(")
        .skip(1)
        .flat_map(|s| {
            s.split(')')
                .next()
                .unwrap()
                .split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        registered.len(),
        ops.len(),
        "routes! handlers: {registered:?}"
    );
    for (_, _, handler) in &annotated {
        assert!(
            registered.contains(handler),
            "{handler} is documented but not registered with routes!"
        );
    }
    for adder in [
        ".route(",
        ".route_service(",
        ".nest(",
        ".merge(",
        ".fallback(",
    ] {
        for (i, _) in lib.match_indices(adder) {
            let literal = lib[i + adder.len()..]
                .trim_start()
                .strip_prefix('"')
                .and_then(|s| s.split('"').next());
            match literal {
                Some(route) => assert!(
                    ops.iter().any(|(_, p)| p == route),
                    "lib.rs serves {route} outside the document"
                ),
                None => panic!("lib.rs adds routes with {adder} outside the document"),
            }
        }
    }
}

/// What the schemathesis run of infra/test found once: answers that were dropped
/// connections (a panic in the handler) are now plain answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzing_findings_get_answers() {
    use postiz_tests::fakes::{mastodon, serve};
    let (app, _seen) = mastodon::app();
    let fake = serve(app).await;
    let data = tempfile::tempdir().unwrap();
    let server = Running::server(&[
        ("DATA_DIR", data.path().display().to_string()),
        ("MASTODON_URL", fake.clone()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
    ])
    .ready(Duration::from_secs(30))
    .await;
    let base = server.base.clone();
    let http = Client::new();
    let (_, token) = crate::util::register(&http, &base).await;
    let channel = crate::util::connect_mastodon(&http, &base, &token).await;
    let key = crate::util::api_key(&http, &base, &token).await;
    let get = |path: String| {
        let r = http
            .get(format!("{base}{path}"))
            .header("Authorization", &key);
        async move {
            let r = r.send().await.expect("an answer, not a dropped connection");
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };

    // A page number whose offset overflows.
    let (s, page) = get(format!("/public/v1/notifications?page={}", u64::MAX)).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["notifications"], serde_json::json!([]));
    assert_eq!(page["hasMore"], false);

    // Dates beyond what the date indexes can sort are refused, not stored or overflowed.
    let post = |date: &str| {
        let body = serde_json::json!({
            "type": "draft", "date": date, "inter": 1, "shortLink": false,
            "tags": [], "posts": [{"integration": {"id": channel},
                                   "value": [{"content": "every day", "image": []}]}]});
        let r = http
            .post(format!("{base}/public/v1/posts"))
            .header("Authorization", &key)
            .json(&body);
        async move { r.send().await.expect("an answer").status().as_u16() }
    };
    assert_eq!(post("-262143-01-01T00:00:00").await, 400);
    let (s, _) = get(
        "/public/v1/posts?startDate=%2B262142-11-01T00:00:00&endDate=%2B262142-12-31T23:59:59.999"
            .into(),
    )
    .await;
    assert_eq!(s, 400);

    // A daily post repeating from the first accepted day, listed in the last accepted window.
    assert_eq!(post("1970-01-01T00:00:00").await, 201);
    let (s, list) = get(
        "/public/v1/posts?startDate=9999-11-01T00:00:00&endDate=9999-12-31T23:59:59.999".into(),
    )
    .await;
    assert_eq!(s, 200, "{list}");
    let posts = list["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 61, "one a day in November and December");
    assert_eq!(
        posts.last().unwrap()["publishDate"],
        "9999-12-31T00:00:00.000Z"
    );
}
