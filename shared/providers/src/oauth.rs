//! OAuth helpers: state, PKCE, authorization URLs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A random URL-safe string of `bytes` random bytes.
pub fn random_string(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A new OAuth state.
pub fn new_state() -> String {
    random_string(18)
}

/// A PKCE verifier (43+ characters) and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = random_string(48);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The stored refresh token of a channel, or `RefreshNeeded` when there is none.
pub fn stored_refresh_token(auth: &crate::ChannelAuth) -> crate::ProviderResult<&str> {
    auth.refresh_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| crate::ProviderError::RefreshNeeded("no refresh token stored".into()))
}

/// The result of a refresh: the same account with a new access token, and the refresh
/// token and lifetime when the network sent them (an absent refresh token keeps the stored one).
pub fn refreshed(
    auth: &crate::ChannelAuth,
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
) -> crate::AuthTokens {
    crate::AuthTokens {
        id: auth.internal_id.clone(),
        access_token,
        refresh_token,
        expires_in,
        ..Default::default()
    }
}

/// `base?k=v&...` with every value percent-encoded.
pub fn url_with_query(base: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(base)
        .unwrap_or_else(|_| url::Url::parse("http://invalid/").expect("valid"));
    url.query_pairs_mut().extend_pairs(params.iter());
    url.to_string()
}

/// The answer of an OAuth 2 token endpoint (code exchange or refresh).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TokenAnswer {
    /// The access token.
    pub access_token: String,
    /// A refresh token, when the network issues one.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires.
    #[serde(default)]
    pub expires_in: Option<i64>,
}

/// Posts an OAuth 2 token request as a form; a refused code or refresh token is a
/// `RefreshNeeded` for refreshes and a `BadRequest` for connects (`connecting`).
pub async fn token_request(
    http: &crate::http::Http,
    url: &str,
    form: &[(&str, &str)],
    connecting: bool,
) -> crate::ProviderResult<TokenAnswer> {
    let req = http.client().post(url).form(form);
    http.json(req, crate::http::no_mapping)
        .await
        .map_err(|e| match e {
            crate::ProviderError::BadRequest { user_message }
            | crate::ProviderError::RefreshNeeded(user_message) => {
                if connecting {
                    crate::ProviderError::bad(format!("The code was refused: {user_message}"))
                } else {
                    crate::ProviderError::RefreshNeeded(user_message)
                }
            }
            other => other,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_and_urls() {
        let (v, c) = pkce();
        assert!(v.len() >= 43);
        assert_eq!(c, URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
        let u = url_with_query(
            "https://x.test/oauth/authorize",
            &[("scope", "a b"), ("state", "s&t")],
        );
        assert_eq!(u, "https://x.test/oauth/authorize?scope=a+b&state=s%26t");
    }
}
