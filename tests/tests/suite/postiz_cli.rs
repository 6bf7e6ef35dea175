//! The real Postiz CLI from npm (`postiz` 2.1.0 and 2.0.16) against `postiz-server`: every
//! command it has that talks to the public API, the outcomes checked through the API as well,
//! and isolation between two organizations' keys.
//!
//! Each version is installed once with npm into `$POSTIZ_CLI_CACHE` (default
//! `$HOME/.cache/postiz-cli/<version>`), through a temporary folder renamed into place, so
//! concurrent test processes never see half an install. Needs Node ≥ 20.19 (or ≥ 22.12): the
//! CLI `require()`s the ESM-only node-fetch 3.

use chrono::{DateTime, Duration as Span, SecondsFormat, Utc};
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const VERSIONS: [&str; 2] = ["2.1.0", "2.0.16"];

/// Longest a single CLI command may take.
const CALL_LIMIT: Duration = Duration::from_secs(30);

/// Longest an npm install may take.
const INSTALL_LIMIT: Duration = Duration::from_secs(240);

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("POSTIZ_CLI_CACHE") {
        return PathBuf::from(dir);
    }
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(".cache")
        .join("postiz-cli")
}

/// The CLI's entry script in an install folder, from the package's `bin`, when that folder
/// holds exactly `version`.
fn entry(dir: &Path, version: &str) -> Option<PathBuf> {
    let pkg = dir.join("node_modules").join("postiz");
    let meta: Value =
        serde_json::from_slice(&std::fs::read(pkg.join("package.json")).ok()?).ok()?;
    if meta["version"] != version {
        return None;
    }
    let bin = match &meta["bin"] {
        Value::String(s) => s.as_str(),
        Value::Object(m) => m.get("postiz").or_else(|| m.values().next())?.as_str()?,
        _ => return None,
    };
    let script = pkg.join(bin);
    script.is_file().then_some(script)
}

/// Installs `postiz@version` unless already cached; its entry script.
async fn install(version: &'static str) -> PathBuf {
    let root = cache_root();
    let dir = root.join(version);
    if let Some(script) = entry(&dir, version) {
        return script;
    }
    std::fs::create_dir_all(&root).unwrap();
    let tmp = root.join(format!(".{}", postiz_tests::unique(&format!("{version}-"))));
    let mut npm = Command::new("npm");
    npm.arg("install")
        .arg("--prefix")
        .arg(&tmp)
        .arg(format!("postiz@{version}"))
        .args(["--no-audit", "--no-fund", "--loglevel=error"]);
    let out = output(npm, INSTALL_LIMIT)
        .await
        .unwrap_or_else(|e| panic!("npm install postiz@{version}: {e} (npm must be on PATH)"));
    assert!(
        out.status.success(),
        "npm install postiz@{version} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for _ in 0..2 {
        if std::fs::rename(&tmp, &dir).is_ok() {
            break;
        }
        if entry(&dir, version).is_some() {
            // Another test process got there first.
            break;
        }
        // A broken leftover: move it aside, then try again.
        let stale = root.join(format!(".{}", postiz_tests::unique("stale-")));
        if std::fs::rename(&dir, &stale).is_ok() {
            let _ = std::fs::remove_dir_all(&stale);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    entry(&dir, version).unwrap_or_else(|| panic!("no usable postiz@{version} in {dir:?}"))
}

/// Runs `cmd` to its end on a blocking thread, killing it after `limit`.
async fn output(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    use std::io::Read;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let shown = format!("{:?}", cmd.get_program());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {shown}: {e}"))?;
        let drain = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = r.read_to_end(&mut buf);
                buf
            })
        };
        let out = drain(Box::new(child.stdout.take().unwrap()));
        let err = drain(Box::new(child.stderr.take().unwrap()));
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown} took over {limit:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(Output {
            status,
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
        })
    })
    .await
    .expect("the runner thread")
}

/// Fails loudly when the local Node cannot run the CLI (it `require()`s ESM).
async fn check_node() {
    let mut node = Command::new("node");
    node.arg("--version");
    let out = output(node, CALL_LIMIT)
        .await
        .unwrap_or_else(|e| panic!("node --version: {e} (node must be on PATH to run the CLI)"));
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut parts = v
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let ok = major >= 23 || (major == 22 && minor >= 12) || (major == 20 && minor >= 19);
    assert!(
        ok,
        "Node {v} cannot run the postiz CLI (it needs require(esm): Node >= 20.19 or >= 22.12)"
    );
}

