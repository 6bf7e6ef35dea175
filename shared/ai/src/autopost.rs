//! The RSS autopost helpers (Postiz's `AutopostService.generateDescription` and
//! `generatePicture`), for the automation function to call: a short post written from a feed
//! item's description, and a picture for it.

use postiz_core::Result;
use serde_json::json;

use crate::client::Ai;
use crate::errors::failed;
use crate::pictures::{Picture, Pictures};

/// The longest autopost text kept (the prompt asks for 100; Postiz's schema allows 120).
pub const AUTOPOST_MAX: usize = 120;

/// A social media post of at most [`AUTOPOST_MAX`] characters written from `description`
/// (a feed item's text): short, a line break between sentences, emojis, no hashtags.
pub async fn autopost_text(ai: &Ai, description: &str) -> Result<String> {
    let system = "You are an assistant that gets raw 'description' of a content and generate a \
                  social media post content.\nRules:\n- Maximum 100 chars\n- Try to make it a \
                  short as possible to fit any social media\n- Add line breaks between sentences \
                  (\\n)\n- Don't add hashtags\n- Add emojis when needed";
    let schema = json!({
        "type": "object",
        "properties": {"socialMediaPostContent": {
            "type": "string",
            "description": "Content for social media posts max 120 chars"
        }},
        "required": ["socialMediaPostContent"],
        "additionalProperties": false,
    });
    let answer = ai
        .structured(
            system,
            &format!("'description':\n{description}"),
            "autopostContent",
            schema,
        )
        .await?;
    let text = answer["socialMediaPostContent"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| failed("the model wrote no post"))?;
    Ok(text.chars().take(AUTOPOST_MAX).collect())
}

/// A picture for a feed item: the model writes the image prompt from `description`, then
/// the image model draws it.
pub async fn autopost_picture(ai: &Ai, description: &str) -> Result<Picture> {
    let system = "You are an assistant that gets description and generate a prompt that will be \
                  sent to DallE to generate pictures.";
    let schema = json!({
        "type": "object",
        "properties": {"generatedTextToBeSentToDallE": {
            "type": "string",
            "description": "Generated prompt from description to be sent to DallE"
        }},
        "required": ["generatedTextToBeSentToDallE"],
        "additionalProperties": false,
    });
    let answer = ai
        .structured(
            system,
            &format!("content:\n{description}"),
            "autopostPicturePrompt",
            schema,
        )
        .await?;
    let prompt = answer["generatedTextToBeSentToDallE"]
        .as_str()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| failed("the model wrote no picture prompt"))?;
    Pictures::new(ai).generate(prompt, false).await
}
