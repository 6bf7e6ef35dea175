//! The Secrets port: named secret values, cached after the first read.

use async_trait::async_trait;

use crate::StorageResult;

/// Well-known secret: the HMAC key of session and other tokens.
pub const JWT_SECRET: &str = "JWT_SECRET";
/// Well-known secret: the base64 AES-256 key for data at rest.
pub const ENCRYPTION_KEY: &str = "ENCRYPTION_KEY";

/// Reads secrets.
#[async_trait]
pub trait Secrets: Send + Sync + 'static {
    /// The secret named `name`; an error when it does not exist.
    async fn get(&self, name: &str) -> StorageResult<String>;
}

/// The app's keys (token signing, encryption at rest), read from [`Secrets`] on first use:
/// a cold start that serves requests needing neither makes no secrets call.
pub struct AppKeys {
    secrets: Option<std::sync::Arc<dyn Secrets>>,
    cell: tokio::sync::OnceCell<(postiz_core::jwt::JwtSigner, postiz_core::crypto::Cipher)>,
}

impl std::fmt::Debug for AppKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppKeys(..)")
    }
}

impl AppKeys {
    /// Keys read from `secrets` (`JWT_SECRET`, `ENCRYPTION_KEY`) when first needed.
    pub fn new(secrets: std::sync::Arc<dyn Secrets>) -> Self {
        Self {
            secrets: Some(secrets),
            cell: tokio::sync::OnceCell::new(),
        }
    }

    /// Keys given directly (tests, tools).
    pub fn fixed(jwt: postiz_core::jwt::JwtSigner, cipher: postiz_core::crypto::Cipher) -> Self {
        Self {
            secrets: None,
            cell: tokio::sync::OnceCell::new_with(Some((jwt, cipher))),
        }
    }

    async fn pair(
        &self,
    ) -> postiz_core::Result<&(postiz_core::jwt::JwtSigner, postiz_core::crypto::Cipher)> {
        self.cell
            .get_or_try_init(|| async {
                let secrets = self.secrets.as_ref().ok_or_else(|| {
                    postiz_core::Error::internal("no secrets to read the keys from")
                })?;
                let jwt = postiz_core::jwt::JwtSigner::new(secrets.get(JWT_SECRET).await?);
                let cipher =
                    postiz_core::crypto::Cipher::from_secret(&secrets.get(ENCRYPTION_KEY).await?)?;
                Ok((jwt, cipher))
            })
            .await
    }

    /// The token signer.
    pub async fn jwt(&self) -> postiz_core::Result<&postiz_core::jwt::JwtSigner> {
        Ok(&self.pair().await?.0)
    }

    /// The cipher of data at rest.
    pub async fn cipher(&self) -> postiz_core::Result<&postiz_core::crypto::Cipher> {
        Ok(&self.pair().await?.1)
    }
}
