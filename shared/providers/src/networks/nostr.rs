//! Nostr: the user's private key (hex) connects the account; it is kept only in the
//! channel's encrypted credentials. Each post is a NIP-01 text note (kind 1) signed with
//! BIP-340 Schnorr and sent to every relay over WebSocket; it counts as published when at
//! least one relay accepts it (`["OK", id, true, …]`). Comments are notes that reply to the
//! previous one (`e` tag with the `reply` marker, `p` tag of the author). Relays: the form's
//! optional `relays` (comma-separated `wss://` URLs), else `NOSTR_RELAYS`, else Postiz's five.

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use k256::schnorr::SigningKey;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

use crate::config::ProviderConfig;
use crate::creds::{decode_form, form_request, stored_form};
use crate::error::{ProviderError, ProviderResult};
use crate::http::Http;
use crate::types::*;
use crate::Provider;

const DEFAULT_RELAYS: &str =
    "wss://nos.lol,wss://relay.damus.io,wss://relay.snort.social,wss://temp.iris.to,wss://vault.iris.to";

#[derive(Deserialize)]
struct Form {
    password: String,
    #[serde(default)]
    relays: Option<String>,
}

/// A signed NIP-01 event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Hex SHA-256 of the serialized event.
    pub id: String,
    /// Hex x-only public key.
    pub pubkey: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Event kind (1: text note).
    pub kind: u32,
    /// Tags.
    pub tags: Vec<Vec<String>>,
    /// Text.
    pub content: String,
    /// Hex BIP-340 signature of the id.
    pub sig: String,
}

impl Event {
    /// The event as relays take it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "pubkey": self.pubkey, "created_at": self.created_at,
            "kind": self.kind, "tags": self.tags, "content": self.content, "sig": self.sig,
        })
    }
}

/// The signing key from a hex private key.
fn signing_key(hex_key: &str) -> ProviderResult<SigningKey> {
    let bytes = hex::decode(hex_key.trim())
        .map_err(|_| ProviderError::bad("The Nostr private key must be in hex"))?;
    SigningKey::from_bytes(&bytes)
        .map_err(|_| ProviderError::bad("The Nostr private key is not valid"))
}

/// The hex public key of a hex private key.
pub fn public_key(hex_key: &str) -> ProviderResult<String> {
    Ok(hex::encode(
        signing_key(hex_key)?.verifying_key().to_bytes(),
    ))
}

/// Builds and signs an event (NIP-01: the id is the SHA-256 of
/// `[0, pubkey, created_at, kind, tags, content]` serialized without spaces).
pub fn sign_event(
    hex_key: &str,
    created_at: i64,
    kind: u32,
    tags: Vec<Vec<String>>,
    content: &str,
) -> ProviderResult<Event> {
    let key = signing_key(hex_key)?;
    let pubkey = hex::encode(key.verifying_key().to_bytes());
    let serialized = json!([0, pubkey, created_at, kind, tags, content]).to_string();
    let digest = Sha256::digest(serialized.as_bytes());
    let mut aux = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut aux);
    let sig = key
        .sign_raw(&digest, &aux)
        .map_err(|e| ProviderError::Unknown(format!("signing failed: {e}")))?;
    Ok(Event {
        id: hex::encode(digest),
        pubkey,
        created_at,
        kind,
        tags,
        content: content.to_string(),
        sig: hex::encode(sig.to_bytes()),
    })
}

/// The Nostr provider.
#[derive(Debug)]
pub struct Nostr {
    info: ProviderInfo,
    http: Http,
    relays: String,
    web: String,
    wait: Duration,
}

