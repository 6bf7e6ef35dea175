//! The fetcher: vet the URL, pin the connection, follow redirects by hand, cap size and time.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use reqwest::dns::{Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::Response;
use url::{Host, Url};

use crate::addr::{is_forbidden, is_local_name};
use crate::{FetchError, FetchPolicy, Fetched};

const USER_AGENT: &str = concat!("postiz-fetch/", env!("CARGO_PKG_VERSION"));

/// Fetches user-supplied URLs under a [`FetchPolicy`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GuardedFetcher {
    policy: Arc<FetchPolicy>,
}

impl GuardedFetcher {
    pub fn new(policy: FetchPolicy) -> Self {
        Self {
            policy: Arc::new(policy),
        }
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Validates and resolves `url` as [`get`](Self::get) would, without sending a request.
    pub async fn check(&self, url: &str) -> Result<Url, FetchError> {
        let url = parse(url)?;
        self.within_timeout(self.vet(&url)).await?;
        Ok(url)
    }

    /// Checks a URL a user saves for later fetches (a webhook, a feed): at most 2,048
    /// characters, `https` (or `http` where private addresses are allowed: local receivers),
    /// and resolving to allowed addresses only, as [`check`](Self::check).
    pub async fn check_public(&self, url: &str) -> Result<Url, FetchError> {
        let url = url.trim();
        let plain_ok = self.policy.allow_private && url.starts_with("http://");
        if url.len() > 2048 || !(url.starts_with("https://") || plain_ok) {
            return Err(FetchError::Refused(
                "only public https URLs are allowed".into(),
            ));
        }
        self.check(url).await
    }

    /// GETs `url`, following up to `max_redirects` redirects, each vetted like the first URL.
    /// Any 2xx final response is returned; anything else is [`FetchError::Failed`].
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let url = parse(url)?;
        self.within_timeout(self.follow(url)).await
    }

    /// A conditional GET: like [`get`](Self::get) with `If-None-Match: etag` and
    /// `If-Modified-Since: last_modified` when given; `None` when the server answers
    /// `304 Not Modified`.
    pub async fn get_if_changed(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Option<Fetched>, FetchError> {
        let url = parse(url)?;
        let mut headers = Vec::new();
        if let Some(tag) = etag.filter(|t| !t.is_empty()) {
            headers.push((reqwest::header::IF_NONE_MATCH, tag.to_string()));
        }
        if let Some(date) = last_modified.filter(|d| !d.is_empty()) {
            headers.push((reqwest::header::IF_MODIFIED_SINCE, date.to_string()));
        }
        self.within_timeout(async {
            match self.follow_with(url, &headers).await? {
                None => Ok(None),
                Some((response, url)) => read_body(response, url, self.policy.max_bytes)
                    .await
                    .map(Some),
            }
        })
        .await
    }

    /// Opens `url` like [`get`](Self::get) (every redirect vetted, the final status 2xx) and
    /// hands back the body to read piece by piece, for answers too big to hold (videos).
    /// The policy's timeout bounds reaching the final response's headers, then each piece;
    /// `max_bytes` bounds the whole body.
    pub async fn open(&self, url: &str) -> Result<Streamed, FetchError> {
        let url = parse(url)?;
        let (response, final_url) = self.within_timeout(self.follow_to_response(url)).await?;
        Ok(Streamed {
            content_type: response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            content_length: response.content_length(),
            final_url,
            response,
            max: self.policy.max_bytes,
            idle: self.policy.timeout,
            read: 0,
        })
    }

    /// POSTs `body` with `headers` to `url` (vetted like [`get`](Self::get)) without following
    /// redirects: a redirect is an answer like any other (outgoing webhooks). Returns the
    /// status and the first `max_bytes` of the answer, whatever the status.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Answered, FetchError> {
        let url = parse(url)?;
        self.within_timeout(async {
            let addrs = self.vet(&url).await?;
            let client = pinned_client(&self.policy, &url, &addrs)?;
            let mut request = client.post(url.clone()).body(body);
            for (name, value) in headers {
                request = request.header(*name, value.as_str());
            }
            let mut response = request.send().await.map_err(failed)?;
            let status = response.status().as_u16();
            let mut text = Vec::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                let room = (self.policy.max_bytes as usize).saturating_sub(text.len());
                text.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            Ok(Answered {
                status,
                body: String::from_utf8_lossy(&text).into_owned(),
            })
        })
        .await
    }

