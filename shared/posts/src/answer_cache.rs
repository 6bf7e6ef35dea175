//! Answers of the calendar reads kept while the table is unchanged: when the store is the
//! table's only writer (the embedded store), its write generation says exactly when a kept
//! answer may still be served. With DynamoDB (many writers) nothing is kept.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most bytes kept; past it the cache starts over.
const MAX_BYTES: usize = 32 << 20;

/// Answers by key, each with the write generation it was computed at.
#[derive(Debug, Default)]
pub struct AnswerCache {
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, (u64, Bytes)>,
    bytes: usize,
}

impl AnswerCache {
    /// The answer kept for `key` if it was computed at `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.map.get(key) {
            Some((g, body)) if *g == generation => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps `body` as the answer for `key` at `generation` (the generation read before
    /// the data the answer was made of).
    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.bytes + body.len() > MAX_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        entries.bytes += body.len();
        if let Some((_, old)) = entries.map.insert(key, (generation, body)) {
            entries.bytes -= old.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_served_only_at_their_generation() {
        let c = AnswerCache::default();
        c.put("k".into(), 7, Bytes::from_static(b"{}"));
        assert_eq!(c.get("k", 7).as_deref(), Some(&b"{}"[..]));
        assert!(c.get("k", 8).is_none(), "a later write makes it stale");
        assert!(c.get("other", 7).is_none());
        c.put("k".into(), 8, Bytes::from_static(b"[]"));
        assert_eq!(c.get("k", 8).as_deref(), Some(&b"[]"[..]));
        assert!(c.get("k", 7).is_none());
    }
}
