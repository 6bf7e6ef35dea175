//! Social network providers behind one trait.
//!
//! Each network is a small module in `networks/`; what they share (the HTTP client,
//! timeouts, `Retry-After`, error classification, media download) lives in [`http`]. Base
//! URLs and app credentials come from [`ProviderConfig`] (Postiz's environment names), so
//! tests point every provider at a local fake server.

pub mod analytics;
pub mod catalogue;
pub mod config;
pub mod creds;
pub mod error;
pub mod http;
pub mod networks;
pub mod oauth;
pub mod oauth1;
pub mod plugs;
pub mod rules;
pub mod types;

use async_trait::async_trait;
use serde_json::Value;

pub use catalogue::Providers;
pub use config::ProviderConfig;
pub use error::{ProviderError, ProviderResult};
pub use http::OwnMedia;
pub use types::*;

/// What every social network provider offers the publisher and the API.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// Catalogue data.
    fn info(&self) -> &ProviderInfo;

    /// Character limit of one message with these post `settings`, on a channel with these
    /// `additional` settings (Postiz's `additionalSettings` array, e.g. X's "Verified").
    fn max_length(&self, _settings: &Value, _additional: &Value) -> usize {
        self.info().max_length
    }

    /// The length of a message as the network counts it (characters, unless it weighs them).
    fn length(&self, text: &str) -> usize {
        text.chars().count()
    }

    /// True when every attempt of the same message carries the same idempotency key, so a
    /// request whose outcome is unknown can be sent again without posting twice.
    fn idempotent_publish(&self) -> bool {
        false
    }

    /// True when [`Provider::find_published`] can tell whether a message was posted.
    fn finds_published(&self) -> bool {
        false
    }

    /// Looks among the channel's posts made at `since` or later for one with this message's
    /// text: a request whose answer was lost may still have been applied. `Ok(None)` when
    /// there is none.
    async fn find_published(
        &self,
        _auth: &ChannelAuth,
        _post: &PostDetails,
        _since: chrono::DateTime<chrono::Utc>,
    ) -> ProviderResult<Option<Published>> {
        Err(ProviderError::NotSupported("looking posts up"))
    }

    /// Checks one message (its settings and media) before it is accepted for publishing;
    /// `Err` carries the user-facing reason.
    fn check(&self, post: &PostDetails) -> Result<(), String> {
        let max = self.max_length(&post.settings, &Value::Null);
        if self.length(&post.message) > max {
            return Err(format!(
                "The post should be at most {max} characters long for {}",
                self.info().name
            ));
        }
        Ok(())
    }

    /// Checks one comment of a thread; by default the same rules as a root message. Networks
    /// whose root rules (media counts, story or reel settings) do not apply to comments
    /// override it.
    fn check_comment(&self, comment: &PostDetails) -> Result<(), String> {
        self.check(comment)
    }

    /// Checks a whole thread (the root message, then its comments) for rules about the
    /// messages together, such as a draft X article that takes no replies; after each message
    /// passed [`Provider::check`] or [`Provider::check_comment`].
    fn check_thread(&self, _thread: &[PostDetails]) -> Result<(), String> {
        Ok(())
    }

    /// Starts a connection: the URL to send the browser to, with its state.
    async fn auth_url(&self) -> ProviderResult<AuthRequest>;

    /// Completes a connection from the OAuth `code` (or, for credential providers, the
    /// base64 JSON of the form) and the verifier kept with the state.
    async fn authenticate(&self, code: &str, code_verifier: &str) -> ProviderResult<AuthTokens>;

    /// New tokens from the refresh token.
    async fn refresh(&self, _auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        Err(ProviderError::NotSupported("refresh"))
    }

    /// Pages (companies, channels) a two-step provider offers after OAuth.
    async fn pages(&self, _auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        Err(ProviderError::NotSupported("pages"))
    }

    /// The channel's identity and token once a page is chosen.
    async fn select_page(&self, _auth: &ChannelAuth, _page_id: &str) -> ProviderResult<AuthTokens> {
        Err(ProviderError::NotSupported("select_page"))
    }

    /// Publishes the root message.
    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published>;

    /// Publishes a follow-up message chained on `reply_to` (the previous message's id)
    /// within the thread started by `root_id`.
    async fn comment(
        &self,
        _auth: &ChannelAuth,
        _root_id: &str,
        _reply_to: &str,
        _post: &PostDetails,
    ) -> ProviderResult<Published> {
        Err(ProviderError::NotSupported("comments"))
    }

    /// A step before connecting that some providers need (Telegram: find the chat where the
    /// user sent `/connect <word>` to the bot).
    async fn discover(&self, _data: &Value) -> ProviderResult<Value> {
        Err(ProviderError::NotSupported("discovery"))
    }

    /// The channel's statistics over the last `days` days in Postiz's shape
    /// (`[{label, data: [{total, date}], percentageChange}]`); none for networks without them.
    async fn analytics(&self, _auth: &ChannelAuth, _days: u32) -> ProviderResult<Vec<Value>> {
        Ok(Vec::new())
    }

    /// The statistics of one published message (`post_id` is the network's id).
    async fn post_analytics(
        &self,
        _auth: &ChannelAuth,
        _post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        Ok(Vec::new())
    }

    /// Global plugs a channel of this provider can set (none by default).
    fn plugs(&self) -> &'static [plugs::PlugDef] {
        &[]
    }

    /// Internal plugs a post on this provider can set, run by the channels picked in the post
    /// (none by default).
    fn internal_plugs(&self) -> &'static [plugs::InternalPlugDef] {
        &[]
    }

    /// How many likes the published message `post_id` has now.
    async fn likes(&self, _auth: &ChannelAuth, _post_id: &str) -> ProviderResult<u64> {
        Err(ProviderError::NotSupported("likes"))
    }

    /// Reposts (retweets, reshares) the message `post_id` from this channel's account.
    async fn repost(&self, _auth: &ChannelAuth, _post_id: &str) -> ProviderResult<()> {
        Err(ProviderError::NotSupported("reposts"))
    }

    /// Runs one of the provider's declared helper tools ([`ProviderInfo::tools`]).
    async fn tool(&self, _auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        Err(ProviderError::bad(format!("Unknown function {name}")))
    }
}
