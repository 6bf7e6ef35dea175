//! A fake Nostr relay (NIP-01 over WebSocket): `EVENT` messages are checked as a relay
//! must (the id is the SHA-256 of the canonical serialization, the signature a valid
//! BIP-340 signature by `pubkey`, verified with libsecp256k1, an implementation independent
//! of the one the provider signs with) and answered with `OK`; `REQ` returns the stored
//! events matching `kinds`/`authors`, then `EOSE`.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// What the relay holds and saw.
#[derive(Debug, Default)]
pub struct Relay {
    /// Events accepted (valid id and signature).
    pub events: Vec<Value>,
    /// Events refused, with the reason.
    pub refused: Vec<(Value, String)>,
    /// When set, every event is refused with this reason (a relay that rejects notes).
    pub refuse_all: Option<String>,
}

/// Shared state of one relay.
pub type Shared = Arc<Mutex<Relay>>;

/// Checks an event as NIP-01 says a relay must; `Err` is the `OK` message's reason.
pub fn verify(event: &Value) -> Result<(), String> {
    let serialized = json!([
        0,
        event["pubkey"],
        event["created_at"],
        event["kind"],
        event["tags"],
        event["content"]
    ])
    .to_string();
    let id = hex::encode(Sha256::digest(serialized.as_bytes()));
    if event["id"].as_str() != Some(id.as_str()) {
        return Err("invalid: event id does not match".into());
    }
    let decode = |k: &str| {
        hex::decode(event[k].as_str().unwrap_or_default())
            .map_err(|_| format!("invalid: {k} is not hex"))
    };
    let (pubkey, sig, digest) = (decode("pubkey")?, decode("sig")?, decode("id")?);
    let secp = secp256k1::Secp256k1::verification_only();
    let pubkey = secp256k1::XOnlyPublicKey::from_slice(&pubkey)
        .map_err(|_| "invalid: bad pubkey".to_string())?;
    let sig = secp256k1::schnorr::Signature::from_slice(&sig)
        .map_err(|_| "invalid: bad signature".to_string())?;
    secp.verify_schnorr(&sig, &digest, &pubkey)
        .map_err(|_| "invalid: signature does not verify".to_string())
}

fn matches(filter: &Value, event: &Value) -> bool {
    let within = |key: &str, field: &str| {
        filter[key]
            .as_array()
            .is_none_or(|allowed| allowed.contains(&event[field]))
    };
    within("kinds", "kind") && within("authors", "pubkey")
}

async fn session(mut socket: WebSocket, relay: Shared) {
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Text(text) = msg else { continue };
        let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
            let _ = socket
                .send(Message::text(
                    json!(["NOTICE", "could not parse"]).to_string(),
                ))
                .await;
            continue;
        };
        let replies: Vec<Value> = match v[0].as_str() {
            Some("EVENT") => {
                let event = v[1].clone();
                let id = event["id"].clone();
                let mut r = relay.lock().unwrap();
                let verdict = match &r.refuse_all {
                    Some(why) => Err(why.clone()),
                    None => verify(&event),
                };
                match verdict {
                    Ok(()) => {
                        r.events.push(event);
                        vec![json!(["OK", id, true, ""])]
                    }
                    Err(why) => {
                        r.refused.push((event, why.clone()));
                        vec![json!(["OK", id, false, why])]
                    }
                }
            }
            Some("REQ") => {
                let sub = v[1].clone();
                let r = relay.lock().unwrap();
                let mut out: Vec<Value> = r
                    .events
                    .iter()
                    .filter(|e| {
                        v.as_array()
                            .into_iter()
                            .flatten()
                            .skip(2)
                            .any(|f| matches(f, e))
                    })
                    .map(|e| json!(["EVENT", sub, e]))
                    .collect();
                out.push(json!(["EOSE", sub]));
                out
            }
            _ => vec![json!(["NOTICE", "unknown message"])],
        };
        for reply in replies {
            if socket.send(Message::text(reply.to_string())).await.is_err() {
                return;
            }
        }
    }
}

async fn upgrade(State(relay): State<Shared>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| session(socket, relay))
}

/// A fake relay at `/` (connect with `ws://host:port/`).
pub fn app() -> (Router, Shared) {
    let relay = Shared::default();
    (
        Router::new()
            .route("/", get(upgrade))
            .with_state(relay.clone()),
        relay,
    )
}