    async fn within_timeout<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        tokio::time::timeout(self.policy.timeout, fut)
            .await
            .unwrap_or_else(|_| Err(FetchError::Failed("timed out".into())))
    }

    async fn follow(&self, url: Url) -> Result<Fetched, FetchError> {
        let (response, url) = self.follow_to_response(url).await?;
        read_body(response, url, self.policy.max_bytes).await
    }

    /// Follows redirects (each hop vetted) to a 2xx response whose body is not read yet.
    async fn follow_to_response(&self, url: Url) -> Result<(Response, Url), FetchError> {
        self.follow_with(url, &[])
            .await?
            .ok_or_else(|| FetchError::Failed("HTTP status 304".into()))
    }

    /// [`follow_to_response`](Self::follow_to_response) sending `headers` on every hop;
    /// `None` for a `304 Not Modified` (asked for with a conditional header).
    async fn follow_with(
        &self,
        mut url: Url,
        headers: &[(reqwest::header::HeaderName, String)],
    ) -> Result<Option<(Response, Url)>, FetchError> {
        let mut redirects = 0;
        loop {
            let addrs = self.vet(&url).await?;
            let client = pinned_client(&self.policy, &url, &addrs)?;
            let mut request = client.get(url.clone());
            for (name, value) in headers {
                request = request.header(name, value.as_str());
            }
            let response = request.send().await.map_err(failed)?;
            let status = response.status();
            if status.as_u16() == 304 && !headers.is_empty() {
                return Ok(None);
            }
            if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
                if !status.is_success() {
                    return Err(FetchError::Failed(format!(
                        "HTTP status {}",
                        status.as_u16()
                    )));
                }
                return Ok(Some((response, url)));
            }
            if redirects >= self.policy.max_redirects {
                return Err(FetchError::Failed("too many redirects".into()));
            }
            redirects += 1;
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| FetchError::Failed("redirect without a valid Location".into()))?;
            url = url
                .join(location)
                .map_err(|_| FetchError::Refused("redirect location is not a valid URL".into()))?;
        }
    }

    /// Checks scheme, host name and every resolved address; returns the addresses to connect to.
    async fn vet(&self, url: &Url) -> Result<Vec<SocketAddr>, FetchError> {
        let refused = |why: &str| FetchError::Refused(why.to_string());
        match url.scheme() {
            "https" => {}
            "http" if !self.policy.https_only => {}
            "http" => return Err(refused("only https URLs are allowed")),
            _ => return Err(refused("only http and https URLs are allowed")),
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| refused("URL has no port"))?;
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Domain(name)) => {
                if is_local_name(name) && !self.policy.allow_private {
                    return Err(refused("local host names are not allowed"));
                }
                match tokio::net::lookup_host((name, port)).await {
                    Ok(found) => found.collect(),
                    Err(_) => Vec::new(),
                }
            }
            None => return Err(refused("URL has no host")),
        };
        if addrs.is_empty() {
            return Err(refused("host could not be resolved"));
        }
        if let Some(bad) = addrs.iter().find(|a| !self.permits(a)) {
            tracing::debug!(%url, addr = %bad, "guarded fetch refused a non-public address");
            return Err(refused("host resolves to a private or reserved address"));
        }
        Ok(addrs)
    }

    fn permits(&self, addr: &SocketAddr) -> bool {
        self.policy.allow_private
            || !is_forbidden(addr.ip())
            || self.policy.allow_addrs.contains(addr)
    }
}

