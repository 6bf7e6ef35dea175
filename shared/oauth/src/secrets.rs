//! The random values of the server (client ids, secrets, codes, tokens), their hashes, and the
//! PKCE check.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use postiz_core::crypto::{random_hex, sha256_hex};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `prefix` and `len` random hex characters (`pca_`, `pcd_`, `pcs_`, `pos_`).
pub fn make(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", random_hex(len))
}

/// The stored form of a secret value.
pub fn hash(value: &str) -> String {
    sha256_hex(value)
}

/// Whether `presented` hashes to `stored`, in constant time.
pub fn matches(presented: &str, stored: &str) -> bool {
    hash(presented).as_bytes().ct_eq(stored.as_bytes()).into()
}

/// Whether `s` is a PKCE value (a verifier or an S256 challenge): 43 to 128 characters of
/// `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` answers the S256 `challenge`, in constant time.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    if !is_pkce_value(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_of_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches(&verifier.replace('d', "e"), challenge));
        assert!(!verifier_matches("short", challenge));
    }

    #[test]
    fn secrets_compare_by_hash() {
        let s = make("pcs_", 48);
        assert!(s.starts_with("pcs_") && s.len() == 52);
        assert!(matches(&s, &hash(&s)));
        assert!(!matches("pcs_other", &hash(&s)));
    }
}
