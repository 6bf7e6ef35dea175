//! The registry of providers and the catalogue JSON of `GET /integrations`.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::ProviderConfig;
use crate::http::{Http, OwnMedia};
use crate::{networks, Provider};

/// Every provider, by identifier.
#[derive(Clone)]
pub struct Providers {
    by_id: BTreeMap<&'static str, Arc<dyn Provider>>,
    hidden: Vec<String>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_id.keys()).finish()
    }
}

impl Providers {
    /// All providers, configured from `config` (`HIDDEN_PROVIDERS` hides some from the catalogue).
    pub fn new(config: &ProviderConfig) -> Self {
        Self::with_own_media(config, None)
    }

    /// All providers; media links `own_media` recognises are fetched without the address
    /// guard (`FETCH_ALLOW_PRIVATE` lifts it for every URL).
    pub fn with_own_media(config: &ProviderConfig, own_media: Option<OwnMedia>) -> Self {
        let allow_private = config
            .get("FETCH_ALLOW_PRIVATE")
            .is_some_and(|v| v.trim() == "1" || v.trim().eq_ignore_ascii_case("true"));
        let http = Http::default().guarded(allow_private, own_media);
        let mut by_id = BTreeMap::new();
        for p in networks::all(config, &http) {
            by_id.insert(p.info().identifier, p);
        }
        let hidden = config
            .get("HIDDEN_PROVIDERS")
            .map(|h| h.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        Self { by_id, hidden }
    }

    /// The same registry with `provider` in place of the one of its identifier (tests wrap
    /// a provider to inject faults).
    pub fn with(mut self, provider: Arc<dyn Provider>) -> Self {
        self.by_id.insert(provider.info().identifier, provider);
        self
    }

    /// The provider `identifier`.
    pub fn get(&self, identifier: &str) -> Option<Arc<dyn Provider>> {
        self.by_id.get(identifier).cloned()
    }

    /// Every identifier, sorted.
    pub fn identifiers(&self) -> Vec<&'static str> {
        self.by_id.keys().copied().collect()
    }

    /// `GET /integrations`: `{social: [...], article: []}` in Postiz's shape.
    pub fn catalogue(&self) -> Value {
        let social: Vec<Value> = self
            .by_id
            .values()
            .map(|p| p.info())
            .filter(|i| !self.hidden.iter().any(|h| h == i.identifier))
            .map(|i| {
                let mut v = json!({
                    "name": i.name,
                    "identifier": i.identifier,
                    "toolTip": i.tool_tip,
                    "editor": i.editor,
                    "isExternal": false,
                    "isWeb3": i.is_web3,
                    "isChromeExtension": i.extension_cookies.is_some(),
                });
                if let Some(cookies) = i.extension_cookies {
                    let list: Vec<Value> = cookies
                        .iter()
                        .map(|(name, domain)| json!({"name": name, "domain": domain}))
                        .collect();
                    v["extensionCookies"] = Value::Array(list);
                }
                if let Some(fields) = &i.custom_fields {
                    v["customFields"] = json!(fields);
                }
                v
            })
            .collect();
        json!({ "social": social, "article": [] })
    }
}
