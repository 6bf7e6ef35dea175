//! Reading a feed: a conditional GET through the guarded fetcher (public https only, capped in
//! size and time, every redirect vetted), then RSS 0.x/1.0/2.0, Atom or JSON Feed parsed by
//! `feed-rs` into items, oldest first.

use chrono::{DateTime, Utc};
use postiz_fetch::{FetchError, FetchPolicy, GuardedFetcher};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Largest feed body read.
pub const MAX_FEED_BYTES: u64 = 5 * 1024 * 1024;
/// Items of one feed considered (the newest).
pub const MAX_ITEMS: usize = 1000;
/// Longest item text kept (the post, the AI's description).
const MAX_TEXT: usize = 2000;

/// One entry of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// Stable identity: the hash of its GUID (or link, or title).
    pub key: String,
    /// The entry's link.
    pub link: String,
    /// Its title (plain text).
    pub title: String,
    /// Its summary or content (plain text, cut).
    pub text: String,
    /// Its publication (or update) date.
    pub published: Option<DateTime<Utc>>,
}

/// What reading a feed gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// `304 Not Modified` to the conditional GET.
    NotModified,
    /// The items, oldest first, and the validators for the next read.
    Items {
        /// Oldest first.
        items: Vec<FeedItem>,
        /// `ETag` of the answer.
        etag: Option<String>,
        /// `Last-Modified` of the answer.
        last_modified: Option<String>,
    },
}

/// Why a feed could not be read (safe to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedError {
    /// The URL, a redirect or an address is not allowed.
    Refused(String),
    /// The network failed, the status was not 2xx, or the body is too big.
    Unreachable(String),
    /// The body is not a feed.
    NotAFeed(String),
}

impl std::fmt::Display for FeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedError::Refused(m) => write!(f, "the feed URL is not allowed: {m}"),
            FeedError::Unreachable(m) => write!(f, "the feed could not be read: {m}"),
            FeedError::NotAFeed(m) => write!(f, "this is not an RSS or Atom feed: {m}"),
        }
    }
}

/// The fetcher policy of feeds: public https only (unless `FETCH_ALLOW_PRIVATE`), 5 MB, 20 s.
pub fn feed_policy() -> FetchPolicy {
    let mut policy = FetchPolicy::user_urls(MAX_FEED_BYTES);
    policy.timeout = Duration::from_secs(20);
    policy
}

/// Reads `url`, conditionally on the validators of the last read.
pub async fn read(
    fetcher: &GuardedFetcher,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Read, FeedError> {
    let fetched = match fetcher.get_if_changed(url, etag, last_modified).await {
        Ok(None) => return Ok(Read::NotModified),
        Ok(Some(f)) => f,
        Err(FetchError::Refused(m)) => return Err(FeedError::Refused(m)),
        Err(FetchError::TooLarge) => {
            return Err(FeedError::Unreachable(format!(
                "the feed is larger than {} MB",
                MAX_FEED_BYTES / 1024 / 1024
            )))
        }
        Err(FetchError::Failed(m)) => return Err(FeedError::Unreachable(m)),
    };
    let items = parse(&fetched.bytes)?;
    Ok(Read::Items {
        items,
        etag: fetched.etag,
        last_modified: fetched.last_modified,
    })
}

/// Parses a feed body into its items, oldest first (by date when every item has one, else
/// the reverse of the feed's order, which lists the newest first), at most [`MAX_ITEMS`].
pub fn parse(body: &[u8]) -> Result<Vec<FeedItem>, FeedError> {
    let feed = feed_rs::parser::parse(body).map_err(|e| {
        let mut m = e.to_string();
        m.truncate(200);
        FeedError::NotAFeed(m)
    })?;
    let mut items: Vec<FeedItem> = feed
        .entries
        .into_iter()
        .filter_map(|e| {
            let link = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(e.links.first())
                .map(|l| l.href.trim().to_string())
                .unwrap_or_default();
            let title = e.title.map(|t| plain(&t.content)).unwrap_or_default();
            let text = e
                .summary
                .map(|t| plain(&t.content))
                .filter(|t| !t.is_empty())
                .or_else(|| e.content.and_then(|c| c.body).map(|b| plain(&b)))
                .unwrap_or_default();
            // feed-rs makes up an id when the entry has none; a link is steadier then.
            let identity = if !e.id.is_empty() && !looks_generated(&e.id) {
                e.id.clone()
            } else if !link.is_empty() {
                link.clone()
            } else {
                title.clone()
            };
            if identity.is_empty() {
                return None;
            }
            Some(FeedItem {
                key: hash(&identity),
                link,
                title,
                text: cut(&text, MAX_TEXT),
                published: e.published.or(e.updated),
            })
        })
        .collect();
    if items.iter().all(|i| i.published.is_some()) {
        items.sort_by_key(|i| i.published);
    } else {
        items.reverse();
    }
    if items.len() > MAX_ITEMS {
        items.drain(..items.len() - MAX_ITEMS);
    }
    Ok(items)
}

/// feed-rs's made-up ids are 32 hex characters (an MD5 of the entry).
fn looks_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hash(identity: &str) -> String {
    let digest = Sha256::digest(identity.trim().as_bytes());
    hex::encode(&digest[..16])
}

fn plain(html: &str) -> String {
    let text = postiz_posts::format::plain_text(html);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <item><title>Second &amp; last</title><link>https://blog.example/2</link><guid>g2</guid>
        <pubDate>Tue, 02 Dec 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;Two&lt;/p&gt;</description></item>
      <item><title>First</title><link>https://blog.example/1</link><guid>g1</guid>
        <pubDate>Mon, 01 Dec 2026 10:00:00 GMT</pubDate><description>One</description></item>
    </channel></rss>"#;

    #[test]
    fn rss_items_come_oldest_first_with_plain_text() {
        let items = parse(RSS.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].link, "https://blog.example/1");
        assert_eq!(items[1].title, "Second & last");
        assert_eq!(items[1].text, "Two");
        assert_ne!(items[0].key, items[1].key);
        // The identity is the GUID: the same item keeps its key when its link changes.
        let moved = RSS.replace("https://blog.example/1", "https://blog.example/one");
        assert_eq!(parse(moved.as_bytes()).unwrap()[0].key, items[0].key);
    }

    #[test]
    fn atom_and_malformed_bodies() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
          <entry><id>urn:a</id><title>Only</title><link href="https://x.example/a"/>
          <updated>2026-12-01T00:00:00Z</updated><summary>S</summary></entry></feed>"#;
        let items = parse(atom.as_bytes()).unwrap();
        assert_eq!(items[0].link, "https://x.example/a");
        assert!(matches!(
            parse(b"<rss><channel><item><title>x</title>"),
            Err(FeedError::NotAFeed(_))
        ));
        assert!(matches!(parse(b"hello"), Err(FeedError::NotAFeed(_))));
    }

    #[test]
    fn a_thousand_items_are_capped_to_the_newest() {
        let mut body = String::from(r#"<rss version="2.0"><channel><title>T</title>"#);
        for i in 0..1200 {
            body.push_str(&format!(
                "<item><title>{i}</title><link>https://b.example/{i}</link><guid>{i}</guid></item>"
            ));
        }
        body.push_str("</channel></rss>");
        let items = parse(body.as_bytes()).unwrap();
        assert_eq!(items.len(), MAX_ITEMS);
        // No dates: the feed's order is newest first, so the last is item 0.
        assert_eq!(items.last().unwrap().title, "0");
    }
}
