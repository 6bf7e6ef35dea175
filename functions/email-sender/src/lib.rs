//! The `email-sender` function: each SQS record is one queued email, delivered through the
//! provider `EMAIL_PROVIDER` names. A record whose delivery should be tried again is
//! reported as a batch item failure (`ReportBatchItemFailures`), so it comes back after the
//! queue's visibility timeout; Lambda deletes the others.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use postiz_email::template::Layout;
use postiz_email::{EmailSender, Provider};
use postiz_web::AppState;

/// The sender for the configured provider. Its secret (the SMTP password or the Resend
/// key) comes from the environment, or else from the app's secrets. `None` when no
/// provider is configured (then nothing is ever queued).
pub async fn sender(state: &AppState) -> Result<Option<EmailSender>, String> {
    let Some(provider) = Provider::from_env() else {
        return Ok(None);
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let name = provider.secret_name();
    let secret = match env(name) {
        Some(v) => Some(v),
        None => state.adapters.secrets.get(name).await.ok(),
    };
    let var = |k: &str| match env(k) {
        Some(v) => Some(v),
        None if k == name => secret.clone(),
        None => None,
    };
    let transport = postiz_email::from_vars(var)?.ok_or("no email provider")?;
    let a = &state.adapters;
    Ok(Some(EmailSender::new(
        transport,
        a.table.clone(),
        a.clock.clone(),
        Layout::from_env(),
    )))
}

/// Handles a batch: every record once; the ids of the records to try again.
pub async fn handle(sender: &EmailSender, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = Vec::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let body = record.body.unwrap_or_default();
        if sender.process(&body).await.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
