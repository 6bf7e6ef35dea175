//! Nostr against fake relays: the key connects the account (profile read from a relay),
//! notes and replies are signed (verified by the relay with libsecp256k1, independently of
//! the provider's signer), sent to every relay, published when one accepts.

use postiz_providers::ProviderError;
use postiz_tests::fakes::{nostr_relay, serve};
use serde_json::json;

use crate::providers_articles::{channel, form, message, provider};

const KEY: &str = "b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef";
const PUBKEY: &str = "dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659";

#[tokio::test]
async fn nostr_signs_notes_that_an_independent_verifier_accepts() {
    let (good, relay) = nostr_relay::app();
    let (bad, refusing) = nostr_relay::app();
    refusing.lock().unwrap().refuse_all = Some("blocked: not on whitelist".into());
    let good = serve(good).await.replace("http://", "ws://");
    let bad = serve(bad).await.replace("http://", "ws://");
    let relays = format!("{bad},{good}");
    let p = provider(
        "nostr",
        &[
            ("NOSTR_RELAYS", relays.as_str()),
            ("NOSTR_RELAY_WAIT_MS", "2000"),
        ],
    );

    // A profile (kind 0) the relay already holds, signed by the same key.
    let profile = postiz_providers::networks::nostr::sign_event(
        KEY,
        1_700_000_000,
        0,
        vec![],
        r#"{"name":"ada","display_name":"Ada Nostr","picture":"https://n.example/a.png"}"#,
    )
    .unwrap();
    assert!(nostr_relay::verify(&profile.to_json()).is_ok());
    relay.lock().unwrap().events.push(profile.to_json());

    assert_eq!(
        p.authenticate(&form(json!({"password": "nothex"})), "")
            .await
            .unwrap_err(),
        ProviderError::bad("Invalid credentials")
    );
    let t = p
        .authenticate(&form(json!({"password": KEY})), "")
        .await
        .unwrap();
    assert_eq!((t.id.as_str(), t.name.as_str()), (PUBKEY, "Ada Nostr"));
    assert!(
        !t.access_token.contains(KEY),
        "the private key is not the token"
    );
    let auth = channel(&t, Some(json!({"password": KEY})));

    let mut note = message("n1", "gm nostr", json!({}));
    note.media = vec![postiz_providers::Media {
        kind: postiz_providers::MediaKind::Image,
        url: "https://cdn.example/p.png".into(),
        alt: None,
        thumbnail: None,
    }];
    let root = p.publish(&auth, &note).await.unwrap();
    assert_eq!(root.url, format!("https://primal.net/e/{}", root.id));
    let reply = p
        .comment(
            &auth,
            &root.id,
            &root.id,
            &message("n2", "and a reply", json!({})),
        )
        .await
        .unwrap();

    let stored: Vec<serde_json::Value> = relay
        .lock()
        .unwrap()
        .events
        .iter()
        .filter(|e| e["kind"] == 1)
        .cloned()
        .collect();
    assert_eq!(stored.len(), 2, "the accepting relay holds both notes");
    assert_eq!(
        stored[0]["content"],
        "gm nostr\n\nhttps://cdn.example/p.png"
    );
    assert_eq!(stored[0]["pubkey"], PUBKEY);
    assert_eq!(stored[1]["id"], reply.id.as_str());
    assert_eq!(
        stored[1]["tags"],
        json!([["e", root.id, "", "reply"], ["p", PUBKEY]])
    );
    for e in &stored {
        assert!(
            nostr_relay::verify(e).is_ok(),
            "libsecp256k1 verifies the signature"
        );
    }
    let mut forged = stored[0].clone();
    forged["content"] = json!("tampered");
    assert!(
        nostr_relay::verify(&forged).is_err(),
        "the verifier is not a rubber stamp"
    );
    assert_eq!(
        refusing.lock().unwrap().refused.len(),
        2,
        "the other relay refused both"
    );

    let only_bad = provider(
        "nostr",
        &[
            ("NOSTR_RELAYS", bad.as_str()),
            ("NOSTR_RELAY_WAIT_MS", "2000"),
        ],
    );
    let refused = only_bad
        .publish(&auth, &message("n3", "x", json!({})))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("blocked: not on whitelist"),
        "{refused}"
    );
}
