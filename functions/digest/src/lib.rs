//! The `digest` function: one run of the notification job per scheduled event.

use postiz_integrations::NoticeJob;
use postiz_web::AppState;

/// The job on the app's table, emailing through the app's mailer (the email queue).
pub fn job(state: &AppState) -> NoticeJob {
    let a = &state.adapters;
    NoticeJob::new(a.table.clone(), a.clock.clone(), a.mailer.clone())
}
