//! Encryption at rest (AES-256-GCM), lookup hashes and random tokens.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Encrypts and decrypts secrets stored in the table (API keys, provider tokens).
///
/// Ciphertexts are `v1:` + base64(nonce ‖ ciphertext ‖ tag), a fresh random nonce each time,
/// so equal plaintexts never give equal ciphertexts (unlike Postiz's fixed-IV AES-CBC).
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

impl Cipher {
    /// A cipher from a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            aead: Aes256Gcm::new(key.into()),
        }
    }

    /// A cipher from a secret: a base64-encoded 32-byte key is used as it is; any other
    /// string of at least 32 characters (a generated Secrets Manager password) is hashed
    /// with SHA-256 into the key.
    pub fn from_secret(secret: &str) -> Result<Self> {
        let secret = secret.trim();
        if let Ok(bytes) = STANDARD.decode(secret) {
            if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return Ok(Self::new(&key));
            }
        }
        if secret.chars().count() < 32 {
            return Err(Error::internal(
                "ENCRYPTION_KEY must be base64 of 32 bytes or at least 32 characters",
            ));
        }
        let key: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        Ok(Self::new(&key))
    }

    /// Encrypts `plaintext` into a self-describing string.
    pub fn encrypt(&self, plaintext: &str) -> Result<String> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| Error::internal("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("v1:{}", STANDARD.encode(out)))
    }

    /// Decrypts a string made by [`Cipher::encrypt`].
    pub fn decrypt(&self, ciphertext: &str) -> Result<String> {
        let body = ciphertext
            .strip_prefix("v1:")
            .ok_or_else(|| Error::internal("unknown ciphertext version"))?;
        let raw = STANDARD
            .decode(body)
            .map_err(|_| Error::internal("ciphertext is not base64"))?;
        if raw.len() < 12 + 16 {
            return Err(Error::internal("ciphertext too short"));
        }
        let (nonce, sealed) = raw.split_at(12);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| Error::internal("ciphertext does not authenticate"))?;
        String::from_utf8(plain).map_err(|_| Error::internal("plaintext is not UTF-8"))
    }
}

/// Lower-case hex SHA-256 of `input`: the lookup hash of API keys.
pub fn sha256_hex(input: &str) -> String {
    hex::encode(Sha256::digest(input.as_bytes()))
}

/// `bytes` random bytes, URL-safe base64 without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// `len` random characters from `[0-9a-f]`.
pub fn random_hex(len: usize) -> String {
    let mut buf = vec![0u8; len.div_ceil(2)];
    rand::thread_rng().fill_bytes(&mut buf);
    let mut s = hex::encode(buf);
    s.truncate(len);
    s
}

/// A new random 32-byte key, base64-encoded.
pub fn new_key_base64() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    STANDARD.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let c = Cipher::from_secret(&new_key_base64()).unwrap();
        let a = c.encrypt("secret").unwrap();
        let b = c.encrypt("secret").unwrap();
        assert_ne!(a, b, "nonces must differ");
        assert_eq!(c.decrypt(&a).unwrap(), "secret");
        let mut raw = STANDARD.decode(&a[3..]).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(c.decrypt(&format!("v1:{}", STANDARD.encode(raw))).is_err());
        let other = Cipher::from_secret(&new_key_base64()).unwrap();
        assert!(other.decrypt(&a).is_err());
        let derived =
            Cipher::from_secret("a-generated-password-of-64-characters-aaaaaaaaaaaaaaaaaaaaaaaaa")
                .unwrap();
        assert_eq!(
            derived.decrypt(&derived.encrypt("x").unwrap()).unwrap(),
            "x"
        );
        assert!(Cipher::from_secret("short").is_err());
    }
}
