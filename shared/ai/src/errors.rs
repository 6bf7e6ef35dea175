//! Postiz's `generationError`: a safety system's rejection becomes a 422 naming the flagged
//! categories; anything else a clean 502 with a fixed message (Postiz answers 500), the
//! provider's own text only in the log.

use async_openai::error::OpenAIError;
use postiz_core::Error;

/// What the user reads when a model call fails for any reason but safety.
pub const FAILED: &str = "AI generation failed, please try again later.";

/// Words that mark a content-safety rejection (matched on the message, not on a bare 400,
/// which may just be an invalid parameter).
const SAFETY_MARKS: [&str; 6] = [
    "safety system",
    "safety_violations",
    "content policy",
    "content_policy",
    "rejected as a result of our safety",
    "moderation",
];

/// The 422 of a safety rejection whose provider text is `message`.
pub(crate) fn safety_rejection(message: &str) -> Error {
    let categories = message
        .split_once("safety_violations=[")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(c, _)| c.trim())
        .filter(|c| !c.is_empty());
    let detail = categories
        .map(|c| format!(" Flagged categories: {c}."))
        .unwrap_or_default();
    Error::Unprocessable(format!(
        "Your request was rejected by the AI safety system.{detail} Please adjust your prompt and try again."
    ))
}

fn is_safety(message: &str, code: Option<&str>) -> bool {
    let lower = message.to_ascii_lowercase();
    SAFETY_MARKS.iter().any(|m| lower.contains(m))
        || matches!(
            code,
            Some("moderation_blocked" | "content_policy_violation")
        )
}

/// The error a route answers for a failed model call.
pub fn generation_error(e: OpenAIError) -> Error {
    if let OpenAIError::ApiError(api) = &e {
        if is_safety(&api.message, api.code.as_deref()) {
            return safety_rejection(&api.message);
        }
    }
    failed(e)
}

/// A failure that is not the caller's: 502 with [`FAILED`], `detail` logged.
pub(crate) fn failed(detail: impl std::fmt::Display) -> Error {
    Error::BadGateway {
        message: FAILED.into(),
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_openai::error::ApiError;

    fn api(message: &str, code: Option<&str>) -> OpenAIError {
        OpenAIError::ApiError(ApiError {
            message: message.into(),
            r#type: Some("invalid_request_error".into()),
            param: None,
            code: code.map(str::to_string),
        })
    }

    #[test]
    fn safety_rejections_name_their_categories() {
        let e = generation_error(api(
            "Your request was rejected by the safety system, safety_violations=[sexual, violence]",
            None,
        ));
        assert_eq!(
            e.to_string(),
            "Your request was rejected by the AI safety system. Flagged categories: sexual, violence. Please adjust your prompt and try again."
        );
        let e = generation_error(api("blocked", Some("moderation_blocked")));
        assert!(matches!(e, Error::Unprocessable(m) if !m.contains("Flagged")));
    }

    #[test]
    fn other_failures_are_a_clean_502() {
        let e = generation_error(api("Invalid value for 'size'", None));
        assert!(matches!(e, Error::BadGateway { ref message, .. } if message == FAILED));
    }
}
