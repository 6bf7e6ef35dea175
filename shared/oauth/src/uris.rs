//! Redirect URIs: which a client may register, and the answer sent back to one.

use url::Url;

/// The longest redirect URI accepted.
pub const MAX_URI_LEN: usize = 2_000;

/// Whether `url` points at this machine (`localhost`, `127.0.0.1`, `[::1]`): native clients
/// (Claude Code, MCP inspectors) listen there, over plain http (RFC 8252 §7.3).
fn is_loopback(url: &Url) -> bool {
    matches!(
        url.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    )
}

/// Why a client may not register `uri` as a redirect URI, or `None` when it may: an absolute
/// https URL, or http on loopback; no fragment (RFC 6749 §3.1.2); a host under one of
/// `verified_domains` when that list is not empty (`DCR_VERIFIED_DOMAINS`).
pub fn redirect_refusal(uri: &str, verified_domains: &[String]) -> Option<String> {
    if uri.len() > MAX_URI_LEN {
        return Some(format!(
            "redirect_uri is longer than {MAX_URI_LEN} characters"
        ));
    }
    let Ok(url) = Url::parse(uri) else {
        return Some(format!("Invalid redirect_uri: {uri}"));
    };
    if url.scheme() != "https" && !(url.scheme() == "http" && is_loopback(&url)) {
        return Some("redirect_uris must use https (http is allowed for loopback only)".into());
    }
    if url.fragment().is_some() {
        return Some("redirect_uris must not have a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("redirect_uris must not hold credentials".into());
    }
    if !verified_domains.is_empty() {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let verified = verified_domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
        if !verified {
            return Some(format!(
                "redirect_uri host \"{host}\" is not a verified domain"
            ));
        }
    }
    None
}

/// Whether an organization's app may use `uri` as its redirect URL: an absolute http(s) URL
/// (Postiz's `IsUrl` without a top-level domain required).
pub fn is_app_url(uri: &str) -> bool {
    uri.len() <= MAX_URI_LEN
        && Url::parse(uri).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
}

/// `target` with the query parameters added (the code and state, or the error).
pub fn with_params(target: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = Url::parse(target).ok()?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_or_loopback_only() {
        assert!(redirect_refusal("https://claude.ai/api/mcp/auth_callback", &[]).is_none());
        assert!(redirect_refusal("http://localhost:33418/callback", &[]).is_none());
        assert!(redirect_refusal("http://127.0.0.1/cb", &[]).is_none());
        assert!(redirect_refusal("http://[::1]:9/cb", &[]).is_none());
        assert!(redirect_refusal("http://example.com/cb", &[]).is_some());
        assert!(redirect_refusal("http://localhost.evil.com/cb", &[]).is_some());
        assert!(redirect_refusal("javascript:alert(1)", &[]).is_some());
        assert!(redirect_refusal("https://a.example/cb#x", &[]).is_some());
        assert!(redirect_refusal("https://u:p@a.example/cb", &[]).is_some());
        assert!(redirect_refusal("/relative", &[]).is_some());
    }

    #[test]
    fn verified_domains_restrict_hosts() {
        let domains = vec!["claude.ai".to_string()];
        assert!(redirect_refusal("https://claude.ai/cb", &domains).is_none());
        assert!(redirect_refusal("https://x.claude.ai/cb", &domains).is_none());
        assert!(redirect_refusal("https://notclaude.ai/cb", &domains).is_some());
    }

    #[test]
    fn params_are_encoded() {
        let u = with_params(
            "https://a.example/cb?x=1",
            &[("code", "a b"), ("state", "s&t")],
        )
        .unwrap();
        assert_eq!(u, "https://a.example/cb?x=1&code=a+b&state=s%26t");
    }
}
