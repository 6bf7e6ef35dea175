//! The calendar's hot path: stored posts decoded straight from their JSON text into a slim
//! row that borrows from it, and entries serialised straight from the rows, in the calendar's
//! minified shape (`GET /posts`, `/posts/list`) or the public API's (`GET /public/v1/posts`).

use chrono::{DateTime, SecondsFormat, Utc};
use postiz_integrations::Channel;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

use crate::model::{Post, PostState, Tag};

/// What the calendar needs of a stored post; strings borrow from the stored text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Row<'a> {
    /// Post id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Thread group.
    #[serde(borrow)]
    pub group: Cow<'a, str>,
    /// Channel id.
    #[serde(borrow)]
    pub integration_id: Cow<'a, str>,
    /// Publish date.
    #[serde(deserialize_with = "instant")]
    pub publish_date: DateTime<Utc>,
    /// State.
    pub state: PostState,
    /// The root message (the thread's later messages are skipped unread).
    #[serde(borrow, rename = "parts", deserialize_with = "first_part")]
    pub root: Option<RowPart<'a>>,
    /// Provider settings as JSON text (`None` when absent or empty).
    #[serde(borrow, default, deserialize_with = "settings_text")]
    pub settings: Option<Cow<'a, str>>,
    /// Repeat interval.
    #[serde(default)]
    pub interval_in_days: Option<i64>,
    /// Tag names.
    #[serde(borrow, default)]
    pub tags: Vec<Cow<'a, str>>,
    /// WEB, API, CLI...
    #[serde(borrow, default)]
    pub creation_method: Cow<'a, str>,
}

/// The root message's fields a row shows.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowPart<'a> {
    /// HTML content, as its JSON string literal (copied into answers as it is stored, never
    /// unescaped and escaped again).
    #[serde(borrow, deserialize_with = "json_literal")]
    pub content: Cow<'a, RawValue>,
    /// The network's id.
    #[serde(borrow, default)]
    pub release_id: Option<Cow<'a, str>>,
    /// The public URL.
    #[serde(borrow, default)]
    pub release_url: Option<Cow<'a, str>>,
}

fn json_literal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Cow<'de, RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Cow::Borrowed)
}

/// The JSON string literal of `text`.
fn literal(text: &str) -> Box<RawValue> {
    serde_json::value::to_raw_value(text).expect("a string serialises")
}

/// The first element of a list; the others are skipped without being decoded.
fn first_part<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<RowPart<'de>>, D::Error> {
    struct First;
    impl<'de> serde::de::Visitor<'de> for First {
        type Value = Option<RowPart<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of messages")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let first = seq.next_element()?;
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(first)
        }
    }
    d.deserialize_seq(First)
}

/// An instant as stored (`2026-11-26T10:00:00Z`, with or without fractions): the common
/// UTC form is read directly, anything else through chrono's RFC 3339 parser.
fn instant<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text: Cow<'de, str> = Deserialize::deserialize(d)?;
    match utc_instant(&text) {
        Some(at) => Ok(at),
        None => DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, or `None` for any other form.
fn utc_instant(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(20..20 + digits.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time =
        chrono::NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(date.and_time(time).and_utc())
}

fn settings_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    let raw: Option<&'de RawValue> = Option::deserialize(d)?;
    Ok(raw
        .map(RawValue::get)
        .filter(|t| t.starts_with('{') && *t != "{}")
        .map(Cow::Borrowed))
}

impl<'a> Row<'a> {
    /// Decodes a stored post's JSON text (checked as UTF-8 once, not string by string).
    pub fn parse(bytes: &'a [u8]) -> serde_json::Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }

    /// The row of a decoded post.
    pub fn of(p: &'a Post) -> Self {
        Row {
            id: Cow::Borrowed(&p.id),
            group: Cow::Borrowed(&p.group),
            integration_id: Cow::Borrowed(&p.integration_id),
            publish_date: p.publish_date,
            state: p.state,
            root: p.parts.first().map(|m| RowPart {
                content: Cow::Owned(literal(&m.content)),
                release_id: m.release_id.as_deref().map(Cow::Borrowed),
                release_url: m.release_url.as_deref().map(Cow::Borrowed),
            }),
            settings: match &p.settings {
                serde_json::Value::Object(m) if !m.is_empty() => {
                    Some(Cow::Owned(p.settings.to_string()))
                }
                _ => None,
            },
            interval_in_days: p.interval_in_days,
            tags: p.tags.iter().map(|t| Cow::Borrowed(t.as_str())).collect(),
            creation_method: Cow::Borrowed(&p.creation_method),
        }
    }

    fn root(&self) -> Option<&RowPart<'a>> {
        self.root.as_ref()
    }
}

/// The root message's content literal, `""` without one.
fn content_of<'a>(root: Option<&'a RowPart<'_>>) -> &'a RawValue {
    const EMPTY: &str = r#""""#;
    match root {
        Some(r) => r.content.as_ref(),
        None => serde_json::from_str(EMPTY).expect("an empty string literal"),
    }
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A tag in the calendar's minified shape.
#[derive(Serialize)]
struct TagShort<'a> {
    i: &'a str,
    n: &'a str,
    c: &'a str,
    o: &'a str,
    ca: String,
    ua: String,
    da: Option<String>,
}

#[derive(Serialize)]
struct TagWrap<T> {
    #[serde(rename = "t")]
    t: T,
}

/// The channel in the calendar's minified shape.
#[derive(Serialize)]
struct ChannelShort<'a> {
    i: &'a str,
    pi: &'a str,
    n: &'a str,
    p: Option<&'a str>,
}

