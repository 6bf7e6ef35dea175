//! Conversion of stored post HTML (the editor's sanitised output) to each provider's format,
//! plus the allow-list sanitiser and the plain-text view used for emptiness checks and
//! character counts. A small tolerant tokenizer underneath never panics on any input.

/// The editor format a provider takes (mirror of postiz_providers::Editor; the caller maps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text without any markup.
    None,
    /// Plain text with Unicode bold/underline and "- " list items.
    Normal,
    /// Markdown.
    Markdown,
    /// Sanitised HTML.
    Html,
}

const ALLOWED_TAGS: &str = "p br strong u a ul li h1 h2 h3 span";
const ALLOWED_ATTRS: &str = "href target rel class data-mention-id data-mention-label";
/// Nesting cap for open elements, keeping pathological input linear.
const MAX_DEPTH: usize = 64;
/// Elements whose raw content is dropped up to the matching end tag.
const RAW_TEXT: &str = "script style textarea title iframe noscript noembed noframes xmp";

fn listed(list: &str, name: &str) -> bool {
    list.split(' ').any(|n| n == name)
}

enum Tok {
    Start(String, Vec<(String, String)>),
    End(String),
    Text(String),
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    let p = b.get(from..)?.windows(pat.len()).position(|w| w == pat)?;
    Some(p + from)
}

/// Index of the first byte at or after `j` matching `stop` (or the end).
fn scan(b: &[u8], mut j: usize, stop: impl Fn(u8) -> bool) -> usize {
    while j < b.len() && !stop(b[j]) {
        j += 1;
    }
    j
}

/// Splits HTML into tokens. Every slice boundary sits on an ASCII byte or the end of input,
/// so slicing is always on a char boundary.
fn tokenize(s: &str) -> Vec<Tok> {
    let (b, mut toks, mut i, mut text) = (s.as_bytes(), Vec::new(), 0, 0);
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'<')) {
        let lt = i + off;
        let Some((tok, next)) = markup(s, lt) else {
            i = lt + 1; // a stray `<` is text
            continue;
        };
        if text < lt {
            toks.push(Tok::Text(s[text..lt].to_string()));
        }
        toks.extend(tok);
        (i, text) = (next, next);
    }
    if text < b.len() {
        toks.push(Tok::Text(s[text..].to_string()));
    }
    toks
}

/// Parses the markup at `lt` (a `<`): `None` for a stray `<`, otherwise the token (comments,
/// raw-text elements and tags cut off by the end of input give none) and the index after it.
fn markup(s: &str, lt: usize) -> Option<(Option<Tok>, usize)> {
    let (b, len) = (s.as_bytes(), s.len());
    let after = |pat: &[u8], from: usize| find(b, from, pat).map_or(len, |p| p + pat.len());
    if b[lt..].starts_with(b"<!--") {
        return Some((None, after(b"-->", lt + 2))); // also `<!-->`
    }
    let end_tag = b.get(lt + 1) == Some(&b'/');
    let mut j = lt + 1 + usize::from(end_tag);
    match b.get(j) {
        Some(c) if c.is_ascii_alphabetic() => {}
        Some(b'>') if end_tag => return Some((None, j + 1)),
        Some(&c) if end_tag || c == b'!' || c == b'?' => return Some((None, after(b">", j))),
        _ => return None,
    }
    let delim = |c: u8| is_ws(c) || c == b'/' || c == b'>';
    let start = j;
    j = scan(b, j, delim);
    let name = s[start..j].to_ascii_lowercase();
    let mut attrs = Vec::<(String, String)>::new();
    loop {
        j = scan(b, j, |c| !is_ws(c) && c != b'/');
        match b.get(j) {
            None => return Some((None, len)),
            Some(b'>') => break,
            _ => {}
        }
        let start = j;
        j = scan(b, j + 1, |c| delim(c) || c == b'=');
        let key = s[start..j].to_ascii_lowercase();
        j = scan(b, j, |c| !is_ws(c));
        let mut value = "";
        if b.get(j) == Some(&b'=') {
            j = scan(b, j + 1, |c| !is_ws(c));
            if let Some(&q) = b.get(j).filter(|&&q| q == b'"' || q == b'\'') {
                let Some(e) = find(b, j + 1, &[q]) else {
                    return Some((None, len));
                };
                (value, j) = (&s[j + 1..e], e + 1);
            } else {
                let start = j;
                j = scan(b, j, |c| is_ws(c) || c == b'>');
                value = &s[start..j];
            }
        }
        if listed(ALLOWED_ATTRS, &key) && !attrs.iter().any(|(k, _)| *k == key) {
            attrs.push((key, decode(value, '\u{a0}')));
        }
    }
    if end_tag {
        return Some((Some(Tok::End(name)), j + 1));
    }
    if listed(RAW_TEXT, &name) {
        let mut k = j;
        while let Some(p) = find(b, k, b"</") {
            let e = p + 2 + name.len();
            let tag = b.get(p + 2..e).unwrap_or_default();
            if tag.eq_ignore_ascii_case(name.as_bytes()) && b.get(e).is_none_or(|&c| delim(c)) {
                return Some((None, after(b">", e)));
            }
            k = p + 2;
        }
        return Some((None, len));
    }
    Some((Some(Tok::Start(name, attrs)), j + 1))
}