fn parse(url: &str) -> Result<Url, FetchError> {
    Url::parse(url.trim()).map_err(|_| FetchError::Refused("not a valid URL".into()))
}

/// An answer to [`GuardedFetcher::post`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The HTTP status.
    pub status: u16,
    /// The start of the body (lossy UTF-8), at most the policy's `max_bytes`.
    pub body: String,
}

/// One request without redirects, connecting only to `addrs` (already vetted for `url`'s host).
#[cfg(test)]
async fn send_pinned(
    policy: &FetchPolicy,
    url: &Url,
    addrs: &[SocketAddr],
) -> Result<Response, FetchError> {
    let client = pinned_client(policy, url, addrs)?;
    client.get(url.clone()).send().await.map_err(failed)
}

/// A client without redirects that connects `url`'s host only to `addrs`.
fn pinned_client(
    policy: &FetchPolicy,
    url: &Url,
    addrs: &[SocketAddr],
) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .redirect(Policy::none())
        .no_proxy()
        .connect_timeout(policy.connect_timeout)
        .user_agent(USER_AGENT)
        // Names not pinned below fail instead of reaching the system resolver.
        .dns_resolver(Arc::new(NoDns));
    if let Some(Host::Domain(name)) = url.host() {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    builder.build().map_err(failed)
}

async fn read_body(
    mut response: Response,
    final_url: Url,
    max: u64,
) -> Result<Fetched, FetchError> {
    let declared = response.content_length();
    if declared.is_some_and(|n| n > max) {
        return Err(FetchError::TooLarge);
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(CONTENT_TYPE);
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        bytes: body.freeze(),
        content_type,
        final_url,
        etag,
        last_modified,
    })
}

/// A response whose body is read piece by piece (see [`GuardedFetcher::open`]).
#[derive(Debug)]
pub struct Streamed {
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Content-Length` header, if any.
    pub content_length: Option<u64>,
    /// The URL the body comes from, after redirects.
    pub final_url: Url,
    response: Response,
    max: u64,
    idle: std::time::Duration,
    read: u64,
}

impl Streamed {
    /// The next piece of the body; `None` at its end. Fails past the size cap, or when no
    /// piece arrives within the policy's timeout.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, FetchError> {
        if self.content_length.is_some_and(|n| n > self.max) {
            return Err(FetchError::TooLarge);
        }
        let next = tokio::time::timeout(self.idle, self.response.chunk())
            .await
            .map_err(|_| FetchError::Failed("timed out".into()))?
            .map_err(failed)?;
        if let Some(piece) = &next {
            self.read += piece.len() as u64;
            if self.read > self.max {
                return Err(FetchError::TooLarge);
            }
        }
        Ok(next)
    }
}

/// A user-safe summary of a network error; the details go to the log.
fn failed(err: reqwest::Error) -> FetchError {
    tracing::debug!(error = %err, "guarded fetch failed");
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "error reading the response"
    } else {
        "request failed"
    };
    FetchError::Failed(what.into())
}

/// The DNS resolver of a pinned client: resolves nothing, so only pinned names connect.
struct NoDns;

impl Resolve for NoDns {
    fn resolve(&self, name: Name) -> Resolving {
        let err = format!("{} was not vetted", name.as_str());
        Box::pin(async move { Err(err.into()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn serve() -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "pinned" }));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    #[tokio::test]
    async fn connections_go_only_to_pinned_addresses() {
        let addr = serve().await;
        let policy = FetchPolicy::default();
        // `.invalid` never resolves: success proves the vetted address was used, not DNS.
        let url = Url::parse(&format!("http://pinned.invalid:{}/", addr.port())).unwrap();
        let response = send_pinned(&policy, &url, &[addr]).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "pinned");
        // A name that was not pinned is not resolved at all, not even `localhost`.
        let url = Url::parse(&format!("http://localhost:{}/", addr.port())).unwrap();
        let err = send_pinned(&policy, &url, &[]).await.unwrap_err();
        assert!(matches!(err, FetchError::Failed(_)), "{err:?}");
    }
}
