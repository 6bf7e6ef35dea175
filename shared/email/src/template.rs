//! The one HTML layout every email is sent in: a card with the subject as its heading, the
//! message, and a footer with the sender's name and a link to the notification settings.

/// What the layout needs besides the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The sender's name (`EMAIL_FROM_NAME`, default `Postiz`).
    pub sender: String,
    /// The web app's address (`FRONTEND_URL`), for the settings link.
    pub frontend_url: String,
}

impl Layout {
    /// From `EMAIL_FROM_NAME` and `FRONTEND_URL`.
    pub fn from_env() -> Self {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Self {
            sender: var("EMAIL_FROM_NAME").unwrap_or_else(|| "Postiz".into()),
            frontend_url: var("FRONTEND_URL").unwrap_or_else(|| "http://localhost:4200".into()),
        }
    }

    /// The full HTML document of a message with this subject and body (HTML, kept as is).
    pub fn wrap(&self, subject: &str, body: &str) -> String {
        let settings = format!("{}/settings", self.frontend_url.trim_end_matches('/'));
        format!(
            r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="margin:0;padding:0;background:#0e0e0e;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="padding:32px 12px;">
<tr><td align="center">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="max-width:600px;border-radius:16px;overflow:hidden;background:#ffffff;">
<tr><td style="background:linear-gradient(135deg,#612bd3,#d82d7e);padding:28px 32px;">
<h1 style="margin:0;color:#ffffff;font-size:22px;line-height:1.3;font-weight:600;">{title}</h1>
</td></tr>
<tr><td style="padding:28px 32px;color:#1a1a1a;font-size:15px;line-height:1.6;">
{body}
</td></tr>
<tr><td style="padding:18px 32px;border-top:1px solid #eeeeee;color:#777777;font-size:12px;line-height:1.5;">
Sent by {sender}. <a href="{settings}" style="color:#612bd3;">Notification settings</a>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"#,
            title = escape(subject),
            sender = escape(&self.sender),
            settings = escape(&settings),
        )
    }
}

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_heads_the_card_and_the_footer_links_settings() {
        let layout = Layout {
            sender: "Acme <Ops>".into(),
            frontend_url: "https://app.example.com/".into(),
        };
        let html = layout.wrap("Tom & Jerry <3", "<p>Hello <b>there</b></p>");
        assert!(html.contains("<h1 style=\"margin:0;color:#ffffff;font-size:22px;line-height:1.3;font-weight:600;\">Tom &amp; Jerry &lt;3</h1>"));
        assert!(
            html.contains("<p>Hello <b>there</b></p>"),
            "the body is kept as HTML"
        );
        assert!(html.contains("Sent by Acme &lt;Ops&gt;."));
        assert!(html.contains("href=\"https://app.example.com/settings\""));
        assert!(html.starts_with("<!DOCTYPE html>"));
    }
}