/// Decodes character references; `&nbsp;`/`&#160;` become `nbsp`.
fn decode(s: &str, nbsp: char) -> String {
    let (mut out, mut rest) = (String::with_capacity(s.len()), s);
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let (c, used) = entity(&rest.as_bytes()[p..], nbsp).unwrap_or(('&', 1));
        out.push(c);
        rest = &rest[p + used..];
    }
    out + rest
}

fn entity(b: &[u8], nbsp: char) -> Option<(char, usize)> {
    if b.get(1) == Some(&b'#') {
        let hex = matches!(b.get(2), Some(b'x' | b'X'));
        let (radix, start) = if hex { (16, 3) } else { (10, 2) };
        let (mut j, mut v) = (start, 0u32);
        while let Some(d) = b.get(j).and_then(|&c| (c as char).to_digit(radix)) {
            (v, j) = (v.saturating_mul(radix).saturating_add(d), j + 1);
        }
        if j == start {
            return None;
        }
        let c = match v {
            0 => '\u{fffd}',
            0xa0 => nbsp,
            _ => char::from_u32(v).unwrap_or('\u{fffd}'),
        };
        return Some((c, j + usize::from(b.get(j) == Some(&b';'))));
    }
    let semi = b.iter().take(8).position(|&c| c == b';')?;
    let c = match &b[1..semi] {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        b"nbsp" => nbsp,
        _ => return None,
    };
    Some((c, semi + 1))
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Postiz's DOMPurify rule: `https?:`, `mailto:`, `/` or `#` once whitespace and control
/// characters are removed.
fn safe_url(href: &str) -> bool {
    let v: String = href
        .chars()
        .filter(|&c| !c.is_whitespace() && !c.is_control())
        .collect();
    let v = v.to_ascii_lowercase();
    ["http:", "https:", "mailto:", "/", "#"]
        .into_iter()
        .any(|p| v.starts_with(p))
}

/// True when the text holds something that looks like a tag (Postiz's `<\/?[a-z][\s\S]*>`).
fn has_tags(s: &str) -> bool {
    let b = s.as_bytes();
    let last = b.iter().rposition(|&c| c == b'>').unwrap_or(0);
    (0..last).any(|i| {
        let j = i + 1 + usize::from(b.get(i + 1) == Some(&b'/'));
        b[i] == b'<' && j < last && b[j].is_ascii_alphabetic()
    })
}

/// Keeps only the allow-listed tags and attributes (drops <script>/<style> with their content,
/// drops on* attributes and javascript: hrefs); text is escaped properly.
pub fn sanitize(html: &str) -> String {
    let (mut out, mut open) = (String::with_capacity(html.len()), Vec::<String>::new());
    for tok in tokenize(html) {
        match tok {
            Tok::Text(t) => out.push_str(&escape(&decode(&t, '\u{a0}'), false)),
            Tok::Start(name, attrs) if listed(ALLOWED_TAGS, &name) && open.len() < MAX_DEPTH => {
                out.push_str(&format!("<{name}"));
                for (k, v) in attrs {
                    if listed(ALLOWED_ATTRS, &k) && (k != "href" || safe_url(&v)) {
                        out.push_str(&format!(" {k}=\"{}\"", escape(&v, true)));
                    }
                }
                out.push('>');
                if name != "br" {
                    open.push(name);
                }
            }
            Tok::End(name) => {
                if let Some(p) = open.iter().rposition(|n| *n == name) {
                    for n in open.split_off(p).iter().rev() {
                        out += &format!("</{n}>");
                    }
                }
            }
            Tok::Start(..) => {}
        }
    }
    for n in open.iter().rev() {
        out += &format!("</{n}>");
    }
    out
}

/// Plain text of the HTML (tags removed, entities decoded, paragraphs joined by newlines, trimmed):
/// used to check for empty content and to count characters.
pub fn plain_text(html: &str) -> String {
    to_format(html, Format::None).trim().to_string()
}

/// Converts stored post HTML to the provider's format: `Html` is [`sanitize`]; `Markdown`
/// gives `**bold**`, `[text](href)`, `- ` items and `#` headings with blank lines between
/// blocks; `Normal` gives Unicode sans-serif bold, U+0332 underline, URLs for links and
/// newline-separated paragraphs; `None` gives bare text. Entities are decoded in non-HTML
/// formats; content without any tag is only entity-decoded. Mentions become their text.
pub fn to_format(html: &str, format: Format) -> String {
    if format == Format::Html {
        return sanitize(html);
    }
    if !has_tags(html) {
        return decode(html, ' ');
    }
    let (md, normal) = (format == Format::Markdown, format == Format::Normal);
    let mut r = Render {
        md,
        normal,
        bare: format == Format::None,
        ..Render::default()
    };
    tokenize(html).into_iter().for_each(|tok| r.token(tok));
    for fr in std::mem::take(&mut r.frames).into_iter().rev() {
        r.apply(fr);
    }
    r.out
}

/// An open `<strong>` (Markdown) or `<a>` whose text is rewritten when it closes.
struct Frame {
    tag: String,
    href: Option<String>,
    start: Option<usize>,
}

/// Block-aware text renderer: separators and list/heading prefixes stay pending until the
/// next text is written, so empty blocks leave no trace and output is never padded.
#[derive(Default)]
struct Render {
    md: bool,
    normal: bool,
    bare: bool,
    out: String,
    sep: String,
    prefix: String,
    frames: Vec<Frame>,
    lists: usize,
    bold: usize,
    under: usize,
    li: usize,
    blocks: usize,
    writes: usize,
    p_mark: usize,
}

fn dec(n: &mut usize) {
    *n = n.saturating_sub(1);
}

impl Render {
    fn brk(&mut self, s: &str) {
        if self.sep.len() < s.len() {
            self.sep = s.to_string();
        }
        self.prefix.clear();
    }

    fn write(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if !self.out.is_empty() {
            self.out.push_str(&self.sep);
        }
        self.sep.clear();
        self.out.push_str(&std::mem::take(&mut self.prefix));
        let at = self.out.len();
        for fr in &mut self.frames {
            fr.start.get_or_insert(at);
        }
        self.out.push_str(s);
        self.writes += 1;
    }

    fn token(&mut self, tok: Tok) {
        let para = if self.md { "\n\n" } else { "\n" };
        let heading = |n: &str| matches!(n, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
        match tok {
            // whitespace between blocks is source formatting, not content
            Tok::Text(t) if self.blocks == 0 && t.contains('\n') && t.trim().is_empty() => {}
            Tok::Text(t) => {
                let t = decode(&t, ' ');
                let mut s = String::with_capacity(t.len());
                for c in t.chars().map(|c| if c == '\u{a0}' { ' ' } else { c }) {
                    s.push(bold(c, self.normal && self.bold > 0));
                    if self.normal && self.under > 0 && c.is_alphanumeric() {
                        s.push('\u{332}');
                    }
                }
                self.write(&s);
            }
            Tok::Start(name, attrs) => match name.as_str() {
                "p" | "div" if self.li > 0 => {
                    let fresh = self.sep.is_empty() && self.prefix.is_empty();
                    self.sep += if fresh { " " } else { "" }; // later paragraphs of an item
                }
                "p" | "div" => {
                    self.brk(para);
                    (self.p_mark, self.blocks) = (self.writes, self.blocks + 1);
                }
                h if heading(h) => {
                    self.brk(para);
                    self.blocks += 1;
                    if self.md {
                        self.prefix = "#".repeat(usize::from(h.as_bytes()[1] - b'0')) + " ";
                    }
                }
                "br" if !self.out.is_empty() => {
                    self.sep.push('\n');
                    self.writes += 1;
                }
                "ul" | "ol" => {
                    self.brk(if self.lists == 0 { para } else { "\n" });
                    self.lists += 1;
                }
                "li" => {
                    self.brk("\n");
                    (self.li, self.blocks) = (self.li + 1, self.blocks + 1);
                    if !self.bare {
                        self.prefix = "  ".repeat(self.lists.saturating_sub(1)) + "- ";
                    }
                }
                "strong" | "b" if self.normal => self.bold += 1,
                "u" if self.normal => self.under += 1,
                "strong" | "b" | "a" if !self.bare && self.frames.len() < MAX_DEPTH => {
                    let href = attrs.into_iter().find(|(k, _)| k == "href").map(|a| a.1);
                    let href = href.filter(|h| name == "a" && safe_url(h));
                    self.frames.push(Frame {
                        tag: name,
                        href,
                        start: None,
                    });
                }
                _ => {}
            },
            Tok::End(name) => match name.as_str() {
                "p" | "div" if self.li > 0 => {}
                "p" | "div" => {
                    dec(&mut self.blocks);
                    if self.writes == self.p_mark && !self.md && !self.out.is_empty() {
                        self.sep.push('\n'); // an empty paragraph is a blank line
                    } else {
                        self.brk(para);
                    }
                }
                h if heading(h) => {
                    dec(&mut self.blocks);
                    self.brk(para);
                }
                "ul" | "ol" => {
                    dec(&mut self.lists);
                    self.brk(if self.lists == 0 { para } else { "\n" });
                }
                "li" => {
                    dec(&mut self.li);
                    dec(&mut self.blocks);
                    self.brk("\n");
                }
                "strong" | "b" if self.normal => dec(&mut self.bold),
                "u" if self.normal => dec(&mut self.under),
                _ => {
                    if let Some(p) = self.frames.iter().rposition(|f| f.tag == name) {
                        let closed = self.frames.split_off(p);
                        closed.into_iter().rev().for_each(|fr| self.apply(fr));
                    }
                }
            },
        }
    }

    /// Closes a frame: wraps its text (Markdown) or replaces it by the URL (Normal links).
    fn apply(&mut self, fr: Frame) {
        let Some(start) = fr.start.filter(|&s| self.out.is_char_boundary(s)) else {
            return;
        };
        let inner = self.out.split_off(start);
        let text = inner.trim();
        let rewritten = match fr.href {
            _ if text.is_empty() => inner.clone(),
            None if self.md && fr.tag != "a" => {
                let lead = &inner[..inner.len() - inner.trim_start().len()];
                format!("{lead}**{text}**{}", &inner[inner.trim_end().len()..])
            }
            Some(h) if self.md => {
                let h = h.replace(' ', "%20").replace('(', "%28");
                format!("[{inner}]({})", h.replace(')', "%29"))
            }
            Some(h) if h.trim().to_ascii_lowercase().starts_with("http") => h.trim().to_string(),
            _ => inner.clone(),
        };
        self.out.push_str(&rewritten);
    }
}

/// Mathematical sans-serif bold for ASCII letters and digits (Postiz's "normal" bold map).
fn bold(c: char, on: bool) -> char {
    let cp = match c {
        _ if !on => return c,
        'a'..='z' => 0x1D5EE + (c as u32 - 'a' as u32),
        'A'..='Z' => 0x1D5D4 + (c as u32 - 'A' as u32),
        '0'..='9' => 0x1D7EC + (c as u32 - '0' as u32),
        _ => return c,
    };
    char::from_u32(cp).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Format::{Html, Markdown, None as Bare, Normal};

    const POST: &str = "<p>Hello <strong>world</strong></p><p>Second <u>line</u> &amp; more</p>\
                        <ul><li><p>one</p></li><li><p>two</p></li></ul>";
    const RICH: &str = "<h1>Title</h1><p>See <a href=\"https://x.com/a b\" target=\"_blank\" \
                        rel=\"noopener\">the <strong>site</strong></a> or <a href=\"mailto:m@x.io\">\
                        mail</a></p><h2>Sub</h2><h3>Small</h3><ul><li><p>a</p><p>a2</p><ul><li>\
                        <p>b</p></li></ul></li></ul><p>end</p>";
    const MENTION: &str = "<p>Hi <span data-mention-id=\"1\" data-mention-label=\"bob\" \
                           class=\"m\">@bob</span>!</p>";
    const ENTITIES: &str = "<p>&lt;b&gt; &quot;q&quot; &#39;s&#39; a&nbsp;b &#233; &#x1F600; \
                            &bogus; & x &#0; &#; &#9999999999</p>";
    const DECODED: &str = "<b> \"q\" 's' a b é 😀 &bogus; & x \u{fffd} &#; \u{fffd}";
    const PLAIN: &str = "a < b && c > d &amp; e\n\nnew line 😀";
    const EVIL: &str = "<p>x<script>alert(1)</script><a href=\"javascript:x\" onclick=\"y\">l</a>\
                        <img src=x onerror=alert(1)><STYLE>p{}</style ><a href=' JaVa&#x09;script:z'>\
                        m</a></p>";

    /// `html, Format => expected;` rows, one assertion each.
    macro_rules! cases {
        ($($html:expr, $f:expr => $want:expr;)*) => {
            $(assert_eq!(to_format($html, $f), $want, "{:?} of {:?}", $f, $html);)*
        };
    }

    #[test]
    fn conversions() {
        let rich_md = "# Title\n\nSee [the **site**](https://x.com/a%20b) or [mail](mailto:m@x.io)\
                       \n\n## Sub\n\n### Small\n\n- a a2\n  - b\n\nend";
        let plain = "a < b && c > d & e\n\nnew line 😀";
        cases! {
            POST, Normal => "Hello 𝘄𝗼𝗿𝗹𝗱\nSecond l\u{332}i\u{332}n\u{332}e\u{332} & more\n- one\n- two";
            POST, Markdown => "Hello **world**\n\nSecond line & more\n\n- one\n- two";
            POST, Bare => "Hello world\nSecond line & more\none\ntwo";
            POST, Html => POST;
            // Postiz's bold map; the underline (U+0332) goes on letters and digits only
            "<p><strong>azAZ09 é!</strong> <u>é 1!</u></p>", Normal => "𝗮𝘇𝗔𝗭𝟬𝟵 é! é\u{332} 1\u{332}!";
            RICH, Markdown => rich_md;
            RICH, Normal => "Title\nSee https://x.com/a b or mail\nSub\nSmall\n- a a2\n  - b\nend";
            RICH, Bare => "Title\nSee the site or mail\nSub\nSmall\na a2\nb\nend";
            "<p><strong>bold </strong>x<strong></strong></p>", Markdown => "**bold** x";
            "<p><strong>x", Markdown => "**x**";
            "<p><a href=\"https://a.b\">x", Markdown => "[x](https://a.b)";
            "<p><a href=\"https://a.b\">x", Normal => "https://a.b";
            MENTION, Bare => "Hi @bob!";
            MENTION, Normal => "Hi @bob!";
            MENTION, Markdown => "Hi @bob!";
            MENTION, Html => MENTION;
            ENTITIES, Normal => DECODED;
            ENTITIES, Markdown => DECODED;
            ENTITIES, Bare => DECODED;
            "<p>a&nbsp;b &lt;i&gt; &#233;</p>", Html => "<p>a&nbsp;b &lt;i&gt; é</p>";
            "<p>a</p><p></p><p>b<br>c</p>", Normal => "a\n\nb\nc";
            "<p>a</p><p></p><p>b<br>c</p>", Markdown => "a\n\nb\nc";
            "<p>a</p><p><br></p><p>b</p>\n", Normal => "a\n\nb";
            "<p>a</p>\n<p><br></p>\n<p>b\u{a0}c<!-->d</p>", Bare => "a\n\nb cd";
            "<p></p><p></p>", Normal => "";
            "<p></p><p></p>", Markdown => "";
            "<p></p>", Html => "<p></p>";
            PLAIN, Bare => plain;
            PLAIN, Normal => plain;
            PLAIN, Markdown => plain;
            PLAIN, Html => "a &lt; b &amp;&amp; c &gt; d &amp; e\n\nnew line 😀";
            EVIL, Html => "<p>x<a>l</a><a>m</a></p>";
            EVIL, Normal => "xlm";
            EVIL, Markdown => "xlm";
            "<a href='https://o.k?a=1&amp;b=\"2\"' on=1>k</a>", Html => "<a href=\"https://o.k?a=1&amp;b=&quot;2&quot;\">k</a>";
            "<script>never closed <p>x</p>", Html => "";
            "<p>a</strong></p></p></li>", Html => "<p>a</p>";
            "<p class=a title='b c' data-x>t</p", Html => "<p class=\"a\">t</p>";
            "<p>1 < 2 <3 </ 4 <!-- c --> <!x> </> <a href=\"x</p>", Html => "<p>1 &lt; 2 &lt;3    </p>";
            "<P><BR/><strong>é<u>😀", Html => "<p><br><strong>é<u>😀</u></strong></p>";
        }
        assert_eq!(
            plain_text(POST),
            "Hello world\nSecond line & more\none\ntwo"
        );
        assert_eq!(plain_text("<p> </p><p><br></p>"), "");
        assert_eq!(plain_text("<p>1 < 2</p><!-- hidden <p>no</p> -->"), "1 < 2");
        assert_eq!(plain_text(PLAIN), plain);
    }

    #[test]
    fn pathological_input_stays_fast() {
        let deep = "<p><b><a href=\"/x\">é".repeat(20_000) + &"</a></b></p>".repeat(20_000);
        let attrs = format!(
            "<p {}>x</p>",
            (0..50_000).map(|i| format!("a{i}=1")).collect::<String>()
        );
        let started = std::time::Instant::now();
        for s in [
            deep.as_str(),
            &attrs,
            &"<a".repeat(50_000),
            &"&#".repeat(50_000),
        ] {
            for f in [Bare, Normal, Markdown, Html] {
                to_format(s, f);
            }
        }
        assert!(started.elapsed().as_secs() < 10);
    }

    #[test]
    fn fuzz_never_panics() {
        const PARTS: &[&str] = &[
            "<",
            ">",
            "/",
            "p",
            "strong",
            "<a href=\"",
            "\"",
            "'",
            "=",
            "&",
            "#",
            "x",
            ";",
            "é",
            "😀",
            "<!--",
            "-->",
            "<script>",
            "</",
            " ",
            "\n",
            "&#x1F600;",
            "&#99999999999;",
            "<li>",
            "<ul>",
            "</ul>",
            "<h2>",
            "</a>",
            "<u>",
            "<br/>",
            "<span data-mention-id=",
            "&amp",
            "</li>",
            "<p>",
            "</p>",
            "<b>",
            "💥é",
            "&nbsp;",
            "<!",
            "?",
            "</strong>",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1024) as usize
        };
        let mut inputs: Vec<String> = (0..3000)
            .map(|_| {
                (0..next() % 24)
                    .map(|_| PARTS[next() % PARTS.len()])
                    .collect()
            })
            .collect();
        let real = format!("{POST}{MENTION}<p>é <a href=\"https://x.y\">😀 <b>b</b></a></p>");
        inputs.extend(real.char_indices().map(|(i, _)| real[..i].to_string()));
        inputs.extend(real.char_indices().map(|(i, _)| real[i..].to_string()));
        for s in &inputs {
            for f in [Bare, Normal, Markdown, Html] {
                to_format(s, f);
            }
            let clean = sanitize(s);
            assert_eq!(sanitize(&clean), clean, "sanitize not idempotent for {s:?}");
            assert!(
                !clean.contains("<script") && !clean.contains("<img"),
                "{s:?}"
            );
            assert_eq!(plain_text(s), plain_text(s).trim());
        }
    }
}
