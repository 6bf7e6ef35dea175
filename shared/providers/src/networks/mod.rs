//! One module per social network.

use std::sync::Arc;

use crate::config::ProviderConfig;
use crate::http::Http;
use crate::Provider;

pub mod bluesky;
mod bluesky_video;
pub mod devto;
pub mod discord;
pub mod dribbble;
pub mod facebook;
mod facebook_story;
pub mod farcaster;
pub mod gmb;
mod google;
pub mod hashnode;
pub mod instagram;
pub mod kick;
pub mod lemmy;
pub mod linkedin;
pub mod listmonk;
pub mod mastodon;
pub mod medium;
pub mod meta;
mod meta_insights;
pub mod mewe;
pub mod moltbook;
pub mod nostr;
pub mod pinterest;
pub mod reddit;
mod reddit_tools;
pub mod skool;
pub mod slack;
mod stats_more;
pub mod telegram;
pub mod threads;
pub mod tiktok;
pub mod tiktok_business;
pub mod tumblr;
pub mod twitch;
pub mod vk;
pub mod whop;
pub mod wordpress;
pub mod x;
mod x_analytics;
mod x_video;
pub mod youtube;

/// A setting read as Postiz's `assetBoolean` reads it: the string `"true"` in any case, or
/// any other value JavaScript takes as true.
pub(crate) fn asset_boolean(value: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// Whether a value is one JavaScript takes as true (`settings?.audio?.id` tests).
pub(crate) fn truthy(value: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    match value {
        Some(Value::String(s)) => !s.is_empty(),
        other => asset_boolean(other),
    }
}

/// A message saying "hello" with these `settings` and one media of each of `kinds` (tests of
/// the modules' rules).
#[cfg(test)]
pub(crate) fn test_post(
    settings: serde_json::Value,
    kinds: &[crate::types::MediaKind],
) -> crate::types::PostDetails {
    crate::types::PostDetails {
        id: "p".into(),
        message: "hello".into(),
        settings,
        media: kinds
            .iter()
            .map(|&kind| crate::types::Media {
                kind,
                url: "https://example.com/m".into(),
                alt: None,
                thumbnail: None,
            })
            .collect(),
    }
}

/// Every provider, configured.
pub fn all(config: &ProviderConfig, http: &Http) -> Vec<Arc<dyn Provider>> {
    vec![
        Arc::new(bluesky::Bluesky::new(config, http.clone())),
        Arc::new(discord::Discord::new(config, http.clone())),
        Arc::new(facebook::Facebook::new(config, http.clone())),
        Arc::new(instagram::Instagram::new(config, http.clone())),
        Arc::new(instagram::InstagramStandalone::new(config, http.clone())),
        Arc::new(linkedin::LinkedIn::new(config, http.clone(), false)),
        Arc::new(linkedin::LinkedIn::new(config, http.clone(), true)),
        Arc::new(mastodon::Mastodon::new(config, http.clone())),
        Arc::new(pinterest::Pinterest::new(config, http.clone())),
        Arc::new(reddit::Reddit::new(config, http.clone())),
        Arc::new(slack::Slack::new(config, http.clone())),
        Arc::new(telegram::Telegram::new(config, http.clone())),
        Arc::new(threads::Threads::new(config, http.clone())),
        Arc::new(tiktok::TikTok::new(config, http.clone())),
        Arc::new(x::X::new(config, http.clone())),
        Arc::new(youtube::YouTube::new(config, http.clone())),
        Arc::new(devto::DevTo::new(config, http.clone())),
        Arc::new(hashnode::Hashnode::new(config, http.clone())),
        Arc::new(lemmy::Lemmy::new(config, http.clone())),
        Arc::new(listmonk::Listmonk::new(config, http.clone())),
        Arc::new(medium::Medium::new(config, http.clone())),
        Arc::new(wordpress::WordPress::new(config, http.clone())),
        Arc::new(kick::Kick::new(config, http.clone())),
        Arc::new(nostr::Nostr::new(config, http.clone())),
        Arc::new(twitch::Twitch::new(config, http.clone())),
        Arc::new(vk::Vk::new(config, http.clone())),
        Arc::new(dribbble::Dribbble::new(config, http.clone())),
        Arc::new(tumblr::Tumblr::new(config, http.clone())),
        Arc::new(farcaster::Farcaster::new(config, http.clone())),
        Arc::new(mewe::MeWe::new(config, http.clone())),
        Arc::new(moltbook::Moltbook::new(config, http.clone())),
        Arc::new(skool::Skool::new(config, http.clone())),
        Arc::new(whop::Whop::new(config, http.clone())),
        Arc::new(gmb::Gmb::new(config, http.clone())),
        Arc::new(tiktok_business::TikTokBusiness::new(config, http.clone())),
    ]
}
