//! Password hashing: argon2id for new hashes; bcrypt hashes (users imported from Postiz) verify too.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::{Error, Result};

/// Hashes `password` with argon2id and a random salt (PHC string).
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

/// True when `password` matches `stored` (argon2 PHC string or bcrypt `$2a$`/`$2b$`/`$2y$`).
pub fn verify(password: &str, stored: &str) -> bool {
    if stored.starts_with("$2") {
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_and_bcrypt() {
        let h = hash("hunter22").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("hunter22", &h));
        assert!(!verify("hunter23", &h));
        let b = bcrypt::hash("imported", 4).unwrap();
        assert!(verify("imported", &b));
        assert!(!verify("other", &b));
        assert!(!verify("x", "garbage"));
    }
}
