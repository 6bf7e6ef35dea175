//! The black-box suite, one binary: port contracts on both adapters, the HTTP flows on the
//! local server (embedded and through infra/local-aws), the Lambda handlers on events/,
//! and the template drift check.

mod account_http;
mod backup_restore;
mod browser_walk;
mod channels_http;
mod channels_refresh;
mod contract_blobs;
mod contract_queue;
mod contract_secrets;
mod contract_settings;
mod contract_table;
mod frontend_contract;
mod hardening_http;
mod http_flow;
mod isolation_http;
mod lambda_binaries;
mod lambda_events;
mod media_http;
mod openapi;
mod postiz_cli;
mod posts_api;
mod posts_http;
mod providers_bluesky;
mod providers_discord;
mod providers_facebook;
mod providers_instagram;
mod providers_linkedin;
mod providers_mastodon;
mod providers_pinterest;
mod providers_reddit;
mod providers_slack;
mod providers_telegram;
mod providers_threads;
mod providers_tiktok;
mod providers_unknown;
mod providers_x;
mod providers_youtube;
mod public_api;
mod publish_faults;
mod publish_lookup;
mod publish_rules;
mod secrets_redaction;
mod settings_http;
mod template_drift;
mod util;
