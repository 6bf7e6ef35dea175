//! SMTP, as Postiz's `nodemailer` provider: `EMAIL_SECURE=true` is TLS from the first byte
//! (port 465); otherwise plain SMTP upgraded with STARTTLS whenever the server offers it.
//! A message that fails is tried three times, 700 ms apart (Postiz's activity retries).

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use postiz_core::email::EmailMessage;
use std::time::Duration;

use crate::transport::{SendError, Transport};

/// How an SMTP server is reached and who sends.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Server host.
    pub host: String,
    /// Server port (default 465 when secure, else 587).
    pub port: u16,
    /// TLS from the start (`EMAIL_SECURE=true`).
    pub secure: bool,
    /// Login, if the server wants one.
    pub credentials: Option<(String, String)>,
    /// `EMAIL_FROM_NAME <EMAIL_FROM_ADDRESS>`.
    pub from: Mailbox,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("secure", &self.secure)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpConfig {
    /// From Postiz's variables, read through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> std::result::Result<Self, String> {
        let get = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let host = get("EMAIL_HOST").ok_or("EMAIL_HOST is required for SMTP")?;
        let secure = get("EMAIL_SECURE").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let port = match get("EMAIL_PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("EMAIL_PORT must be a port number, not {p:?}"))?,
            None if secure => 465,
            None => 587,
        };
        let address = get("EMAIL_FROM_ADDRESS").ok_or("EMAIL_FROM_ADDRESS is required for SMTP")?;
        let name = get("EMAIL_FROM_NAME");
        let from = Mailbox::new(
            name,
            address
                .parse()
                .map_err(|e| format!("EMAIL_FROM_ADDRESS {address:?}: {e}"))?,
        );
        let credentials = get("EMAIL_USER").map(|u| (u, var("EMAIL_PASS").unwrap_or_default()));
        Ok(Self {
            host,
            port,
            secure,
            credentials,
            from,
        })
    }
}

/// Sends through one SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for `config` (no connection is made until the first message).
    pub fn new(config: SmtpConfig) -> std::result::Result<Self, String> {
        let tls = TlsParameters::new(config.host.clone()).map_err(|e| e.to_string())?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(Duration::from_secs(20)))
            .tls(if config.secure {
                Tls::Wrapper(tls)
            } else {
                Tls::Opportunistic(tls)
            });
        if let Some((user, pass)) = config.credentials {
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Self {
            transport: builder.build(),
            from: config.from,
        })
    }

    fn message(&self, m: &EmailMessage) -> Result<Message, SendError> {
        let to: Mailbox =
            m.to.parse()
                .map_err(|e| SendError::Permanent(format!("not an email address ({e})")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_HTML)
            .body(m.html.clone())
            .map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))
    }
}

#[async_trait]
impl Transport for SmtpMailer {
    async fn deliver(&self, _id: &str, message: &EmailMessage) -> Result<(), SendError> {
        let email = self.message(message)?;
        let mut last = None;
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
            match self.transport.send(email.clone()).await {
                Ok(_) => {
                    tracing::info!(subject = %message.subject, "email sent over SMTP");
                    return Ok(());
                }
                // A permanent refusal (5xx) will not change on a retry.
                Err(e) if e.is_permanent() => {
                    return Err(SendError::Permanent(format!(
                        "SMTP refused the message: {e}"
                    )))
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.map(|e| e.to_string()).unwrap_or_default();
        Err(SendError::Transient(format!("SMTP: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn settings_as_postiz_names_them() {
        let c = SmtpConfig::from_vars(vars(&[
            ("EMAIL_HOST", "smtp.example.com"),
            ("EMAIL_SECURE", "true"),
            ("EMAIL_USER", "u"),
            ("EMAIL_PASS", "p"),
            ("EMAIL_FROM_ADDRESS", "team@example.com"),
            ("EMAIL_FROM_NAME", "Postiz"),
        ]))
        .unwrap();
        assert_eq!((c.port, c.secure), (465, true));
        assert_eq!(c.from.to_string(), "Postiz <team@example.com>");
        let plain = SmtpConfig::from_vars(vars(&[
            ("EMAIL_HOST", "h"),
            ("EMAIL_FROM_ADDRESS", "a@b.c"),
        ]))
        .unwrap();
        assert_eq!((plain.port, plain.secure), (587, false));
        assert!(SmtpConfig::from_vars(vars(&[("EMAIL_HOST", "h")])).is_err());
        assert!(SmtpConfig::from_vars(vars(&[
            ("EMAIL_HOST", "h"),
            ("EMAIL_PORT", "x"),
            ("EMAIL_FROM_ADDRESS", "a@b.c")
        ]))
        .is_err());
        assert!(!format!("{c:?}").contains('p') || !format!("{c:?}").contains("\"p\""));
    }
}
