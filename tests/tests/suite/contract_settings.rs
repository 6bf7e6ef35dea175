//! Sets, signatures and announcements on both Table adapters (redb, and DynamoDB on moto):
//! the signature default's transactions and the soft delete behave the same on both.

use postiz_core::{Error, FixedClock};
use postiz_settings::Settings;
use postiz_storage::Table;
use serde_json::json;
use std::sync::Arc;

use crate::both_adapters;

async fn settings(t: Arc<dyn Table>, clock: Arc<FixedClock>) {
    let s = Settings::new(t, clock.clone());
    let org = postiz_tests::unique("org-");

    // Sets: saved, replaced, listed newest first, deleted; other orgs see none.
    let first = s
        .save_set(&org, None, Some("A".into()), Some("{}".into()))
        .await
        .unwrap();
    clock.advance(chrono::Duration::seconds(1));
    s.save_set(&org, None, Some("B".into()), Some("{}".into()))
        .await
        .unwrap();
    let id = first["id"].as_str().unwrap().to_string();
    s.save_set(&org, Some(id.clone()), Some("A2".into()), Some("[]".into()))
        .await
        .unwrap();
    let names: Vec<String> = s
        .sets(&org)
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["B", "A2"]);
    assert_eq!(s.sets("other-org").await.unwrap(), json!([]));
    assert!(matches!(
        s.delete_set("other-org", &id).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(s.delete_set(&org, &id).await.unwrap()["name"], "A2");
    assert!(matches!(
        s.delete_set(&org, &id).await,
        Err(Error::NotFound(_))
    ));

    // Signatures: one default at most, moved and cleared in the signature's transaction.
    let one = s
        .save_signature(&org, None, Some("one".into()), Some(true))
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let two = s
        .save_signature(&org, None, Some("two".into()), Some(true))
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(s.default_signature(&org).await.unwrap()["id"], two.as_str());
    let flags: Vec<bool> = s
        .signatures(&org)
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["autoAdd"].as_bool().unwrap())
        .collect();
    assert_eq!(flags.iter().filter(|f| **f).count(), 1);
    // Clearing the flag of a signature that is not the default leaves the default alone.
    s.save_signature(&org, Some(&one), Some("one".into()), Some(false))
        .await
        .unwrap();
    assert_eq!(s.default_signature(&org).await.unwrap()["id"], two.as_str());
    let gone = s.delete_signature(&org, &two).await.unwrap();
    assert!(gone["deletedAt"].is_string());
    assert_eq!(s.default_signature(&org).await.unwrap(), json!({}));
    assert!(matches!(
        s.save_signature(&org, Some(&two), Some("back".into()), Some(true))
            .await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.delete_signature(&org, &two).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(
        s.signatures(&org).await.unwrap().as_array().unwrap().len(),
        1
    );

    // Announcements: the platform's, for administrators to write.
    assert!(matches!(
        s.create_announcement(false, Some("t".into()), Some("d".into()), None)
            .await,
        Err(Error::BadRequest(_))
    ));
    let a = s
        .create_announcement(
            true,
            Some("t".into()),
            Some("d".into()),
            Some("ERROR".into()),
        )
        .await
        .unwrap();
    let id = a["id"].as_str().unwrap();
    assert!(s
        .announcements()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == id && x["color"] == "ERROR"));
    s.delete_announcement(true, id).await.unwrap();
    assert!(matches!(
        s.delete_announcement(true, id).await,
        Err(Error::NotFound(_))
    ));
}
both_adapters!(settings_contract, super::settings);