impl Nostr {
    /// Configured from `NOSTR_RELAYS`, `NOSTR_WEB_URL` (note links; default
    /// `https://primal.net`) and `NOSTR_RELAY_WAIT_MS` (how long a relay may take to answer).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(vec![
                    CustomField {
                        key: "password",
                        label: "Nostr private key",
                        validation: r"/^.{3,}$/",
                        kind: "password",
                        default_value: None,
                    },
                    CustomField {
                        key: "relays",
                        label: "Relays (comma-separated, optional)",
                        validation: r"/^(\s*wss?:\/\/[^\s,]+\s*(,\s*wss?:\/\/[^\s,]+\s*)*)?$/",
                        kind: "text",
                        default_value: Some(""),
                    },
                ]),
                tool_tip: Some("Make sure you private a HEX key of your Nostr private key, you can get it from websites like iris.to"),
                ..ProviderInfo::basic("nostr", "Nostr", Editor::Normal, 100_000, 5)
            },
            http,
            relays: config.or("NOSTR_RELAYS", DEFAULT_RELAYS),
            web: config.base_url("NOSTR_WEB_URL", "https://primal.net"),
            wait: Duration::from_millis(
                config.get("NOSTR_RELAY_WAIT_MS").and_then(|v| v.parse().ok()).unwrap_or(6000),
            ),
        }
    }

    fn relays_of(&self, form: &Form) -> Vec<String> {
        let list = form
            .relays
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .unwrap_or(&self.relays);
        list.split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// Opens a relay after the address guard (relays are user-supplied URLs).
    async fn open(
        &self,
        relay: &str,
    ) -> ProviderResult<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    > {
        let probe = relay
            .replacen("wss://", "https://", 1)
            .replacen("ws://", "http://", 1);
        self.http.vet(&probe).await?;
        let (ws, _) = tokio::time::timeout(self.wait, tokio_tungstenite::connect_async(relay))
            .await
            .map_err(|_| ProviderError::transient(format!("{relay} did not answer")))?
            .map_err(|e| ProviderError::transient(format!("{relay}: {e}")))?;
        Ok(ws)
    }

    /// Sends `event` to one relay and waits for its `OK`.
    async fn send_to(&self, relay: &str, event: &Event) -> ProviderResult<()> {
        let mut ws = self.open(relay).await?;
        ws.send(Message::text(json!(["EVENT", event.to_json()]).to_string()))
            .await
            .map_err(|e| ProviderError::transient(format!("{relay}: {e}")))?;
        let answer = tokio::time::timeout(self.wait, async {
            while let Some(msg) = ws.next().await {
                let Ok(Message::Text(text)) = msg else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if v[0] == "OK" && v[1] == event.id.as_str() {
                    return Some((v[2] == true, v[3].as_str().unwrap_or_default().to_string()));
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let _ = ws.close(None).await;
        match answer {
            Some((true, _)) => Ok(()),
            Some((false, why)) => Err(ProviderError::bad(format!(
                "{relay} refused the note: {why}"
            ))),
            None => Err(ProviderError::transient(format!(
                "{relay} did not confirm the note"
            ))),
        }
    }

    /// Sends to every relay; published when one accepted. All refusing is the first refusal.
    async fn broadcast(&self, form: &Form, event: &Event) -> ProviderResult<Published> {
        let relays = self.relays_of(form);
        let results =
            futures_util::future::join_all(relays.iter().map(|r| self.send_to(r, event))).await;
        if results.iter().any(Result::is_ok) {
            return Ok(Published {
                id: event.id.clone(),
                url: format!("{}/e/{}", self.web, event.id),
            });
        }
        let refused = results.iter().find_map(|r| match r {
            Err(e @ ProviderError::BadRequest { .. }) => Some(e.clone()),
            _ => None,
        });
        Err(refused.unwrap_or_else(|| ProviderError::transient("no relay accepted the note")))
    }

    /// The newest profile (kind 0) of `pubkey` any relay has.
    async fn profile(&self, form: &Form, pubkey: &str) -> Value {
        for relay in self.relays_of(form) {
            let Ok(mut ws) = self.open(&relay).await else {
                continue;
            };
            let req = json!(["REQ", "profile", {"kinds": [0], "authors": [pubkey], "limit": 1}]);
            if ws.send(Message::text(req.to_string())).await.is_err() {
                continue;
            }
            let found = tokio::time::timeout(self.wait, async {
                while let Some(Ok(Message::Text(text))) = ws.next().await {
                    let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    match v[0].as_str() {
                        Some("EVENT") => {
                            return serde_json::from_str::<Value>(
                                v[2]["content"].as_str().unwrap_or("{}"),
                            )
                            .ok()
                        }
                        Some("EOSE") => return None,
                        _ => {}
                    }
                }
                None
            })
            .await
            .ok()
            .flatten();
            let _ = ws.close(None).await;
            if let Some(p) = found {
                return p;
            }
        }
        Value::Null
    }

    async fn note(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        tags: Vec<Vec<String>>,
    ) -> ProviderResult<Published> {
        let form: Form = stored_form(auth)?;
        let mut content = post.message.clone();
        let links: Vec<&str> = post.media.iter().map(|m| m.url.as_str()).collect();
        if !links.is_empty() {
            content = format!("{content}\n\n{}", links.join("\n\n"));
        }
        let event = sign_event(
            &form.password,
            chrono::Utc::now().timestamp(),
            1,
            tags,
            &content,
        )
        .map_err(|_| ProviderError::RefreshNeeded("the stored Nostr key is not valid".into()))?;
        self.broadcast(&form, &event).await
    }
}

#[async_trait]
impl Provider for Nostr {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "The Nostr private key is required")?;
        let pubkey =
            public_key(&form.password).map_err(|_| ProviderError::bad("Invalid credentials"))?;
        let p = self.profile(&form, &pubkey).await;
        let name = ["display_name", "displayName", "name"]
            .iter()
            .find_map(|k| p[k].as_str().filter(|s| !s.is_empty()))
            .unwrap_or("No Name")
            .to_string();
        Ok(AuthTokens {
            id: pubkey.clone(),
            name,
            // The key stays in the encrypted credentials; the token is only the public key.
            access_token: pubkey,
            picture: p["picture"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            username: Some(p["name"].as_str().unwrap_or("nousername").to_string()),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.note(auth, post, vec![]).await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let mut tags = vec![];
        if root_id != reply_to {
            tags.push(vec![
                "e".into(),
                root_id.to_string(),
                String::new(),
                "root".into(),
            ]);
        }
        tags.push(vec![
            "e".into(),
            reply_to.to_string(),
            String::new(),
            "reply".into(),
        ]);
        tags.push(vec!["p".into(), auth.internal_id.clone()]);
        self.note(auth, post, tags).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_signed_over_their_nip01_id() {
        // BIP-340 test vector 1's secret key.
        let key = "b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef";
        assert_eq!(
            public_key(key).unwrap(),
            "dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659"
        );
        let e = sign_event(
            key,
            1_700_000_000,
            1,
            vec![vec!["p".into(), "ab".into()]],
            "hi \"there\"\n",
        )
        .unwrap();
        let serialized = json!([0, e.pubkey, e.created_at, 1, e.tags, e.content]).to_string();
        assert_eq!(e.id, hex::encode(Sha256::digest(serialized.as_bytes())));
        let vk = SigningKey::from_bytes(&hex::decode(key).unwrap())
            .unwrap()
            .verifying_key()
            .to_owned();
        let sig =
            k256::schnorr::Signature::try_from(hex::decode(&e.sig).unwrap().as_slice()).unwrap();
        assert!(vk.verify_raw(&hex::decode(&e.id).unwrap(), &sig).is_ok());
        assert!(public_key("zz").is_err());
    }
}