/// One calendar or list entry with Postiz's minified keys.
#[derive(Serialize)]
pub struct Minified<'a> {
    i: &'a str,
    c: &'a RawValue,
    d: String,
    u: Option<&'a str>,
    ri: Option<&'a str>,
    s: &'static str,
    g: &'a str,
    tg: Vec<&'a RawValue>,
    n: Option<&'a RawValue>,
    iv: Option<i64>,
    cm: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ad: Option<String>,
}

/// The JSON of the channels and tags an answer repeats on every entry, written once per
/// answer (in the calendar's minified shape or the public API's).
pub struct Fragments<'a> {
    channels: Vec<(&'a str, Box<RawValue>)>,
    tags: Vec<(&'a str, Box<RawValue>)>,
}

fn raw<T: Serialize>(value: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("plain structs serialise")
}

impl<'a> Fragments<'a> {
    /// Each channel and tag written once, by `channel` and `tag`.
    fn build<C: Serialize, T: Serialize>(
        channels: impl IntoIterator<Item = &'a Channel>,
        tags: &'a [Tag],
        channel: impl Fn(&'a Channel) -> C,
        tag: impl Fn(&'a Tag) -> T,
    ) -> Self {
        Fragments {
            channels: channels
                .into_iter()
                .map(|c| (c.id.as_str(), raw(&channel(c))))
                .collect(),
            tags: tags
                .iter()
                .map(|t| (t.name.as_str(), raw(&tag(t))))
                .collect(),
        }
    }

    /// Fragments in the calendar's minified shape.
    pub fn minified(channels: impl IntoIterator<Item = &'a Channel>, tags: &'a [Tag]) -> Self {
        Self::build(
            channels,
            tags,
            |c| ChannelShort {
                i: &c.id,
                pi: &c.provider_identifier,
                n: &c.name,
                p: c.picture.as_deref(),
            },
            |t| TagWrap {
                t: TagShort {
                    i: &t.id,
                    n: &t.name,
                    c: &t.color,
                    o: &t.org_id,
                    ca: iso(t.created_at),
                    ua: iso(t.updated_at),
                    da: t.deleted_at.map(iso),
                },
            },
        )
    }

    /// Fragments in the public API's shape.
    pub fn public(channels: impl IntoIterator<Item = &'a Channel>, tags: &'a [Tag]) -> Self {
        Self::build(
            channels,
            tags,
            |c| ChannelRef {
                id: &c.id,
                provider_identifier: &c.provider_identifier,
                name: &c.name,
                picture: c.picture.as_deref(),
            },
            |t| TagEntry {
                tag: TagFull {
                    id: &t.id,
                    name: &t.name,
                    color: &t.color,
                    org_id: &t.org_id,
                    created_at: iso(t.created_at),
                    updated_at: iso(t.updated_at),
                    deleted_at: t.deleted_at.map(iso),
                },
            },
        )
    }

    /// The channel's JSON (`None`, shown as `null`, only for a channel not given to
    /// [`Fragments::minified`] or [`Fragments::public`]).
    fn channel(&self, c: &Channel) -> Option<&RawValue> {
        self.channels
            .iter()
            .find(|(id, _)| *id == c.id)
            .map(|(_, json)| json.as_ref())
    }

    fn tags(&self, row: &Row<'_>) -> Vec<&RawValue> {
        row.tags
            .iter()
            .filter_map(|name| self.tags.iter().find(|(n, _)| *n == name.as_ref()))
            .map(|(_, json)| json.as_ref())
            .collect()
    }
}

/// The minified entry of `row` on channel `c`; `actual` is the shown occurrence of a
/// repeating post (the stored date then goes in `ad`).
pub fn minified<'a>(
    row: &'a Row<'a>,
    c: &'a Channel,
    shared: &'a Fragments<'a>,
    actual: Option<DateTime<Utc>>,
) -> Minified<'a> {
    let root = row.root();
    Minified {
        i: &row.id,
        c: content_of(root),
        d: iso(actual.unwrap_or(row.publish_date)),
        u: root.and_then(|r| r.release_url.as_deref()),
        ri: root.and_then(|r| r.release_id.as_deref()),
        s: row.state.as_str(),
        g: &row.group,
        tg: shared.tags(row),
        n: shared.channel(c),
        iv: row.interval_in_days,
        cm: &row.creation_method,
        ad: actual.map(|_| iso(row.publish_date)),
    }
}

/// A tag as Postiz returns it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TagFull<'a> {
    id: &'a str,
    name: &'a str,
    color: &'a str,
    org_id: &'a str,
    created_at: String,
    updated_at: String,
    deleted_at: Option<String>,
}

