//! The tool registry the AI agent and the MCP server share (Postiz's `chat/tools`): each tool
//! a typed function over the channels, posts and media services, scoped to the caller's
//! organization and validated as the web routes validate (a post scheduled by the assistant
//! passes the same checks as one from the editor). The assistant confirms before scheduling and
//! cannot delete: no tool deletes.
//!
//! [`Toolbox::call`] answers Postiz's `{output: ...}`; mistakes the model can fix (a missing
//! setting, a post too long) come back as `{output: {errors: "..."}}`, anything else as an
//! error whose text [`error_text`] gives.

mod agent;
mod helpers;
mod pictures;
mod run;
mod specs;

use postiz_ai::Ai;
use postiz_billing::Credits;
use postiz_core::{Clock, Error};
use postiz_fetch::GuardedFetcher;
use postiz_integrations::Channels;
use postiz_media::MediaService;
use postiz_posts::Posts;
use std::sync::Arc;

pub use agent::{assistant_prompt, OrgTools};
pub use pictures::{paid_picture, store_picture};
pub use specs::ToolSpec;

/// The services the tools work on.
#[derive(Clone)]
pub struct Toolbox {
    channels: Arc<Channels>,
    posts: Posts,
    media: MediaService,
    fetcher: GuardedFetcher,
    clock: Arc<dyn Clock>,
    /// The picture model and the credits that pay for it; `None` while AI is off.
    pictures: Option<(Ai, Credits)>,
    /// `creationMethod` of the posts the tools create (Postiz: `MCP`).
    creation_method: &'static str,
}

impl Toolbox {
    /// Tools over these services; posts they create are marked `MCP`, as Postiz does.
    pub fn new(
        channels: Arc<Channels>,
        posts: Posts,
        media: MediaService,
        fetcher: GuardedFetcher,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            channels,
            posts,
            media,
            fetcher,
            clock,
            pictures: None,
            creation_method: "MCP",
        }
    }

    /// Adds `generateImage`, drawing with `ai` and paid with `credits`.
    pub fn with_pictures(mut self, ai: Ai, credits: Credits) -> Self {
        self.pictures = Some((ai, credits));
        self
    }

    /// The tools, in a stable order.
    pub fn specs(&self) -> Vec<ToolSpec> {
        specs::all(self.pictures.is_some())
    }
}

/// The text a model or an MCP client reads for a failed call: the error's own message for
/// what the caller can fix, a generic one (the detail logged) for the rest.
pub fn error_text(e: &Error) -> String {
    match e {
        Error::Internal(_) | Error::Unavailable(_) => {
            tracing::warn!(error = %e, "a tool failed");
            "The tool failed on our side; try again later".to_string()
        }
        Error::BadGateway { message, .. } => message.clone(),
        other => other.to_string(),
    }
}
