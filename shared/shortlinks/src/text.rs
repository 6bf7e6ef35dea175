//! Finding the links in a post's text (HTML from the editor, or plain text) and replacing
//! them.

/// A link found in a text: its byte range there and the URL it names (HTML entities the
/// editor writes inside URLs, `&amp;`, `&quest;`, `&num;`, decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where the link's text starts.
    pub start: usize,
    /// Where it ends (exclusive).
    pub end: usize,
    /// The URL.
    pub url: String,
}

fn url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&()*+,;=%".contains(c)
}

/// Every `http(s)://` link in `text` with a host that has a dot (as Postiz's pattern
/// wants), in order. Punctuation ending a sentence is not part of a link, nor is a closing
/// parenthesis without its opening one.
pub fn find_links(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = next_scheme(text, from) {
        let rest = &text[pos..];
        let len = rest.find(|c: char| !url_char(c)).unwrap_or(rest.len());
        let mut raw = &rest[..len];
        loop {
            let trimmed = raw.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
            let trimmed = if trimmed.ends_with(')')
                && trimmed.matches(')').count() > trimmed.matches('(').count()
            {
                &trimmed[..trimmed.len() - 1]
            } else {
                trimmed
            };
            // An entity cut in half by the trimming (`&amp;` ends with `;`).
            if trimmed.len() == raw.len() {
                break;
            }
            raw = trimmed;
        }
        let url = decode_entities(raw);
        if has_dotted_host(&url) {
            out.push(Found {
                start: pos,
                end: pos + raw.len(),
                url,
            });
        }
        from = pos + len.max(1);
    }
    out
}

fn next_scheme(text: &str, from: usize) -> Option<usize> {
    let lower = text[from..].to_ascii_lowercase();
    let http = lower.find("http://");
    let https = lower.find("https://");
    let at = match (http, https) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    // Not the tail of a longer word (`xhttp://`).
    let pos = from + at;
    match text[..pos].chars().next_back() {
        Some(c) if c.is_ascii_alphanumeric() => next_scheme(text, pos + 4),
        _ => Some(pos),
    }
}

fn decode_entities(raw: &str) -> String {
    raw.replace("&amp;", "&")
        .replace("&quest;", "?")
        .replace("&num;", "#")
}

fn has_dotted_host(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.contains('.') && !h.ends_with('.')))
        .unwrap_or(false)
}

/// `text` with each link replaced by what `replace` answers for its URL (`None`: kept).
pub fn replace_links(text: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in find_links(text) {
        out.push_str(&text[at..f.start]);
        match replace(&f.url) {
            Some(new) => out.push_str(&new),
            None => out.push_str(&text[f.start..f.end]),
        }
        at = f.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        find_links(text).into_iter().map(|f| f.url).collect()
    }

    #[test]
    fn links_in_plain_text_and_html() {
        assert_eq!(
            urls("Read https://example.com/a?b=1&c=2. And (see http://x.org/p) now!"),
            ["https://example.com/a?b=1&c=2", "http://x.org/p"]
        );
        assert_eq!(
            urls("<p>New: <a href=\"https://blog.example.com/post\">https://blog.example.com/post</a></p>"),
            ["https://blog.example.com/post", "https://blog.example.com/post"]
        );
        assert_eq!(
            urls("<p>https://shop.example.com/?q=a&amp;page=2&num;top</p>"),
            ["https://shop.example.com/?q=a&page=2#top"]
        );
        assert_eq!(
            urls("https://en.wikipedia.org/wiki/Rust_(language)"),
            ["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
        assert!(urls("no links, http://localhost/x, xhttps://a.b, https://").is_empty());
        assert_eq!(urls("HTTPS://EXAMPLE.COM/Up"), ["HTTPS://EXAMPLE.COM/Up"]);
    }

    #[test]
    fn replacing_keeps_the_rest_of_the_text() {
        let text = "<p>a https://one.example/x, b https://two.example.</p>";
        let out = replace_links(text, |u| {
            (u == "https://one.example/x").then(|| "https://s.io/1".into())
        });
        assert_eq!(out, "<p>a https://s.io/1, b https://two.example.</p>");
    }
}
