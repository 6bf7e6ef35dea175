//! OAuth 1.0a request signing (HMAC-SHA1, RFC 5849), as X's API requires.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The signature of a request: `method`, `base_url` (no query), and every signed parameter
/// (query, form body and `oauth_*`, raw values).
pub fn signature(
    method: &str,
    base_url: &str,
    params: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (pct(k), pct(v))).collect();
    encoded.sort();
    let param_string = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!(
        "{}&{}&{}",
        method.to_uppercase(),
        pct(base_url),
        pct(&param_string)
    );
    let key = format!("{}&{}", pct(consumer_secret), pct(token_secret));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(base.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// An application's consumer credentials.
#[derive(Debug, Clone)]
pub struct Consumer {
    /// API key.
    pub key: String,
    /// API secret.
    pub secret: String,
}

impl Consumer {
    /// The `Authorization` header for a request to `url` (its query is signed too), with
    /// extra `oauth_*` values (callback, verifier), the form body's fields, and the token.
    pub fn header(
        &self,
        method: &str,
        url: &str,
        extra: &[(&str, &str)],
        form: &[(&str, &str)],
        token: Option<(&str, &str)>,
    ) -> String {
        let nonce = crate::oauth::random_string(24).replace(['-', '_'], "");
        let timestamp = chrono::Utc::now().timestamp().to_string();
        self.header_at(method, url, extra, form, token, &nonce, &timestamp)
    }

    /// [`Consumer::header`] with a fixed nonce and timestamp.
    #[allow(clippy::too_many_arguments)]
    pub fn header_at(
        &self,
        method: &str,
        url: &str,
        extra: &[(&str, &str)],
        form: &[(&str, &str)],
        token: Option<(&str, &str)>,
        nonce: &str,
        timestamp: &str,
    ) -> String {
        let mut oauth: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), self.key.clone()),
            ("oauth_nonce".into(), nonce.into()),
            ("oauth_signature_method".into(), "HMAC-SHA1".into()),
            ("oauth_timestamp".into(), timestamp.into()),
            ("oauth_version".into(), "1.0".into()),
        ];
        if let Some((t, _)) = token {
            oauth.push(("oauth_token".into(), t.into()));
        }
        oauth.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (base_url, query) = url.split_once('?').unwrap_or((url, ""));
        let mut signed = oauth.clone();
        signed.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
        signed.extend(form.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let sig = signature(
            method,
            base_url,
            &signed,
            &self.secret,
            token.map(|(_, s)| s).unwrap_or(""),
        );
        oauth.push(("oauth_signature".into(), sig));
        let fields: Vec<String> = oauth
            .iter()
            .map(|(k, v)| format!("{}=\"{}\"", pct(k), pct(v)))
            .collect();
        format!("OAuth {}", fields.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of X's "Creating a signature" documentation.
    #[test]
    fn documented_example() {
        let params: Vec<(String, String)> = [
            (
                "status",
                "Hello Ladies + Gentlemen, a signed OAuth request!",
            ),
            ("include_entities", "true"),
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            (
                "oauth_token",
                "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            ),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sig = signature(
            "post",
            "https://api.twitter.com/1/statuses/update.json",
            &params,
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        );
        assert_eq!(sig, "tnnArxj06cWHq44gCs1OSKk/jLY=");
        assert_eq!(
            pct("Ladies + Gentlemen, a!~"),
            "Ladies%20%2B%20Gentlemen%2C%20a%21~"
        );
    }
}
