//! Pictures: a short description expanded into a render prompt (Postiz's
//! `generatePromptForPicture`), then the image model.

use postiz_core::Result;
use serde_json::json;

use crate::client::Ai;

/// A generated picture.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The PNG (or the model's format), base64.
    pub base64: String,
    /// The prompt the image model was given.
    pub prompt: String,
}

/// Makes pictures with the AI client.
#[derive(Debug, Clone)]
pub struct Pictures<'a> {
    ai: &'a Ai,
}

impl<'a> Pictures<'a> {
    /// Pictures through `ai`.
    pub fn new(ai: &'a Ai) -> Self {
        Self { ai }
    }

    /// A long, descriptive render prompt for `description`.
    pub async fn expand_prompt(&self, description: &str) -> Result<String> {
        let system = "You are an assistant that take a description and style and generate a \
                      prompt that will be used later to generate images, make it a very long and \
                      descriptive explanation, and write a lot of things for the renderer like, \
                      if it's realistic describe the camera";
        let schema = json!({
            "type": "object",
            "properties": {"prompt": {"type": "string"}},
            "required": ["prompt"],
            "additionalProperties": false,
        });
        let answer = self
            .ai
            .structured(
                system,
                &format!("prompt: {description}"),
                "picturePrompt",
                schema,
            )
            .await?;
        Ok(answer["prompt"]
            .as_str()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or(description)
            .to_string())
    }

    /// A square picture of `prompt`, the prompt expanded first when `expand`.
    pub async fn generate(&self, prompt: &str, expand: bool) -> Result<Picture> {
        let prompt = if expand {
            self.expand_prompt(prompt).await?
        } else {
            prompt.to_string()
        };
        let base64 = self.ai.image(&prompt, false).await?;
        Ok(Picture { base64, prompt })
    }
}
