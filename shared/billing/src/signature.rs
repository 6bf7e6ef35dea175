//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`,
//! each `v1` an HMAC-SHA256 of `"<t>.<raw body>"` with the endpoint's signing secret. Any
//! matching `v1` is accepted (Stripe sends several while a secret is being rolled); the
//! timestamp must be within the tolerance of now, so a captured delivery cannot be replayed
//! later.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Stripe's default tolerance: five minutes either way.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused (each answers 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// No `Stripe-Signature` header.
    Missing,
    /// The header has no timestamp or no `v1` signature.
    Malformed,
    /// The timestamp is outside the tolerance.
    Stale,
    /// No `v1` signature matches the body.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::Missing => "Missing Stripe-Signature header",
            SignatureError::Malformed => "Malformed Stripe-Signature header",
            SignatureError::Stale => "Stripe-Signature timestamp outside the tolerance",
            SignatureError::Mismatch => "No signatures found matching the expected signature",
        })
    }
}

/// Checks `header` for `payload` with `secret` at `now` (unix seconds).
pub fn verify(
    payload: &[u8],
    header: Option<&str>,
    secret: &str,
    now: i64,
    tolerance: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => {
                if let Ok(bytes) = hex::decode(s) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance {
        return Err(SignatureError::Stale);
    }
    let expected = sign(payload, timestamp, secret);
    if signatures
        .iter()
        .any(|s| bool::from(s.as_slice().ct_eq(expected.as_slice())))
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `v1` signature of `payload` at `timestamp` (for tests and tools that sign events).
pub fn sign(payload: &[u8], timestamp: i64, secret: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize().into_bytes().to_vec()
}

/// A whole `Stripe-Signature` header for `payload` at `timestamp`.
pub fn header(payload: &[u8], timestamp: i64, secret: &str) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(sign(payload, timestamp, secret))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_signed_body_passes_and_anything_else_fails() {
        let body = br#"{"id":"evt_1"}"#;
        let good = header(body, NOW, SECRET);
        assert_eq!(
            verify(body, Some(&good), SECRET, NOW, TOLERANCE_SECS),
            Ok(())
        );
        // Several v1 (a secret being rolled): any match passes.
        let other = hex::encode(sign(body, NOW, "whsec_old"));
        let rolled = format!(
            "t={NOW},v1={other},v1={}",
            hex::encode(sign(body, NOW, SECRET))
        );
        assert_eq!(verify(body, Some(&rolled), SECRET, NOW, 300), Ok(()));
        // Another body, secret or scheme.
        assert_eq!(
            verify(br#"{"id":"evt_2"}"#, Some(&good), SECRET, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, Some(&good), "whsec_other", NOW, 300),
            Err(SignatureError::Mismatch)
        );
        let v0 = good.replace("v1=", "v0=");
        assert_eq!(
            verify(body, Some(&v0), SECRET, NOW, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(body, None, SECRET, NOW, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(body, Some("v1=abc"), SECRET, NOW, 300),
            Err(SignatureError::Malformed)
        );
        // Replayed after the tolerance, or dated in the future.
        assert_eq!(
            verify(body, Some(&good), SECRET, NOW + 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(body, Some(&good), SECRET, NOW - 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(body, Some(&good), SECRET, NOW + 300, 300), Ok(()));
    }
}
