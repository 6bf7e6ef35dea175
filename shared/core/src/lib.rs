//! Domain primitives every function shares: the error type, the clock, crypto helpers,
//! password hashing, signed tokens, ids and the email port.

pub mod allocator;
pub mod clock;
pub mod crypto;
pub mod email;
pub mod error;
pub mod jwt;
pub mod password;
pub mod redact;
pub mod validate;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, Result};

/// A new random identifier (UUID v4, hyphenated), the id format Postiz uses.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
