//! The OpenAI client: `async-openai` over a reqwest client with a time limit, 429s and 5xx
//! retried with backoff for a bounded time.

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, ChatCompletionResponseMessage, CreateChatCompletionRequest,
    CreateChatCompletionRequestArgs, ResponseFormat, ResponseFormatJsonSchema,
};
use async_openai::types::images::{CreateImageRequestArgs, Image, ImageModel, ImageSize};
use async_openai::Client;
use postiz_core::{Error, Result};
use serde_json::Value;

use crate::config::{AiConfig, Models};
use crate::errors::{failed, generation_error, safety_rejection};

/// The AI client and its models.
#[derive(Clone)]
pub struct Ai {
    client: Client<OpenAIConfig>,
    models: Models,
}

impl std::fmt::Debug for Ai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ai")
            .field("models", &self.models)
            .finish_non_exhaustive()
    }
}

impl Ai {
    /// A client for `config`.
    pub fn new(config: &AiConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| Error::internal(format!("AI HTTP client: {e}")))?;
        let backoff = backoff::ExponentialBackoff {
            max_elapsed_time: Some(config.retry_for),
            ..Default::default()
        };
        let client = Client::with_config(
            OpenAIConfig::new()
                .with_api_key(config.api_key.clone())
                .with_api_base(config.base_url.clone()),
        )
        .with_http_client(http)
        .with_backoff(backoff);
        Ok(Self {
            client,
            models: config.models.clone(),
        })
    }

    /// A client from the environment; `None` when AI is off (no `OPENAI_API_KEY`).
    pub fn from_env() -> Result<Option<Self>> {
        AiConfig::from_env().map(|c| Self::new(&c)).transpose()
    }

    /// A client with `key` (read by the caller from wherever it keeps secrets) and the rest of
    /// the settings from the environment; `None` when there is no key (AI is off).
    pub fn with_key(key: Option<String>) -> Result<Option<Self>> {
        let Some(key) = key else {
            return Ok(None);
        };
        AiConfig::from_vars(|k| match k {
            "OPENAI_API_KEY" => Some(key.clone()),
            _ => std::env::var(k).ok(),
        })
        .map(|c| Self::new(&c))
        .transpose()
    }

    /// The models in use.
    pub fn models(&self) -> &Models {
        &self.models
    }

    /// The `async-openai` client itself (for streaming and tool calls).
    pub fn client(&self) -> &Client<OpenAIConfig> {
        &self.client
    }

    /// One text-model answer in the shape of `schema` (structured output named `name`): the
    /// parsed JSON object. A model's refusal is a safety rejection (422).
    pub async fn structured(
        &self,
        system: &str,
        user: &str,
        name: &str,
        schema: Value,
    ) -> Result<Value> {
        let messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(system).into(),
            ChatCompletionRequestUserMessage::from(user).into(),
        ];
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.models.text.clone())
            .messages(messages)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: name.into(),
                    schema: Some(schema),
                    strict: Some(true),
                },
            })
            .build()
            .map_err(|e| Error::internal(format!("chat request: {e}")))?;
        let message = self.complete(request).await?;
        if let Some(refusal) = message.refusal.filter(|r| !r.trim().is_empty()) {
            return Err(safety_rejection(&refusal));
        }
        let content = message
            .content
            .ok_or_else(|| failed("the model answered no content"))?;
        serde_json::from_str(&content)
            .map_err(|e| failed(format!("the model's answer is not the JSON asked for: {e}")))
    }

    /// One chat completion: the first choice's message.
    pub(crate) async fn complete(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<ChatCompletionResponseMessage> {
        let answer = self
            .client
            .chat()
            .create(request)
            .await
            .map_err(generation_error)?;
        answer
            .choices
            .into_iter()
            .next()
            .map(|c| c.message)
            .ok_or_else(|| failed("the model answered no choice"))
    }

    /// A picture for `prompt` (1024×1024, or 1024×1536 when `vertical`): its base64 bytes.
    pub async fn image(&self, prompt: &str, vertical: bool) -> Result<String> {
        let request = CreateImageRequestArgs::default()
            .prompt(prompt)
            .model(ImageModel::Other(self.models.image.clone()))
            .size(if vertical {
                ImageSize::S1024x1536
            } else {
                ImageSize::S1024x1024
            })
            .build()
            .map_err(|e| Error::internal(format!("image request: {e}")))?;
        let answer = self
            .client
            .images()
            .generate(request)
            .await
            .map_err(generation_error)?;
        match answer.data.first().map(|i| i.as_ref()) {
            Some(Image::B64Json { b64_json, .. }) => Ok(b64_json.to_string()),
            Some(Image::Url { .. }) => Err(failed(
                "the image model answered a URL instead of the picture's bytes",
            )),
            None => Err(failed("the image model answered no picture")),
        }
    }
}
