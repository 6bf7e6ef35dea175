//! The Secrets contract: generated local secrets that persist, and Secrets Manager (moto).

use postiz_storage::aws::{Provisioner, SecretsManager};
use postiz_storage::embedded::LocalSecrets;
use postiz_storage::secrets::{ENCRYPTION_KEY, JWT_SECRET};
use postiz_storage::Secrets;

#[tokio::test]
async fn local_secrets_are_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalSecrets::load_or_init(dir.path()).unwrap();
    let jwt = first.get(JWT_SECRET).await.unwrap();
    let key = first.get(ENCRYPTION_KEY).await.unwrap();
    assert!(jwt.len() >= 32);
    postiz_core::crypto::Cipher::from_secret(&key).unwrap();
    let second = LocalSecrets::load_or_init(dir.path()).unwrap();
    assert_eq!(second.get(JWT_SECRET).await.unwrap(), jwt);
    assert_eq!(second.get(ENCRYPTION_KEY).await.unwrap(), key);
    assert!(second.get("NOT_A_SECRET_ANYWHERE").await.is_err());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("secrets.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "secrets file readable by others");
    }
}

#[tokio::test]
async fn secrets_manager_reads_and_merges_json_secrets() {
    if !postiz_tests::aws_available() {
        return;
    }
    let config = postiz_tests::aws_config().await;
    let a = postiz_tests::unique("postiz/a-");
    Provisioner::new(&config, true)
        .create_app_secret(&a)
        .await
        .unwrap();
    let sm = SecretsManager::new(&config, &a);
    let jwt = sm.get(JWT_SECRET).await.unwrap();
    assert!(jwt.len() >= 32);
    assert!(sm.get("MISSING").await.is_err());
    // Provisioning again keeps the existing values.
    Provisioner::new(&config, true)
        .create_app_secret(&a)
        .await
        .unwrap();
    assert_eq!(
        SecretsManager::new(&config, &a)
            .get(JWT_SECRET)
            .await
            .unwrap(),
        jwt
    );
    let missing = SecretsManager::new(&config, &postiz_tests::unique("postiz/none-"));
    assert!(missing.get(JWT_SECRET).await.is_err());
}