/// What one CLI run left behind.
struct Out {
    args: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn ok(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "postiz {} failed:\n{}\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts a clean failure (exit 1, an error line on stderr); the stderr text.
    fn failed(&self) -> &str {
        assert_eq!(
            self.code,
            Some(1),
            "postiz {} should have failed:\n{}\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.contains('❌'), "{}", self.stderr);
        &self.stderr
    }

    /// The JSON printed after the header line(s).
    fn json(&self) -> Value {
        self.ok();
        let start = self
            .stdout
            .lines()
            .scan(0, |at, line| {
                let here = *at;
                *at += line.len() + 1;
                Some((here, line))
            })
            .find(|(_, l)| l.starts_with('[') || l.starts_with('{'))
            .map(|(at, _)| at)
            .unwrap_or_else(|| panic!("postiz {}: no JSON in\n{}", self.args, self.stdout));
        serde_json::from_str(&self.stdout[start..])
            .unwrap_or_else(|e| panic!("postiz {}: {e} in\n{}", self.args, self.stdout))
    }
}

/// One installed CLI version, run with an isolated HOME (credentials there win over env).
struct Cli {
    version: &'static str,
    script: PathBuf,
    home: tempfile::TempDir,
    base: String,
}

impl Cli {
    async fn run_at(&self, base: &str, key: &str, args: &[&str]) -> Out {
        let mut cmd = Command::new("node");
        cmd.arg(&self.script)
            .args(args)
            .current_dir(self.home.path())
            .env("HOME", self.home.path())
            .env("POSTIZ_API_URL", base)
            .env("POSTIZ_API_KEY", key)
            .env_remove("POSTIZ_AUTH_SERVER");
        let shown = format!("{} {}", self.version, args.join(" "));
        let out = output(cmd, CALL_LIMIT)
            .await
            .unwrap_or_else(|e| panic!("postiz {shown}: {e}"));
        Out {
            args: shown,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    async fn run(&self, key: &str, args: &[&str]) -> Out {
        self.run_at(&self.base, key, args).await
    }

    /// Version 2.0.16 was published after 2.1.0 and has more commands.
    fn newer(&self) -> bool {
        self.version == "2.0.16"
    }
}

/// An organization: its API key and its Mastodon channel.
struct Org {
    key: String,
    channel: String,
}

async fn org(http: &Client, base: &str) -> Org {
    let (_, token) = crate::util::register(http, base).await;
    let channel = crate::util::connect_mastodon(http, base, &token).await;
    Org {
        key: crate::util::api_key(http, base, &token).await,
        channel,
    }
}

/// `GET /public/v1/...` with a key: status and body.
async fn api(http: &Client, base: &str, key: &str, path: &str) -> (u16, Value) {
    let r = http
        .get(format!("{base}/public/v1{path}"))
        .header("Authorization", key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("an array: {list}"))
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

/// The listed post ids of `posts:list` output.
fn listed(page: &Value) -> Vec<String> {
    ids(&page["posts"])
}

/// Every command of one CLI version, with two organizations on `base`.
async fn drive(cli: &Cli, http: &Client, base: &str) {
    let v = cli.version;
    let (a, b) = tokio::join!(org(http, base), org(http, base));

    // Authentication: a good key, then a wrong one.
    let status = cli.run(&a.key, &["auth:status"]).await;
    status.ok();
    assert!(
        status
            .stdout
            .contains("Credentials are valid. 1 integration(s) connected."),
        "{v}: {}",
        status.stdout
    );
    let wrong = cli.run("not-a-key", &["auth:status"]).await;
    // auth:status reports, but exits 0 either way.
    assert!(
        wrong.stdout.contains("Credentials are expired or invalid"),
        "{v}: {}",
        wrong.stdout
    );
    let err = cli.run("not-a-key", &["integrations:list"]).await;
    assert!(
        err.failed()
            .contains(r#"API Error (401): {"msg":"Invalid API key"}"#),
        "{v}: {}",
        err.stderr
    );

    // Channels.
    let list = cli.run(&a.key, &["integrations:list"]).await.json();
    assert_eq!(ids(&list), vec![a.channel.clone()], "{v}: {list}");
    assert_eq!(list[0]["identifier"], "mastodon");
    assert_eq!(list[0]["disabled"], false);
    // A trailing slash in POSTIZ_API_URL makes `//public/v1/...`.
    let slashed = format!("{base}/");
    let again = cli
        .run_at(&slashed, &a.key, &["integrations:list"])
        .await
        .json();
    assert_eq!(again, list, "{v}: trailing slash");
    if cli.newer() {
        assert_eq!(
            cli.run(&a.key, &["integrations:list", "--group", "nope"])
                .await
                .json(),
            json!([])
        );
        assert_eq!(
            cli.run(&a.key, &["integrations:groups"]).await.json(),
            json!([])
        );
    }
    let settings = cli
        .run(&a.key, &["integrations:settings", &a.channel])
        .await
        .json();
    assert_eq!(settings["output"]["maxLength"], 500, "{v}: {settings}");
    assert_eq!(
        settings["output"]["settings"],
        "No additional settings required"
    );
    assert_eq!(settings["output"]["tools"], json!([]));
    let trig = cli
        .run(&a.key, &["integrations:trigger", &a.channel, "getFlairs"])
        .await;
    assert!(
        trig.failed()
            .contains(r#"API Error (404): {"msg":"Tool not found"}"#),
        "{v}: {}",
        trig.stderr
    );
    let trig = cli
        .run(
            &a.key,
            &[
                "integrations:trigger",
                &a.channel,
                "getFlairs",
                "-d",
                r#"{"subreddit":"rust"}"#,
            ],
        )
        .await;
    trig.failed();
    assert_eq!(
        cli.run(&a.key, &["analytics:platform", &a.channel])
            .await
            .json(),
        json!([])
    );
    assert_eq!(
        cli.run(&a.key, &["analytics:platform", &a.channel, "-d", "30"])
            .await
            .json(),
        json!([])
    );

    // Upload a real PNG; the answered path serves the same bytes.
    let png = crate::media_http::png(if cli.newer() { 3 } else { 4 });
    let file = cli.home.path().join("picture.png");
    std::fs::write(&file, &png).unwrap();
    let media = cli
        .run(&a.key, &["upload", file.to_str().unwrap()])
        .await
        .json();
    let path = media["path"].as_str().unwrap_or_else(|| panic!("{media}"));
    assert!(media["id"].is_string(), "{v}: {media}");
    assert!(path.split('?').next().unwrap().ends_with(".png"), "{path}");
    let served = http.get(path).send().await.unwrap();
    assert_eq!(served.status(), 200, "{path}");
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());

    // A scheduled post with the uploaded picture, and a draft.
    let when = Utc::now() + Span::days(3);
    let text = format!("Hello from postiz {v}");
    let created = cli
        .run(
            &a.key,
            &[
                "posts:create",
                "-c",
                &text,
                "-m",
                path,
                "-i",
                &a.channel,
                "-s",
                &iso(when),
            ],
        )
        .await;
    assert!(created.stdout.contains("Post created successfully"));
    let created = created.json();
    assert_eq!(created.as_array().unwrap().len(), 1, "{v}: {created}");
    assert_eq!(created[0]["integration"], a.channel.as_str());
    let id = created[0]["postId"].as_str().unwrap().to_string();
    let (status, post) = api(http, base, &a.key, &format!("/posts/{id}")).await;
    assert_eq!(status, 200, "{v}: {post}");
    assert!(
        post["content"].as_str().unwrap().contains(&text),
        "{v}: {post}"
    );
    assert_eq!(post["state"], "QUEUE");
    assert_eq!(post["publishDate"], iso(when).as_str());
    assert_eq!(post["image"].as_array().unwrap().len(), 1, "{v}: {post}");
    assert_eq!(post["image"][0]["path"], path);
    assert_eq!(post["integration"]["id"], a.channel.as_str());
    assert_eq!(
        post["creationMethod"],
        if cli.newer() { "CLI" } else { "API" },
        "{v}: only 2.0.16 sends creationMethod"
    );

    // A draft with a comment (a second -c).
    let draft_text = format!("Draft from postiz {v}");
    let draft = cli
        .run(
            &a.key,
            &[
                "posts:create",
                "-c",
                &draft_text,
                "-c",
                "A comment; with a semicolon",
                "-d",
                "5",
                "-i",
                &a.channel,
                "-s",
                &iso(when + Span::hours(1)),
                "-t",
                "draft",
            ],
        )
        .await
        .json();
    let draft_id = draft[0]["postId"].as_str().unwrap().to_string();
    let (_, d) = api(http, base, &a.key, &format!("/posts/{draft_id}")).await;
    assert_eq!(d["state"], "DRAFT", "{v}: {d}");
    assert_eq!(d["image"], json!([]));
    // A second -c is a comment of the same post, with the -d delay.
    let comments = d["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "{v}: {d}");
    assert!(comments[0]["content"]
        .as_str()
        .unwrap()
        .contains("A comment; with a semicolon"));

    // The list, in a window around both posts.
    let from = iso(when - Span::days(1));
    let to = iso(when + Span::days(1));
    let window = ["--startDate", from.as_str(), "--endDate", to.as_str()];
    let page = cli
        .run(&a.key, &[&["posts:list"][..], &window].concat())
        .await
        .json();
    let mine = listed(&page);
    assert!(
        mine.contains(&id) && mine.contains(&draft_id),
        "{v}: {page}"
    );
    let item = page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap();
    assert_eq!(item["state"], "QUEUE");
    assert_eq!(item["integration"]["providerIdentifier"], "mastodon");
    // The default window (30 days around now) holds them too.
    let default = cli.run(&a.key, &["posts:list"]).await.json();
    assert!(listed(&default).contains(&id), "{v}: {default}");

    // Status and settings (2.0.16).
    if cli.newer() {
        let r = cli
            .run(&a.key, &["posts:status", &id, "--status", "draft"])
            .await
            .json();
        assert_eq!(r, json!({"id": id.as_str(), "state": "DRAFT"}));
        let (_, p) = api(http, base, &a.key, &format!("/posts/{id}")).await;
        assert_eq!(p["state"], "DRAFT");
        let r = cli
            .run(&a.key, &["posts:status", &id, "--status", "schedule"])
            .await
            .json();
        assert_eq!(r, json!({"id": id.as_str(), "state": "QUEUE"}));
        let (_, p) = api(http, base, &a.key, &format!("/posts/{id}")).await;
        assert_eq!(p["state"], "QUEUE");
        let r = cli
            .run(
                &a.key,
                &["posts:settings", &id, "--settings", r#"{"spoiler":"no"}"#],
            )
            .await
            .json();
        assert_eq!(r["postId"], id.as_str(), "{r}");
        assert_eq!(
            r["publishDate"],
            when.format("%Y-%m-%dT%H:%M:%S").to_string()
        );
        let (_, p) = api(http, base, &a.key, &format!("/posts/{id}")).await;
        let stored: Value = serde_json::from_str(p["settings"].as_str().unwrap()).unwrap();
        assert_eq!(stored["spoiler"], "no", "{p}");
        assert_eq!(stored["__type"], "mastodon");
        assert_eq!(p["state"], "QUEUE");
        // The draft stays a draft after a settings change.
        cli.run(
            &a.key,
            &["posts:settings", &draft_id, "--settings", r#"{"x":1}"#],
        )
        .await
        .ok();
        let (_, d) = api(http, base, &a.key, &format!("/posts/{draft_id}")).await;
        assert_eq!(d["state"], "DRAFT");
    }
    assert_eq!(
        cli.run(&a.key, &["posts:missing", &id]).await.json(),
        json!([])
    );
    assert_eq!(
        cli.run(&a.key, &["analytics:post", &id]).await.json(),
        json!([])
    );
    // Connecting needs a post published without a release id: refused cleanly here.
    cli.run(&a.key, &["posts:connect", &id, "--release-id", "123"])
        .await
        .failed();

    // The other organization's key reaches none of it.
    let theirs = cli.run(&b.key, &["integrations:list"]).await.json();
    assert_eq!(ids(&theirs), vec![b.channel.clone()], "{v}: {theirs}");
    let page = cli
        .run(&b.key, &[&["posts:list"][..], &window].concat())
        .await
        .json();
    assert_eq!(page, json!({"posts": []}), "{v}");
    let err = cli.run(&b.key, &["posts:delete", &id]).await;
    assert!(
        err.failed().contains("API Error (404)"),
        "{v}: {}",
        err.stderr
    );
    if cli.newer() {
        let err = cli
            .run(&b.key, &["posts:status", &id, "--status", "draft"])
            .await;
        assert!(
            err.failed().contains("Post not found"),
            "{v}: {}",
            err.stderr
        );
        cli.run(
            &b.key,
            &["posts:settings", &id, "--settings", r#"{"spoiler":"yes"}"#],
        )
        .await
        .failed();
    }
    cli.run(&b.key, &["integrations:settings", &a.channel])
        .await
        .failed();
    cli.run(&b.key, &["analytics:platform", &a.channel])
        .await
        .failed();
    cli.run(&b.key, &["integrations:trigger", &a.channel, "getFlairs"])
        .await
        .failed();
    let borrowed = cli
        .run(
            &b.key,
            &[
                "posts:create",
                "-c",
                "Borrowed",
                "-i",
                &a.channel,
                "-s",
                &iso(when),
            ],
        )
        .await;
    assert!(
        borrowed.failed().contains("not found"),
        "{v}: {}",
        borrowed.stderr
    );
    let (status, p) = api(http, base, &a.key, &format!("/posts/{id}")).await;
    assert_eq!(status, 200, "{v}: A's post survived B: {p}");
    assert_eq!(p["state"], "QUEUE");
    assert!(p["content"].as_str().unwrap().contains(&text));
    if cli.newer() {
        let stored: Value = serde_json::from_str(p["settings"].as_str().unwrap()).unwrap();
        assert_eq!(stored["spoiler"], "no");
    }
    let (_, b_list) = api(
        http,
        base,
        &b.key,
        &format!(
            "/posts?startDate={}&endDate={}",
            from.replace(':', "%3A"),
            to.replace(':', "%3A")
        ),
    )
    .await;
    assert_eq!(b_list, json!({"posts": []}));

    // Deleting, then deleting again.
    let del = cli.run(&a.key, &["posts:delete", &id]).await;
    del.ok();
    assert!(
        del.stdout
            .contains(&format!("Post {id} deleted successfully")),
        "{v}: {}",
        del.stdout
    );
    let (status, _) = api(http, base, &a.key, &format!("/posts/{id}")).await;
    assert_eq!(status, 404, "{v}: deleted post still there");
    let err = cli.run(&a.key, &["posts:delete", &id]).await;
    assert!(
        err.failed().contains("API Error (404)"),
        "{v}: {}",
        err.stderr
    );
    cli.run(&a.key, &["posts:delete", &draft_id]).await.ok();
    let page = cli
        .run(&a.key, &[&["posts:list"][..], &window].concat())
        .await
        .json();
    assert_eq!(page, json!({"posts": []}), "{v}");
    assert!(
        !cli.home.path().join(".postiz").exists(),
        "no credentials were written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postiz_cli_against_server() {
    check_node().await;
    let (scripts, server) = tokio::join!(
        async { tokio::join!(install(VERSIONS[0]), install(VERSIONS[1])) },
        async {
            let (app, _seen) = mastodon::app();
            let fake = serve(app).await;
            let data = tempfile::tempdir().unwrap();
            let envs = vec![
                ("DATA_DIR", data.path().display().to_string()),
                ("MASTODON_URL", fake.to_string()),
                ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
                (
                    "MASTODON_CLIENT_SECRET",
                    mastodon::CLIENT_SECRET.to_string(),
                ),
            ];
            let server = Running::server(&envs).ready(Duration::from_secs(30)).await;
            (server, data)
        }
    );
    let (server, _data) = server;
    let http = Client::new();
    let cli = |version, script| Cli {
        version,
        script,
        home: tempfile::tempdir().unwrap(),
        base: server.base.clone(),
    };
    let (newer, older) = (cli(VERSIONS[1], scripts.1), cli(VERSIONS[0], scripts.0));
    tokio::join!(
        drive(&older, &http, &server.base),
        drive(&newer, &http, &server.base)
    );
}
