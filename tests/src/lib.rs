//! Helpers of the black-box test suite: the emulator's configuration, unique names, a
//! spawned `postiz-server`, and an HTTP client that keeps what the flows need.

pub mod client;
pub mod fakes;
pub mod fault_proxy;
pub mod mcp;
pub mod runtime_api;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// True when the AWS emulator is configured (`AWS_ENDPOINT_URL`). Without it the AWS tests
/// fail loudly, unless `POSTIZ_SKIP_AWS=1` says to skip them on purpose.
pub fn aws_available() -> bool {
    if std::env::var("AWS_ENDPOINT_URL").is_ok() {
        return true;
    }
    if std::env::var("POSTIZ_SKIP_AWS").is_ok_and(|v| v == "1") {
        eprintln!("POSTIZ_SKIP_AWS=1: skipping a test that needs the AWS emulator");
        return false;
    }
    panic!("AWS_ENDPOINT_URL is not set: run the suite with ./infra/test (it starts moto), or set POSTIZ_SKIP_AWS=1");
}

/// The AWS configuration pointing at the emulator.
pub async fn aws_config() -> postiz_storage::aws::AwsConfig {
    postiz_storage::aws::config_from_env().expect("the AWS_* variables of the emulator")
}

/// True when the spawned servers run on the AWS adapters (`POSTIZ_TEST_STORAGE=aws`, set by
/// `./infra/test` for its second pass over the server-level suites; needs the emulator).
pub fn servers_on_aws() -> bool {
    std::env::var("POSTIZ_TEST_STORAGE").is_ok_and(|v| v == "aws")
}

/// The environment of a server moved onto the emulator: resources named after its
/// `DATA_DIR` (so a restarted server finds its data again), media links under the bucket's
/// URL, emails in `DATA_DIR/outbox` as in embedded mode.
fn aws_server_env(envs: &[(&str, String)]) -> Vec<(&'static str, String)> {
    let data_dir = envs.iter().find(|(k, _)| *k == "DATA_DIR").map(|(_, v)| v);
    let prefix = match data_dir {
        Some(dir) => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut h);
            format!("srv{:012x}", h.finish() & 0xffff_ffff_ffff)
        }
        None => unique("srv"),
    };
    // CloudFront serves the private bucket in AWS; on the emulator the bucket is readable.
    let mut out = provision_named(&prefix, true);
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    let bucket = out[2].1.clone();
    if !envs.iter().any(|(k, _)| *k == "MEDIA_PUBLIC_URL") {
        out.push((
            "MEDIA_PUBLIC_URL",
            format!("{}/{bucket}", endpoint.trim_end_matches('/')),
        ));
    }
    if let Some(dir) = data_dir {
        out.push(("EMAIL_OUTBOX_DIR", format!("{dir}/outbox")));
    }
    out
}

/// Provisions a uniquely named table, queues, bucket and secret on the emulator with
/// `postiz-server provision`; the environment that points a server at them.
pub fn provision_aws(prefix: &str) -> Vec<(&'static str, String)> {
    provision_named(&unique(prefix), false)
}

/// [`provision_aws`] with the exact name `name` (provisioning again is a no-op); the
/// bucket's objects readable by anyone when `public_media`.
fn provision_named(name: &str, public_media: bool) -> Vec<(&'static str, String)> {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL is not set: the AWS storage mode needs the emulator (./infra/test starts it)"
    );
    let names = vec![
        ("STORAGE", "aws".to_string()),
        ("TABLE_NAME", name.to_string()),
        ("BUCKET_NAME", name.to_string()),
        ("QUEUE_PREFIX", format!("{name}-")),
        ("APP_SECRET_ID", format!("{name}/app")),
    ];
    let status = Command::new(server_bin())
        .arg("provision")
        .envs(names.iter().map(|(k, v)| (*k, v.as_str())))
        .env("MEDIA_BUCKET_PUBLIC_READ", public_media.to_string())
        .stdout(Stdio::null())
        .status()
        .expect("run postiz-server provision");
    assert!(status.success(), "provision: {status}");
    names
}

/// A short unique lowercase name with `prefix`.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The `postiz-server` binary: `POSTIZ_SERVER_BIN`, else beside this test's target folder.
pub fn server_bin() -> PathBuf {
    if let Ok(p) = std::env::var("POSTIZ_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("postiz-server");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bin postiz-server` first (./infra/test does)",
        bin.display()
    );
    bin
}

/// A running child process (server or script), killed with its process group on drop.
#[derive(Debug)]
pub struct Running {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:3456`.
    pub base: String,
}

impl Running {
    /// Starts `cmd` in its own process group, serving on `port`.
    pub fn start(mut cmd: Command, port: u16) -> Self {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0).stdin(Stdio::null());
        let child = cmd.spawn().expect("spawn");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Starts `postiz-server` with `envs` on a free port. With `POSTIZ_TEST_STORAGE=aws`, a
    /// server whose `envs` do not choose its storage runs on the emulator, on resources
    /// provisioned for it alone (see [`servers_on_aws`]).
    pub fn server(envs: &[(&str, String)]) -> Self {
        let port = free_port();
        let mut cmd = Command::new(server_bin());
        // Every success answer is checked against its documented shape (a 500 otherwise).
        cmd.env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("POSTIZ_CHECK_ANSWERS", "1");
        if servers_on_aws() && !envs.iter().any(|(k, _)| *k == "STORAGE") {
            for (k, v) in aws_server_env(envs) {
                cmd.env(k, v);
            }
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        Self::start(cmd, port)
    }

    /// Waits until `GET /auth/can-register` answers 200.
    pub async fn ready(self, timeout: Duration) -> Self {
        let deadline = Instant::now() + timeout;
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client
                .get(format!("{}/auth/can-register", self.base))
                .send()
                .await
            {
                if r.status() == 200 {
                    return self;
                }
            }
            assert!(
                Instant::now() < deadline,
                "server at {} not ready in {timeout:?}",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the process group at once (SIGKILL: no shutdown code runs) and waits for it.
    pub fn kill(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pgid = self.child.id() as i32;
        assert!(pgid > 1, "refusing to signal process group {pgid}");
        // SAFETY: kill(2) with a negative pid signals only the child's own process group.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    /// Stops the process group (SIGTERM, then SIGKILL) and waits for it.
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pgid = self.child.id() as i32;
        assert!(pgid > 1, "refusing to signal process group {pgid}");
        // SAFETY: kill(2) with a negative pid signals only the child's own process group.
        unsafe { libc::kill(-pgid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The resident memory of process `pid`, in KB (0 when it cannot be read).
pub fn rss_kb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// A command of the project's virtualenv (`POSTIZ_VENV`, default `~/.cache/postiz-venv`,
/// where infra/test installs the Python tools), else `name` on the `PATH`.
pub fn venv_bin(name: &str) -> std::path::PathBuf {
    let venv = std::env::var("POSTIZ_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/postiz-venv")
        });
    let in_venv = venv.join("bin").join(name);
    if in_venv.exists() {
        in_venv
    } else {
        name.into()
    }
}