#[derive(Serialize)]
struct TagEntry<T> {
    tag: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChannelRef<'a> {
    id: &'a str,
    provider_identifier: &'a str,
    name: &'a str,
    picture: Option<&'a str>,
}

/// One entry of `GET /public/v1/posts` (Postiz's `PostListItem`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicItem<'a> {
    id: &'a str,
    content: &'a RawValue,
    publish_date: String,
    #[serde(rename = "releaseURL")]
    release_url: Option<&'a str>,
    release_id: Option<&'a str>,
    state: &'static str,
    interval_in_days: Option<i64>,
    group: &'a str,
    creation_method: &'a str,
    settings: Option<&'a str>,
    tags: Vec<&'a RawValue>,
    integration: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_date: Option<String>,
}

/// The public API's entry of `row`; a post being sent shows as `QUEUE`, the states its
/// clients know.
pub fn public_item<'a>(
    row: &'a Row<'a>,
    c: &'a Channel,
    shared: &'a Fragments<'a>,
    actual: Option<DateTime<Utc>>,
) -> PublicItem<'a> {
    let root = row.root();
    PublicItem {
        id: &row.id,
        content: content_of(root),
        publish_date: iso(actual.unwrap_or(row.publish_date)),
        release_url: root.and_then(|r| r.release_url.as_deref()),
        release_id: root.and_then(|r| r.release_id.as_deref()),
        state: match row.state {
            PostState::Publishing => "QUEUE",
            s => s.as_str(),
        },
        interval_in_days: row.interval_in_days,
        group: &row.group,
        creation_method: &row.creation_method,
        settings: row.settings.as_deref(),
        tags: shared.tags(row),
        integration: shared.channel(c),
        actual_date: actual.map(|_| iso(row.publish_date)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_read_like_chrono_reads_them() {
        for text in [
            "2026-11-26T10:00:00Z",
            "2026-11-26T10:00:00.5Z",
            "2026-11-26T10:00:00.123Z",
            "1999-01-31T23:59:59.123456789Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(utc_instant(text), Some(chrono), "{text}");
        }
        for other in [
            "2026-11-26T10:00:00+01:00",
            "2026-13-26T10:00:00Z",
            "2026-11-26 10:00:00Z",
            "2026-11-26T10:00:00.Z",
            "2026-11-26T1a:00:00Z",
        ] {
            assert_eq!(utc_instant(other), None, "{other}");
        }
        let row = Row::parse(
            br#"{"id":"p","group":"g","integrationId":"c","publishDate":"2026-11-26T10:00:00+01:00","state":"QUEUE","parts":[{"content":"root","releaseId":"1"},{"content":"reply \"x\""}]}"#,
        )
        .unwrap();
        assert_eq!(row.publish_date.to_rfc3339(), "2026-11-26T09:00:00+00:00");
        assert_eq!(row.root().unwrap().content.get(), r#""root""#);
        assert_eq!(row.root().unwrap().release_id.as_deref(), Some("1"));
        // Escapes and non-ASCII text pass through as stored and read back the same.
        let stored = serde_json::json!({"id": "p", "group": "g", "integrationId": "c",
            "publishDate": "2026-11-26T10:00:00Z", "state": "QUEUE",
            "parts": [{"content": "<p class=\"x\">café \u{2028} ☕</p>"}]})
        .to_string();
        let row = Row::parse(stored.as_bytes()).unwrap();
        let shown: String = serde_json::from_str(row.root().unwrap().content.get()).unwrap();
        assert_eq!(shown, "<p class=\"x\">café \u{2028} ☕</p>");
    }
}
