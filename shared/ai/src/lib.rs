//! AI through OpenAI's API with `async-openai`: one client built from the environment
//! ([`AiConfig`]), Postiz's error normalisation ([`generation_error`]), and the features the
//! routes call: thread splitting ([`separate_posts`]), pictures ([`Pictures`]) and the RSS
//! autopost helpers ([`autopost_text`], [`autopost_picture`]).
//!
//! `OPENAI_BASE_URL` points the client at any OpenAI-compatible server (a local model server,
//! a gateway, the tests' fake). Without `OPENAI_API_KEY` there is no client and the AI routes
//! answer as Postiz does with AI off.

mod agent;
mod autopost;
mod client;
mod config;
mod errors;
mod generator;
mod pictures;
mod research;
mod separate;
mod stream;
mod titles;

pub use agent::{AgentTool, ChatMessage, ToolCall, ToolRunner, TurnTools, MAX_STEPS};
pub use autopost::{autopost_picture, autopost_text, AUTOPOST_MAX};
pub use client::Ai;
pub use config::{AiConfig, Models};
pub use errors::{generation_error, FAILED};
pub use generator::{generate_content, generate_hook, GeneratedPost, GeneratorRequest};
pub use pictures::{Picture, Pictures};
pub use research::Research;
pub use separate::{separate_posts, split_to_fit};
pub use stream::{StreamDelta, ToolCallDelta};
pub use titles::conversation_title;
