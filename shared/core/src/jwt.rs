//! Compact HS256 JSON Web Tokens: sessions, invites, password resets, activations.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{de::DeserializeOwned, Serialize};
use sha2::Sha256;

use crate::{Error, Result};

type HmacSha256 = Hmac<Sha256>;
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Signs and verifies HS256 tokens with one secret.
#[derive(Clone)]
pub struct JwtSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtSigner(..)")
    }
}

impl JwtSigner {
    /// A signer for `secret`.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self {
            secret: secret.as_ref().to_vec(),
        }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length")
    }

    /// Signs `claims` into a token.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String> {
        let payload = serde_json::to_vec(claims).map_err(Error::internal)?;
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(format!("{signing_input}.{sig}"))
    }

    /// Verifies the signature and algorithm, then decodes the claims. `None` for any forgery.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut parts = token.trim().splitn(3, '.');
        let (header, payload, sig) = (parts.next()?, parts.next()?, parts.next()?);
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let mut mac = self.mac();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&sig).ok()?;
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "HS256" {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_verify_and_forgeries() {
        let s = JwtSigner::new("k1");
        let t = s.sign(&json!({"id": "u1"})).unwrap();
        let v: serde_json::Value = s.verify(&t).unwrap();
        assert_eq!(v["id"], "u1");
        assert!(JwtSigner::new("k2")
            .verify::<serde_json::Value>(&t)
            .is_none());
        let parts: Vec<&str> = t.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(r#"{"id":"admin"}"#);
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert!(s.verify::<serde_json::Value>(&forged).is_none());
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            parts[1]
        );
        assert!(s.verify::<serde_json::Value>(&none_alg).is_none());
        assert!(s.verify::<serde_json::Value>("garbage").is_none());
    }
}
