//! The built-in shortener: `<base>/l/<code>`, a 7-letter random code per link, the
//! redirect served by this backend and the clicks counted in the table (crawlers that fetch
//! link previews are not counted).

use async_trait::async_trait;
use postiz_core::{Error, Result};
use rand::Rng;

use crate::repo::{plausible_code, CodeRecord, ShortLinkRepo};
use crate::{LinkRecord, Made, Shortener};

const CODE_LEN: usize = 7;
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// The built-in shortener.
#[derive(Clone)]
pub struct BuiltIn {
    /// `<base>/l/`.
    prefix: String,
    repo: ShortLinkRepo,
}

impl BuiltIn {
    /// On `base` (this backend as people reach it, e.g. `https://sho.rt`).
    pub fn new(base: &str, repo: ShortLinkRepo) -> Self {
        Self {
            prefix: format!("{}/l/", base.trim_end_matches('/')),
            repo,
        }
    }

    /// From `SHORT_LINK_URL`, else `BACKEND_URL` (or Postiz's `NEXT_PUBLIC_BACKEND_URL`)
    /// when it is not a loopback address.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>, repo: ShortLinkRepo) -> Option<Self> {
        if let Some(base) = var("SHORT_LINK_URL") {
            return Some(Self::new(&base, repo));
        }
        let base = var("BACKEND_URL").or_else(|| var("NEXT_PUBLIC_BACKEND_URL"))?;
        let host = reqwest::Url::parse(&base)
            .ok()?
            .host_str()?
            .to_ascii_lowercase();
        let local = host == "localhost"
            || host.ends_with(".localhost")
            || host.starts_with("127.")
            || host == "[::1]"
            || host == "0.0.0.0";
        (!local).then(|| Self::new(&base, repo))
    }

    /// The code of one of its short links.
    pub fn code_of<'u>(&self, url: &'u str) -> Option<&'u str> {
        let rest = url.get(..self.prefix.len())?;
        if !rest.eq_ignore_ascii_case(&self.prefix) {
            return None;
        }
        let code = &url[self.prefix.len()..];
        plausible_code(code).then_some(code)
    }
}

fn new_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[async_trait]
impl Shortener for BuiltIn {
    fn name(&self) -> &'static str {
        "builtin"
    }

    fn is_short(&self, url: &str) -> bool {
        self.code_of(url).is_some()
    }

    async fn shorten(&self, org: &str, url: &str) -> Result<Made> {
        for _ in 0..5 {
            let code = new_code();
            let record = CodeRecord {
                code: code.clone(),
                organization_id: org.into(),
                url: url.into(),
                clicks: 0,
            };
            if self.repo.claim_code(&record).await? {
                return Ok(Made {
                    short: format!("{}{code}", self.prefix),
                    remote_id: code,
                });
            }
        }
        Err(Error::internal("no free short link code after 5 tries"))
    }

    async fn clicks(&self, link: &LinkRecord) -> Result<i64> {
        Ok(self
            .repo
            .code(&link.remote_id)
            .await?
            .map(|c| c.clicks)
            .unwrap_or(0))
    }
}

/// Whether a request's `User-Agent` is a crawler fetching a link preview or a bot (not a
/// person following the link).
pub fn is_crawler(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.is_empty()
        || [
            "bot",
            "crawler",
            "spider",
            "preview",
            "facebookexternalhit",
            "embedly",
            "curl/",
            "wget/",
            "python-requests",
            "headless",
        ]
        .iter()
        .any(|w| ua.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_from_an_explicit_or_a_public_base() {
        let dir = tempfile::tempdir().unwrap();
        let store = postiz_storage::embedded::EmbeddedStore::open(
            &dir.path().join("db.redb"),
            std::sync::Arc::new(postiz_core::SystemClock),
            Vec::new(),
        )
        .unwrap();
        let repo = || ShortLinkRepo::new(std::sync::Arc::new(store.clone()));
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(
            BuiltIn::from_vars(vars(&[("BACKEND_URL", "http://localhost:3000")]), repo()).is_none()
        );
        assert!(
            BuiltIn::from_vars(vars(&[("BACKEND_URL", "http://127.0.0.1:3000")]), repo()).is_none()
        );
        assert!(BuiltIn::from_vars(vars(&[]), repo()).is_none());
        let b = BuiltIn::from_vars(vars(&[("BACKEND_URL", "https://api.example.com/")]), repo())
            .unwrap();
        assert!(b.is_short("https://api.example.com/l/Ab3dE9x"));
        assert!(!b.is_short("https://api.example.com/l/"));
        assert!(!b.is_short("https://api.example.com/posts"));
        let b = BuiltIn::from_vars(
            vars(&[
                ("BACKEND_URL", "http://localhost:3000"),
                ("SHORT_LINK_URL", "http://127.0.0.1:9"),
            ]),
            repo(),
        )
        .unwrap();
        assert_eq!(b.code_of("http://127.0.0.1:9/l/abc"), Some("abc"));
    }

    #[test]
    fn crawlers_are_told_from_people() {
        assert!(is_crawler("facebookexternalhit/1.1"));
        assert!(is_crawler("Twitterbot/1.0"));
        assert!(is_crawler(""));
        assert!(!is_crawler(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
        ));
    }
}
