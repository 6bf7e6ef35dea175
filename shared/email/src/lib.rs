//! Email. Every message goes through the email queue ([`QueueMailer`]); the
//! [`EmailSender`] drains it (the email-sender Lambda, a task pool in the local server),
//! wraps each message in the one HTML layout ([`template`]) and hands it to the provider
//! `EMAIL_PROVIDER` names, as Postiz chooses them:
//! - `nodemailer` (or `smtp`): an SMTP server (`EMAIL_HOST`, `EMAIL_PORT`, `EMAIL_SECURE`,
//!   `EMAIL_USER`, `EMAIL_PASS`);
//! - `resend`: Resend's HTTP API (`RESEND_API_KEY`);
//!
//! from `EMAIL_FROM_NAME <EMAIL_FROM_ADDRESS>`. The providers are behind the `providers`
//! feature, so the functions that only queue messages do not link them.

pub mod queue;
pub mod template;
pub mod transport;

#[cfg(feature = "providers")]
mod resend;
#[cfg(feature = "providers")]
mod smtp;

pub use queue::{run_pool, EmailSender, QueueMailer, QueuedEmail, Sent};
#[cfg(feature = "providers")]
pub use resend::{ResendConfig, ResendMailer};
#[cfg(feature = "providers")]
pub use smtp::{SmtpConfig, SmtpMailer};
pub use transport::{SendError, Transport};

/// The providers `EMAIL_PROVIDER` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// An SMTP server (Postiz's `nodemailer`).
    Smtp,
    /// Resend's HTTP API.
    Resend,
}

impl Provider {
    /// The provider a value of `EMAIL_PROVIDER` names, if any.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "nodemailer" | "smtp" => Some(Self::Smtp),
            "resend" => Some(Self::Resend),
            _ => None,
        }
    }

    /// The provider the environment names, if any.
    pub fn from_env() -> Option<Self> {
        Self::parse(&std::env::var("EMAIL_PROVIDER").unwrap_or_default())
    }

    /// The name of the secret this provider may read from the app's secrets when the
    /// environment does not set it: the SMTP password (with a login) or the Resend key.
    pub fn secret_name(self) -> &'static str {
        match self {
            Self::Smtp => "EMAIL_PASS",
            Self::Resend => "RESEND_API_KEY",
        }
    }
}

/// The mailer `EMAIL_PROVIDER` names, with the settings read through `var`; `None` when it
/// names none. A provider set up wrongly is an error.
#[cfg(feature = "providers")]
pub fn from_vars(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<std::sync::Arc<dyn Transport>>, String> {
    use std::sync::Arc;
    Ok(
        match Provider::parse(&var("EMAIL_PROVIDER").unwrap_or_default()) {
            Some(Provider::Smtp) => Some(Arc::new(SmtpMailer::new(SmtpConfig::from_vars(var)?)?)),
            Some(Provider::Resend) => {
                Some(Arc::new(ResendMailer::new(ResendConfig::from_vars(var)?)?))
            }
            None => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::Provider;

    #[test]
    fn providers_by_postiz_names() {
        assert_eq!(Provider::parse("nodemailer"), Some(Provider::Smtp));
        assert_eq!(Provider::parse(" SMTP "), Some(Provider::Smtp));
        assert_eq!(Provider::parse("resend"), Some(Provider::Resend));
        assert_eq!(Provider::parse(""), None);
        assert_eq!(Provider::parse("sendgrid"), None);
    }
}
