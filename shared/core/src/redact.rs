//! Credentials removed from text before it is stored, shown to users or logged.
//!
//! Network errors carry the request URL, and several networks take credentials in URLs: a
//! Telegram bot token in the path, Graph API `access_token`s in the query, signed media links.
//! [`secrets`] replaces every such value with `[REDACTED]` and leaves the rest readable.

use std::borrow::Cow;

/// What replaces a credential.
pub const MASK: &str = "[REDACTED]";

/// Parameter names whose values are credentials (compared without case).
const SECRET_NAMES: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "secret",
    "code",
    "code_verifier",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "key",
    "signature",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "fb_exchange_token",
    "input_token",
    "oauth_token",
    "oauth_verifier",
    "oauth_signature",
    "authorization",
    "loginrequesttoken",
    "signer_uuid",
];

/// Schemes whose next word is a credential (`Authorization: Bearer …`).
const SCHEMES: &[&str] = &["bearer ", "basic ", "bot "];

/// `text` without credentials: values of secret-named parameters (`name=value` in URLs and
/// forms, `"name":"value"` in JSON), Telegram's `/bot<token>` path segment, URL user info
/// and `Bearer`/`Basic` credentials are masked.
pub fn secrets(text: &str) -> Cow<'_, str> {
    if !might_hold_secret(text) {
        return Cow::Borrowed(text);
    }
    let masked = mask_parameters(text);
    let masked = mask_bot_tokens(&masked);
    let masked = mask_user_info(&masked);
    let masked = mask_schemes(&masked);
    if masked == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(masked)
    }
}

/// [`secrets`], owned.
pub fn secrets_owned(text: String) -> String {
    match secrets(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => s,
    }
}

fn might_hold_secret(text: &str) -> bool {
    text.contains('=') || text.contains(':') || text.contains('@') || text.contains(' ')
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'&' | b'"' | b'\'' | b')' | b',' | b';' | b'#' | b'<' | b'>' | b']' | b'}' | b'\\'
        )
}

fn is_secret_name(name: &str) -> bool {
    SECRET_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Masks `name=value` and `"name": "value"` where `name` is a secret name.
fn mask_parameters(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_name = is_name_byte(bytes[i]) && (i == 0 || !is_name_byte(bytes[i - 1]));
        if !starts_name {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < bytes.len() && is_name_byte(bytes[end]) {
            end += 1;
        }
        if !is_secret_name(&text[i..end]) {
            i = end;
            continue;
        }
        let value = if bytes.get(end) == Some(&b'=') {
            value_after_equals(bytes, end + 1)
        } else if i > 0 && bytes[i - 1] == b'"' && bytes.get(end) == Some(&b'"') {
            json_string_value(bytes, end + 1)
        } else {
            None
        };
        match value {
            Some((start, stop)) if stop > start => {
                out.push_str(&text[copied..start]);
                out.push_str(MASK);
                copied = stop;
                i = stop;
            }
            _ => i = end,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The span of a `name=` value starting at `start`.
fn value_after_equals(bytes: &[u8], start: usize) -> Option<(usize, usize)> {
    let mut stop = start;
    while stop < bytes.len() && !ends_value(bytes[stop]) {
        stop += 1;
    }
    Some((start, stop))
}

/// The span of the string value after `"name"` (at `after`: spaces, `:`, spaces, `"`).
fn json_string_value(bytes: &[u8], after: usize) -> Option<(usize, usize)> {
    let mut j = after;
    while j < bytes.len() && bytes[j] == b' ' {
        j += 1;
    }
    if bytes.get(j) != Some(&b':') {
        return None;
    }
    j += 1;
    while j < bytes.len() && bytes[j] == b' ' {
        j += 1;
    }
    if bytes.get(j) != Some(&b'"') {
        return None;
    }
    let start = j + 1;
    let mut stop = start;
    while stop < bytes.len() && bytes[stop] != b'"' {
        stop += if bytes[stop] == b'\\' { 2 } else { 1 };
    }
    Some((start, stop.min(bytes.len())))
}

/// Masks Telegram's `/bot<digits>:<secret>` path segment.
fn mask_bot_tokens(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(pos) = text[from..].find("/bot") {
        let start = from + pos + 4;
        let mut j = start;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > start && bytes.get(j) == Some(&b':') {
            let mut stop = j + 1;
            while stop < bytes.len() && is_name_byte(bytes[stop]) {
                stop += 1;
            }
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = stop;
            from = stop;
        } else {
            from = start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Masks `user:password@` after a URL's `://`.
fn mask_user_info(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(pos) = text[from..].find("://") {
        let start = from + pos + 3;
        let authority_end = text[start..]
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == ')')
            .map_or(text.len(), |e| start + e);
        if let Some(at) = text[start..authority_end].rfind('@') {
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = start + at;
        }
        from = authority_end.max(start);
    }
    out.push_str(&text[copied..]);
    out
}

/// Masks the credential after `Bearer `, `Basic ` or `Bot `.
fn mask_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let hit = SCHEMES
            .iter()
            .find(|s| lower[i..].starts_with(*s) && (i == 0 || !is_name_byte(bytes[i - 1])));
        let Some(scheme) = hit else {
            i += 1;
            continue;
        };
        let start = i + scheme.len();
        let mut stop = start;
        while stop < bytes.len() && !ends_value(bytes[stop]) {
            stop += 1;
        }
        // Only a word that looks like a credential: long, no spaces, not plain prose.
        if stop - start >= 16 {
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = stop;
        }
        i = stop.max(i + 1);
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_credentials_are_masked_and_the_rest_kept() {
        let t = "error sending request for url (https://graph.facebook.com/v20.0/me/accounts?fields=id,name&access_token=EAAB123secret&limit=5)";
        assert_eq!(
            secrets(t),
            "error sending request for url (https://graph.facebook.com/v20.0/me/accounts?fields=id,name&access_token=[REDACTED]&limit=5)"
        );
        let signed = "https://bucket.s3.amazonaws.com/a.png?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abcdef";
        assert_eq!(
            secrets(signed),
            "https://bucket.s3.amazonaws.com/a.png?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]"
        );
        assert_eq!(
            secrets("client_id=app&client_secret=s3cr3t&code=abc"),
            "client_id=app&client_secret=[REDACTED]&code=[REDACTED]"
        );
    }

    #[test]
    fn telegram_path_tokens_are_masked() {
        let t = "could not connect: error sending request for url (http://127.0.0.1:9/bot123456:AAH-fake_token/sendMessage)";
        assert_eq!(
            secrets(t),
            "could not connect: error sending request for url (http://127.0.0.1:9/bot[REDACTED]/sendMessage)"
        );
        assert_eq!(
            secrets("see /botfather for help"),
            "see /botfather for help"
        );
    }

    #[test]
    fn json_user_info_and_bearer_credentials_are_masked() {
        assert_eq!(
            secrets(r#"{"error":"bad","access_token": "tok\"en","n":1}"#),
            r#"{"error":"bad","access_token": "[REDACTED]","n":1}"#
        );
        assert_eq!(
            secrets("fetching https://user:pa55@host.example/x failed"),
            "fetching https://[REDACTED]@host.example/x failed"
        );
        assert_eq!(
            secrets("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"),
            "Authorization: Bearer [REDACTED]"
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for t in [
            "The post is over the character limit",
            "HTTP 500 Internal Server Error: try again",
            "a token was refused; the key is missing",
            "https://example.com/path?page=2&q=rust",
            "bearer of bad news",
        ] {
            assert!(matches!(secrets(t), Cow::Borrowed(_)), "{t}");
        }
    }
}
