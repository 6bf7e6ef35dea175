//! Email providers behind [`postiz_core::email::Mailer`], chosen as Postiz chooses them:
//! `EMAIL_PROVIDER=nodemailer` (or `smtp`) sends through an SMTP server (`EMAIL_HOST`,
//! `EMAIL_PORT`, `EMAIL_SECURE`, `EMAIL_USER`, `EMAIL_PASS`) from
//! `EMAIL_FROM_NAME <EMAIL_FROM_ADDRESS>`.

mod smtp;

pub use smtp::{SmtpConfig, SmtpMailer};

use postiz_core::email::Mailer;
use std::sync::Arc;

/// Whether `EMAIL_PROVIDER` asks for SMTP.
pub fn wants_smtp() -> bool {
    is_smtp(&std::env::var("EMAIL_PROVIDER").unwrap_or_default())
}

fn is_smtp(provider: &str) -> bool {
    matches!(
        provider.trim().to_ascii_lowercase().as_str(),
        "nodemailer" | "smtp"
    )
}

/// The mailer `EMAIL_PROVIDER` names, with the settings read through `var`; `None` when it
/// names none this build has (the caller keeps its outbox or drops messages). A provider set
/// up wrongly is an error.
pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Arc<dyn Mailer>>, String> {
    if is_smtp(&var("EMAIL_PROVIDER").unwrap_or_default()) {
        let config = SmtpConfig::from_vars(var)?;
        return Ok(Some(Arc::new(SmtpMailer::new(config)?)));
    }
    Ok(None)
}
