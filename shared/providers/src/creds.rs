//! What providers connected with a credential form share: the form's decoding (the `code` of
//! a connect is the base64 JSON of the form), the stored copy of it, the "authorization
//! URL" that is only the state, and HTTP Basic authorization from a username and password.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::DeserializeOwned;

use crate::error::{ProviderError, ProviderResult};
use crate::oauth::new_state;
use crate::types::{AuthRequest, ChannelAuth, CustomField};

/// Credential providers have no authorization page: the URL is the state itself.
pub fn form_request() -> AuthRequest {
    let state = new_state();
    AuthRequest {
        url: state.clone(),
        code_verifier: String::new(),
        state,
    }
}

/// The credential form submitted on connect; `missing` names the fields when it cannot be read.
pub fn decode_form<T: DeserializeOwned>(code: &str, missing: &str) -> ProviderResult<T> {
    let raw = STANDARD
        .decode(code.trim())
        .map_err(|_| ProviderError::bad("The credentials are not readable"))?;
    serde_json::from_slice(&raw).map_err(|_| ProviderError::bad(missing))
}

/// The credential form stored with the channel (decrypted); a channel without one must be
/// connected again.
pub fn stored_form<T: DeserializeOwned>(auth: &ChannelAuth) -> ProviderResult<T> {
    auth.custom
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| ProviderError::RefreshNeeded("the channel's credentials are missing".into()))
}

/// `Basic base64(user:password)`.
pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// The one-field form of networks that take an API key.
pub fn api_key_field() -> Vec<CustomField> {
    vec![CustomField {
        key: "apiKey",
        label: "API key",
        validation: r"/^.{3,}$/",
        kind: "password",
        default_value: None,
    }]
}

/// A user-supplied instance URL without its trailing slash; only http(s).
pub fn instance_url(raw: &str) -> ProviderResult<String> {
    let url =
        url::Url::parse(raw.trim()).map_err(|_| ProviderError::bad("The URL is not valid"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ProviderError::bad("The URL must be an http(s) address"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_urls_are_checked() {
        #[derive(serde::Deserialize)]
        struct Form {
            #[serde(rename = "apiKey")]
            api_key: String,
        }
        let code = STANDARD.encode(r#"{"apiKey":"k-123"}"#);
        let f: Form = decode_form(&code, "API key is required").unwrap();
        assert_eq!(f.api_key, "k-123");
        assert_eq!(
            decode_form::<Form>(&STANDARD.encode("{}"), "API key is required").err(),
            Some(ProviderError::bad("API key is required"))
        );
        assert!(decode_form::<Form>("%%%", "x").is_err());
        assert_eq!(
            instance_url(" https://blog.example/ ").unwrap(),
            "https://blog.example"
        );
        assert!(instance_url("ftp://blog.example").is_err());
        assert_eq!(basic("a", "b"), "Basic YTpi");
    }
}
