//! Data exchanged with providers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How post HTML is converted before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Editor {
    /// No editor (the provider takes no text).
    None,
    /// Plain text (unicode bold/underline for emphasis).
    Normal,
    /// Markdown.
    Markdown,
    /// HTML.
    Html,
}

/// One field of a credential form (providers connected with credentials, not OAuth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// Key in the submitted JSON.
    pub key: &'static str,
    /// Label shown.
    pub label: &'static str,
    /// Regular expression the value must match (as the frontend checks it).
    pub validation: &'static str,
    /// `text` or `password`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Pre-filled value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<&'static str>,
}

/// Catalogue data of a provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderInfo {
    /// Stable identifier (Postiz's `providerIdentifier`).
    pub identifier: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Editor type.
    pub editor: Editor,
    /// Character limit of one message (default settings).
    pub max_length: usize,
    /// After OAuth the user picks a page/channel (`pages` + `select_page`).
    pub two_step: bool,
    /// OAuth scopes requested.
    pub scopes: &'static [&'static str],
    /// Credential form, for providers connected without OAuth.
    pub custom_fields: Option<Vec<CustomField>>,
    /// Connected through a non-OAuth web3-style flow the frontend renders (Telegram).
    pub is_web3: bool,
    /// Tooltip in the catalogue.
    pub tool_tip: Option<&'static str>,
    /// The network has a token refresh endpoint.
    pub refreshes: bool,
    /// Most publish jobs at once for this provider.
    pub max_concurrency: u32,
    /// Helper tools callable from the UI and the public API (never other method names).
    pub tools: &'static [&'static str],
    /// Connected with cookies the Postiz browser extension reads (`(name, domain)` pairs).
    pub extension_cookies: Option<&'static [(&'static str, &'static str)]>,
}

impl ProviderInfo {
    /// A provider's catalogue data with the common defaults (one step, no scopes, no form, no
    /// refresh, no tools); set the rest with struct update syntax.
    pub fn basic(
        identifier: &'static str,
        name: &'static str,
        editor: Editor,
        max_length: usize,
        max_concurrency: u32,
    ) -> Self {
        Self {
            identifier,
            name,
            editor,
            max_length,
            two_step: false,
            scopes: &[],
            custom_fields: None,
            is_web3: false,
            tool_tip: None,
            refreshes: false,
            max_concurrency,
            tools: &[],
            extension_cookies: None,
        }
    }
}

/// The start of an OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// Where to send the browser (for credential providers: the state itself).
    pub url: String,
    /// PKCE verifier or other secret kept with the state.
    pub code_verifier: String,
    /// The state parameter.
    pub state: String,
}

/// Tokens and profile after connecting or refreshing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthTokens {
    /// The account's id on the network (`internalId`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Access token (for credential providers: a session or the credentials).
    pub access_token: String,
    /// Refresh token, when the network has one.
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires, when it does.
    pub expires_in: Option<i64>,
    /// Avatar URL.
    pub picture: Option<String>,
    /// Handle.
    pub username: Option<String>,
    /// Channel settings the network reports (Postiz's `additionalSettings` array), e.g. X's
    /// "Verified"; `None` leaves the channel's as they are.
    pub additional_settings: Option<serde_json::Value>,
}

/// What a provider needs to act for a connected channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelAuth {
    /// The account's id on the network.
    pub internal_id: String,
    /// Access token (decrypted).
    pub access_token: String,
    /// Refresh token (decrypted), if any.
    pub refresh_token: Option<String>,
    /// Credential fields (decrypted JSON), for credential providers.
    pub custom: Option<Value>,
}

/// Kind of an attached media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// A picture.
    Image,
    /// A video.
    Video,
}

/// A media file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// Picture or video.
    pub kind: MediaKind,
    /// Where the bytes can be fetched.
    pub url: String,
    /// Alt text.
    pub alt: Option<String>,
    /// A video's poster image (its URL), when the user chose one.
    pub thumbnail: Option<String>,
}

/// One message to publish (the root post or one comment of a thread).
#[derive(Debug, Clone, PartialEq)]
pub struct PostDetails {
    /// Our id of this message (used as the idempotency key where the network has one).
    pub id: String,
    /// Text, already converted for the provider's editor.
    pub message: String,
    /// Provider settings (`__type`-specific).
    pub settings: Value,
    /// Attached media.
    pub media: Vec<Media>,
}

/// A message the network accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The network's id of the message.
    pub id: String,
    /// Its public URL.
    pub url: String,
}

/// A page, company or channel offered by a two-step provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    /// Its id on the network.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Picture URL.
    pub picture: Option<String>,
}
