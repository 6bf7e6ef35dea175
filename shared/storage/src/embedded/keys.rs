//! Byte encodings of composite keys so that redb's byte order equals DynamoDB's string order.
//!
//! Each part is followed by a NUL byte (parts never contain NUL), so comparing the
//! concatenation compares the parts in order.

use std::ops::Bound;

use crate::table::KeyRange;

/// Appends each part followed by NUL.
pub fn compose(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        out.extend_from_slice(p.as_bytes());
        out.push(0);
    }
    out
}

fn with(prefix: &[u8], part: &str, tail: &[u8]) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.extend_from_slice(part.as_bytes());
    v.extend_from_slice(tail);
    v
}

/// Byte bounds selecting `range` among keys `prefix ‖ sortkey NUL ‖ ...`.
pub fn bounds(prefix: &[u8], range: &KeyRange) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    use Bound::{Excluded, Included};
    let start = Included(prefix.to_vec());
    let mut end_bytes = prefix.to_vec();
    if let Some(last) = end_bytes.last_mut() {
        *last = 1; // the prefix ends with NUL; NUL+1 closes it
    }
    let end = Excluded(end_bytes);
    match range {
        KeyRange::All => (start, end),
        KeyRange::Eq(v) => (
            Included(with(prefix, v, &[0])),
            Excluded(with(prefix, v, &[1])),
        ),
        KeyRange::BeginsWith(p) => (
            Included(with(prefix, p, &[])),
            Excluded(with(prefix, p, &[0xff])),
        ),
        KeyRange::Between(a, b) => (
            Included(with(prefix, a, &[0])),
            Excluded(with(prefix, b, &[1])),
        ),
        KeyRange::Lt(x) => (start, Excluded(with(prefix, x, &[0]))),
        KeyRange::Le(x) => (start, Excluded(with(prefix, x, &[1]))),
        KeyRange::Gt(x) => (Included(with(prefix, x, &[1])), end),
        KeyRange::Ge(x) => (Included(with(prefix, x, &[0])), end),
    }
}

/// Big-endian bytes of a timestamp, for time-ordered keys (negative values clamp to 0).
pub fn time_prefix(t: i64) -> [u8; 8] {
    (t.max(0) as u64).to_be_bytes()
}
