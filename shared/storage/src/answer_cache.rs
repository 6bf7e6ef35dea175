//! Answers kept while the table is unchanged: when the store is the table's only writer (the
//! embedded store), its write generation ([`crate::Table::write_generation`]) says exactly
//! when a kept answer may still be served. With DynamoDB (many writers) nothing is kept.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most bytes kept; past it the cache starts over.
const MAX_BYTES: usize = 32 << 20;

/// Answers by key, each with the write generation it was computed at.
#[derive(Debug)]
pub struct AnswerCache<V> {
    entries: Mutex<Entries<V>>,
}

#[derive(Debug)]
struct Entries<V> {
    map: HashMap<String, (u64, V, usize)>,
    bytes: usize,
}

impl<V> Default for AnswerCache<V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                bytes: 0,
            }),
        }
    }
}

impl<V: Clone> AnswerCache<V> {
    /// The answer kept for `key` if it was computed at `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.map.get(key) {
            Some((g, value, _)) if *g == generation => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value` (about `size` bytes) as the answer for `key` at `generation`: the
    /// generation read before the data the answer was made of.
    pub fn put(&self, key: String, generation: u64, value: V, size: usize) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let size = size + key.len();
        if entries.bytes + size > MAX_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        entries.bytes += size;
        if let Some((_, _, old)) = entries.map.insert(key, (generation, value, size)) {
            entries.bytes -= old;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_served_only_at_their_generation() {
        let c = AnswerCache::default();
        c.put("k".into(), 7, "{}", 2);
        assert_eq!(c.get("k", 7), Some("{}"));
        assert!(c.get("k", 8).is_none(), "a later write makes it stale");
        assert!(c.get("other", 7).is_none());
        c.put("k".into(), 8, "[]", 2);
        assert_eq!(c.get("k", 8), Some("[]"));
        assert!(c.get("k", 7).is_none());
    }
}
