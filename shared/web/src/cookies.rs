//! Reading request cookies and writing Postiz's `auth` / `showorg` cookies.

use axum::http::{HeaderMap, HeaderValue};

use crate::config::WebConfig;

const YEAR_SECS: i64 = 365 * 86_400;

/// The value of cookie `name` in the request, if any.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A request header value, else the cookie of the same name (Postiz reads both).
pub fn header_or_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .or_else(|| read(headers, name))
}

/// A `Set-Cookie` value for `name=value` lasting a year (`None`: expire it now).
pub fn set(config: &WebConfig, name: &str, value: Option<&str>) -> HeaderValue {
    let (value, max_age) = match value {
        Some(v) => (v, YEAR_SECS),
        None => ("", 0),
    };
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age}");
    if !config.cookie_domain.is_empty() {
        c.push_str(&format!("; Domain={}", config.cookie_domain));
    }
    if !config.not_secured {
        c.push_str("; Secure; HttpOnly; SameSite=None");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// Response headers that start a session: the `auth` cookie (and `showorg` when given), plus
/// the same values as headers in `NOT_SECURED` mode, where the frontend reads them.
pub fn session_headers(config: &WebConfig, token: &str, show_org: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.append(
        axum::http::header::SET_COOKIE,
        set(config, "auth", Some(token)),
    );
    if let Some(org) = show_org {
        h.append(
            axum::http::header::SET_COOKIE,
            set(config, "showorg", Some(org)),
        );
    }
    if config.not_secured {
        if let Ok(v) = HeaderValue::from_str(token) {
            h.insert("auth", v);
        }
        if let Some(v) = show_org.and_then(|o| HeaderValue::from_str(o).ok()) {
            h.insert("showorg", v);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            HeaderValue::from_static("a=1; auth=tok; showorg=o1"),
        );
        assert_eq!(read(&h, "auth").as_deref(), Some("tok"));
        assert_eq!(header_or_cookie(&h, "showorg").as_deref(), Some("o1"));
        h.insert("showorg", HeaderValue::from_static("o2"));
        assert_eq!(header_or_cookie(&h, "showorg").as_deref(), Some("o2"));
        assert_eq!(read(&h, "missing"), None);
    }
}
