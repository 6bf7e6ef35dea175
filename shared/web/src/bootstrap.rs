//! Builds the adapters behind every port once per process (a Lambda cold start or the
//! local server's boot), from the environment.

use postiz_core::email::{Mailer, NoopMailer, OutboxMailer};
use postiz_core::{Clock, Result, SystemClock};
use postiz_storage::schema::{queues, ResourceNames};
use postiz_storage::{Blobs, Queue, Secrets, Table};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{var, StorageKind};

/// The adapters behind every port.
#[derive(Clone)]
pub struct Adapters {
    /// Table port.
    pub table: Arc<dyn Table>,
    /// Queue port.
    pub queue: Arc<dyn Queue>,
    /// Blobs port.
    pub blobs: Arc<dyn Blobs>,
    /// Secrets port.
    pub secrets: Arc<dyn Secrets>,
    /// Clock.
    pub clock: Arc<dyn Clock>,
    /// Email port.
    pub mailer: Arc<dyn Mailer>,
    /// The embedded store, when in embedded mode (for the local jobs).
    #[cfg(feature = "embedded")]
    pub embedded: Option<postiz_storage::embedded::EmbeddedStore>,
    /// The blob folder, when in embedded mode (served under `/blobs`).
    #[cfg(feature = "embedded")]
    pub file_blobs: Option<postiz_storage::embedded::FileBlobs>,
}

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapters").finish_non_exhaustive()
    }
}

/// Where local files live (`DATA_DIR`, default `./.data`).
pub fn data_dir() -> PathBuf {
    PathBuf::from(var("DATA_DIR", "./.data"))
}

/// Builds the adapters for `kind`. `public_base` is this server's public URL (for blob links).
pub async fn adapters(kind: StorageKind, public_base: &str) -> Result<Adapters> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match kind {
        StorageKind::Embedded => embedded(clock, public_base).await,
        StorageKind::Aws => aws(clock).await,
    }
}

/// With an email provider (`EMAIL_PROVIDER`), every message goes on the email queue (the
/// email-sender function or the local server's senders deliver it); without one, into the
/// outbox folder `dir` when there is one, else nowhere.
fn mailer(queue: &Arc<dyn Queue>, dir: Option<PathBuf>) -> Arc<dyn Mailer> {
    if postiz_email::Provider::from_env().is_some() {
        return Arc::new(postiz_email::QueueMailer::new(queue.clone()));
    }
    match dir {
        Some(d) => Arc::new(OutboxMailer::new(d)),
        None => Arc::new(NoopMailer),
    }
}

#[cfg(feature = "embedded")]
async fn embedded(clock: Arc<dyn Clock>, public_base: &str) -> Result<Adapters> {
    use postiz_storage::embedded::{EmbeddedStore, FileBlobs, LocalSecrets};
    let dir = data_dir();
    let secrets = LocalSecrets::load_or_init(&dir)?;
    let store = EmbeddedStore::open(&dir.join("postiz.redb"), clock.clone(), queues())?;
    let signing = secrets.get(postiz_storage::secrets::JWT_SECRET).await?;
    let blobs = FileBlobs::new(
        dir.join("blobs"),
        public_base,
        signing.as_bytes(),
        clock.clone(),
    );
    let outbox = std::env::var("EMAIL_OUTBOX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.join("outbox"));
    let queue: Arc<dyn Queue> = Arc::new(store.clone());
    Ok(Adapters {
        table: Arc::new(store.clone()),
        mailer: mailer(&queue, Some(outbox)),
        queue,
        blobs: Arc::new(blobs.clone()),
        secrets: Arc::new(secrets),
        clock,
        embedded: Some(store),
        file_blobs: Some(blobs),
    })
}

#[cfg(not(feature = "embedded"))]
async fn embedded(_: Arc<dyn Clock>, _: &str) -> Result<Adapters> {
    Err(postiz_core::Error::internal(
        "this build has no embedded storage; set STORAGE=aws",
    ))
}

#[cfg(feature = "aws")]
async fn aws(clock: Arc<dyn Clock>) -> Result<Adapters> {
    use postiz_storage::aws::{config_from_env, DynamoTable, S3Blobs, SecretsManager, SqsQueue};
    let config = config_from_env()?;
    let names = ResourceNames::from_env();
    let path_style = std::env::var("S3_FORCE_PATH_STYLE")
        .map(|v| v == "true")
        .unwrap_or(false)
        || std::env::var("AWS_ENDPOINT_URL").is_ok();
    let secrets = Arc::new(SecretsManager::new(&config, &names.app_secret));
    let queue: Arc<dyn Queue> = Arc::new(SqsQueue::new(&config, &names.queue_prefix));
    let mailer = mailer(
        &queue,
        std::env::var("EMAIL_OUTBOX_DIR").ok().map(PathBuf::from),
    );
    Ok(Adapters {
        table: Arc::new(DynamoTable::new(&config, &names.table, clock.clone())),
        queue,
        blobs: Arc::new(S3Blobs::new(&config, &names.bucket, path_style)),
        secrets,
        clock,
        mailer,
        #[cfg(feature = "embedded")]
        embedded: None,
        #[cfg(feature = "embedded")]
        file_blobs: None,
    })
}

#[cfg(not(feature = "aws"))]
async fn aws(_: Arc<dyn Clock>) -> Result<Adapters> {
    Err(postiz_core::Error::internal(
        "this build has no AWS storage; set STORAGE=embedded",
    ))
}

/// Creates the AWS resources of the schema (for emulators and first-time setups).
#[cfg(feature = "aws")]
pub async fn provision_aws() -> Result<()> {
    use postiz_storage::aws::{config_from_env, Provisioner};
    let config = config_from_env()?;
    let path_style = std::env::var("AWS_ENDPOINT_URL").is_ok();
    let names = ResourceNames::from_env();
    let provisioner = Provisioner::new(&config, path_style);
    provisioner.provision_all(&names, &queues()).await?;
    if std::env::var("MEDIA_BUCKET_PUBLIC_READ").is_ok_and(|v| v == "true") {
        provisioner.allow_public_reads(&names.bucket).await?;
    }
    Ok(())
}
