//! The authorization server's rules on the embedded store with a clock the tests move:
//! registration, consent, the code exchange with PKCE, single use, expiry, revocation, and an
//! organization's own app.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use postiz_core::clock::FixedClock;
use postiz_core::Error;
use postiz_oauth::{
    AppInput, AuthorizeRequest, Decision, OAuth, OAuthConfig, OAuthRepo, Registration, TokenRequest,
};
use postiz_storage::embedded::EmbeddedStore;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

const REDIRECT: &str = "http://127.0.0.1:33418/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more";

struct Fixture {
    _dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    oauth: OAuth,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
    ));
    let store = EmbeddedStore::open(&dir.path().join("db"), clock.clone(), vec![]).unwrap();
    let oauth = OAuth::new(
        OAuthRepo::new(Arc::new(store)),
        clock.clone(),
        OAuthConfig::default(),
    );
    Fixture {
        _dir: dir,
        clock,
        oauth,
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn register_public(oauth: &OAuth) -> String {
    let r = oauth
        .register(Registration {
            redirect_uris: Some(vec![REDIRECT.into()]),
            client_name: Some("Claude".into()),
            token_endpoint_auth_method: Some("none".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(r.get("client_secret").is_none(), "{r}");
    assert_eq!(r["scope"], "mcp:read mcp:write");
    r["client_id"].as_str().unwrap().to_string()
}

/// Approves for `user` in `org` and returns the code from the redirect.
async fn approve(oauth: &OAuth, client: &str, user: &str, org: &str) -> String {
    let answer = oauth
        .decide(
            user,
            org,
            Decision {
                client_id: Some(client.into()),
                action: Some("approve".into()),
                state: Some("st&1".into()),
                redirect_uri: Some(REDIRECT.into()),
                code_challenge: Some(challenge(VERIFIER)),
                code_challenge_method: Some("S256".into()),
            },
        )
        .await
        .unwrap();
    let redirect = url::Url::parse(answer["redirect"].as_str().unwrap()).unwrap();
    assert!(redirect.as_str().starts_with(REDIRECT), "{redirect}");
    let q: std::collections::HashMap<_, _> = redirect.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st&1");
    q["code"].clone()
}

fn token_request(client: &str, code: &str, verifier: &str) -> TokenRequest {
    TokenRequest {
        grant_type: Some("authorization_code".into()),
        code: Some(code.into()),
        client_id: Some(client.into()),
        client_secret: None,
        code_verifier: Some(verifier.into()),
        redirect_uri: Some(REDIRECT.into()),
    }
}

fn oauth_error(e: Error) -> (u16, &'static str, Option<String>) {
    match e {
        Error::OAuth {
            status,
            error,
            description,
        } => (status, error, description),
        other => panic!("not an OAuth error: {other:?}"),
    }
}

async fn token(oauth: &OAuth, client: &str, code: &str) -> String {
    let t = oauth
        .exchange(token_request(client, code, VERIFIER), None)
        .await
        .unwrap();
    assert_eq!(t["token_type"], "bearer");
    t["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_public_client_gets_a_token_for_the_chosen_organization_with_pkce() {
    let f = fixture();
    let client = register_public(&f.oauth).await;
    let consent = f
        .oauth
        .authorization_request(AuthorizeRequest {
            client_id: Some(client.clone()),
            response_type: Some("code".into()),
            state: Some("s".into()),
            redirect_uri: Some(REDIRECT.into()),
            code_challenge: Some(challenge(VERIFIER)),
            code_challenge_method: Some("S256".into()),
            scope: None,
        })
        .await
        .unwrap();
    assert_eq!(consent["app"]["name"], "Claude");
    assert_eq!(consent["state"], "s");

    let code = approve(&f.oauth, &client, "user-a", "org-a").await;
    let answer = f
        .oauth
        .exchange(token_request(&client, &code, VERIFIER), None)
        .await
        .unwrap();
    assert_eq!(answer["id"], "org-a");
    let token = answer["access_token"].as_str().unwrap();
    assert!(token.starts_with("pos_") && token.len() == 44, "{token}");
    let grant = f.oauth.grant(token).await.unwrap().expect("a live token");
    assert_eq!(
        (grant.organization_id.as_str(), grant.user_id.as_str()),
        ("org-a", "user-a")
    );
    assert!(f.oauth.grant("pos_unknown").await.unwrap().is_none());
    assert!(f.oauth.grant("not-a-token").await.unwrap().is_none());

    let apps = f.oauth.approved_apps("user-a").await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["oauthApp"]["name"], "Claude");
    assert!(f.oauth.approved_apps("user-b").await.unwrap().is_empty());
}

#[tokio::test]
async fn wrong_verifier_reused_code_and_expired_code_are_refused() {
    let f = fixture();
    let client = register_public(&f.oauth).await;

    // A wrong verifier, then none: refused, and the code still works with the right one.
    let code = approve(&f.oauth, &client, "u", "o").await;
    let wrong = f
        .oauth
        .exchange(token_request(&client, &code, &format!("{VERIFIER}x")), None)
        .await
        .unwrap_err();
    assert_eq!(
        oauth_error(wrong),
        (400, "invalid_grant", Some("Invalid code_verifier".into()))
    );
    let mut none = token_request(&client, &code, VERIFIER);
    none.code_verifier = None;
    assert_eq!(
        oauth_error(f.oauth.exchange(none, None).await.unwrap_err()).1,
        "invalid_grant"
    );
    let mut other_redirect = token_request(&client, &code, VERIFIER);
    other_redirect.redirect_uri = Some("http://127.0.0.1:9/elsewhere".into());
    assert_eq!(
        oauth_error(f.oauth.exchange(other_redirect, None).await.unwrap_err()).1,
        "invalid_grant"
    );
    let first = token(&f.oauth, &client, &code).await;
    assert!(f.oauth.grant(&first).await.unwrap().is_some());

    // The same code again: refused, and the token of its first use is revoked.
    let again = f
        .oauth
        .exchange(token_request(&client, &code, VERIFIER), None)
        .await
        .unwrap_err();
    assert_eq!(oauth_error(again).1, "invalid_grant");
    assert!(f.oauth.grant(&first).await.unwrap().is_none());

    // A code older than ten minutes.
    let late = approve(&f.oauth, &client, "u", "o").await;
    f.clock.advance(Duration::seconds(601));
    let expired = f
        .oauth
        .exchange(token_request(&client, &late, VERIFIER), None)
        .await
        .unwrap_err();
    assert_eq!(
        oauth_error(expired),
        (400, "invalid_grant", Some("Code has expired".into()))
    );

    // A code of another client.
    let other = register_public(&f.oauth).await;
    let code = approve(&f.oauth, &client, "u", "o").await;
    let stolen = f
        .oauth
        .exchange(token_request(&other, &code, VERIFIER), None)
        .await
        .unwrap_err();
    assert_eq!(oauth_error(stolen).1, "invalid_grant");
}

#[tokio::test]
async fn requests_outside_the_registration_are_refused() {
    let f = fixture();
    let refused = f
        .oauth
        .register(Registration {
            redirect_uris: Some(vec!["http://attacker.example/cb".into()]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(oauth_error(refused).1, "invalid_redirect_uri");
    let refused = f
        .oauth
        .register(Registration {
            redirect_uris: Some(vec![REDIRECT.into()]),
            grant_types: Some(vec!["client_credentials".into()]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(oauth_error(refused).1, "invalid_client_metadata");

    let client = register_public(&f.oauth).await;
    let ask = |redirect: &str, challenge: Option<String>, method: &str| AuthorizeRequest {
        client_id: Some(client.clone()),
        response_type: Some("code".into()),
        redirect_uri: Some(redirect.into()),
        code_challenge: challenge,
        code_challenge_method: Some(method.into()),
        ..Default::default()
    };
    let foreign = f
        .oauth
        .authorization_request(ask(
            "https://attacker.example/cb",
            Some(challenge(VERIFIER)),
            "S256",
        ))
        .await
        .unwrap_err();
    assert!(matches!(foreign, Error::BadRequest(ref m) if m == "Invalid redirect_uri"));
    let no_pkce = f
        .oauth
        .authorization_request(ask(REDIRECT, None, "S256"))
        .await
        .unwrap_err();
    assert!(matches!(no_pkce, Error::BadRequest(_)), "{no_pkce:?}");
    let plain = f
        .oauth
        .authorization_request(ask(REDIRECT, Some(challenge(VERIFIER)), "plain"))
        .await
        .unwrap_err();
    assert!(matches!(plain, Error::BadRequest(_)), "{plain:?}");
    let unknown = f
        .oauth
        .authorization_request(AuthorizeRequest {
            client_id: Some("pcd_nope".into()),
            response_type: Some("code".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(unknown, Error::BadRequest(ref m) if m == "Invalid client_id"));

    // Denial: back to the client with the error and the state, no code.
    let denied = f
        .oauth
        .decide(
            "u",
            "o",
            Decision {
                client_id: Some(client.clone()),
                action: Some("deny".into()),
                state: Some("xyz".into()),
                redirect_uri: Some(REDIRECT.into()),
                code_challenge: Some(challenge(VERIFIER)),
                code_challenge_method: Some("S256".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        denied["redirect"],
        format!("{REDIRECT}?error=access_denied&state=xyz")
    );
}

#[tokio::test]
async fn revoking_stops_the_token_at_once_and_a_new_approval_replaces_it() {
    let f = fixture();
    let client = register_public(&f.oauth).await;
    let first = token(
        &f.oauth,
        &client,
        &approve(&f.oauth, &client, "u", "o").await,
    )
    .await;
    // Approving again replaces the grant's token: one live token per grant.
    let second = token(
        &f.oauth,
        &client,
        &approve(&f.oauth, &client, "u", "o").await,
    )
    .await;
    assert!(f.oauth.grant(&first).await.unwrap().is_none());
    assert!(f.oauth.grant(&second).await.unwrap().is_some());
    let apps = f.oauth.approved_apps("u").await.unwrap();
    assert_eq!(apps.len(), 1);
    let id = apps[0]["id"].as_str().unwrap().to_string();

    // Another user cannot revoke it.
    assert!(matches!(
        f.oauth.revoke("someone-else", &id).await.unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(f.oauth.revoke("u", &id).await.unwrap()["success"], true);
    assert!(f.oauth.grant(&second).await.unwrap().is_none());
    assert!(f.oauth.approved_apps("u").await.unwrap().is_empty());
    assert!(matches!(
        f.oauth.revoke("u", &id).await.unwrap_err(),
        Error::NotFound(_)
    ));
}

#[tokio::test]
async fn an_organizations_own_app_authenticates_with_its_secret() {
    let f = fixture();
    assert_eq!(f.oauth.get_app("org").await.unwrap(), Value::Bool(false));
    let bad = f
        .oauth
        .create_app(
            "org",
            AppInput {
                name: Some("".into()),
                redirect_url: Some("not a url".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(bad, Error::Validation(ref m) if m.len() == 2),
        "{bad:?}"
    );
    let input = AppInput {
        name: Some("Our tool".into()),
        description: Some("Posts for us".into()),
        picture_id: None,
        redirect_url: Some("https://tool.example/callback".into()),
    };
    let created = f
        .oauth
        .create_app("org", input.clone(), None)
        .await
        .unwrap();
    let client = created["clientId"].as_str().unwrap().to_string();
    let secret = created["clientSecret"].as_str().unwrap().to_string();
    assert!(client.starts_with("pca_") && secret.starts_with("pcs_"));
    let shown = f.oauth.get_app("org").await.unwrap();
    assert_eq!(shown["clientId"], client.as_str());
    assert!(shown.get("clientSecret").is_none() && shown.get("secretHash").is_none());
    assert!(matches!(
        f.oauth.create_app("org", input, None).await.unwrap_err(),
        Error::BadRequest(_)
    ));

    let code_for = |f: &Fixture| {
        let oauth = f.oauth.clone();
        let client = client.clone();
        async move {
            let a = oauth
                .decide(
                    "u",
                    "org",
                    Decision {
                        client_id: Some(client),
                        action: Some("approve".into()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let url = url::Url::parse(a["redirect"].as_str().unwrap()).unwrap();
            assert!(url
                .as_str()
                .starts_with("https://tool.example/callback?code="));
            url.query_pairs()
                .find(|(k, _)| k == "code")
                .unwrap()
                .1
                .into_owned()
        }
    };
    let exchange = |code: String, secret: Option<String>| TokenRequest {
        grant_type: Some("authorization_code".into()),
        code: Some(code),
        client_id: Some(client.clone()),
        client_secret: secret,
        ..Default::default()
    };
    let code = code_for(&f).await;
    let wrong = f
        .oauth
        .exchange(exchange(code.clone(), Some("pcs_wrong".into())), None)
        .await
        .unwrap_err();
    assert_eq!(oauth_error(wrong).0, 401);
    assert_eq!(
        oauth_error(
            f.oauth
                .exchange(exchange(code.clone(), None), None)
                .await
                .unwrap_err()
        )
        .1,
        "invalid_client"
    );
    // The secret in HTTP Basic authentication works too.
    let t = f
        .oauth
        .exchange(exchange(code, None), Some((client.clone(), secret.clone())))
        .await
        .unwrap();
    let token = t["access_token"].as_str().unwrap().to_string();

    // A rotated secret: the old one is refused.
    let rotated = f.oauth.rotate_secret("org").await.unwrap()["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    let code = code_for(&f).await;
    assert_eq!(
        oauth_error(
            f.oauth
                .exchange(exchange(code.clone(), Some(secret)), None)
                .await
                .unwrap_err()
        )
        .1,
        "invalid_client"
    );
    let renewed = f
        .oauth
        .exchange(exchange(code, Some(rotated)), None)
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(f.oauth.grant(&token).await.unwrap().is_none(), "replaced");
    assert!(f.oauth.grant(&renewed).await.unwrap().is_some());

    // Deleting the app revokes its tokens and frees the organization for a new one.
    let updated = f
        .oauth
        .update_app(
            "org",
            AppInput {
                name: Some("Renamed".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["redirectUrl"], "https://tool.example/callback");
    assert_eq!(f.oauth.delete_app("org").await.unwrap()["success"], true);
    assert!(f.oauth.grant(&renewed).await.unwrap().is_none());
    assert_eq!(f.oauth.get_app("org").await.unwrap(), Value::Bool(false));
    assert!(matches!(
        f.oauth.delete_app("org").await.unwrap_err(),
        Error::NotFound(_)
    ));
    f.oauth
        .create_app(
            "org",
            AppInput {
                name: Some("Again".into()),
                redirect_url: Some("https://tool.example/cb".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
}
