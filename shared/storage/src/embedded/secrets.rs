//! Secrets from the environment, falling back to a file of generated development secrets.

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::backend;
use crate::secrets::{Secrets, ENCRYPTION_KEY, JWT_SECRET};
use crate::{StorageError, StorageResult};

/// Reads `NAME` from the environment, else from `<DATA_DIR>/secrets.json`.
#[derive(Debug, Clone)]
pub struct LocalSecrets {
    file: BTreeMap<String, String>,
}

impl LocalSecrets {
    /// Loads `<data_dir>/secrets.json`, first generating a JWT secret and an encryption key
    /// into it when the environment does not provide them (development only: kept 0600).
    pub fn load_or_init(data_dir: &Path) -> StorageResult<Self> {
        let path: PathBuf = data_dir.join("secrets.json");
        let mut file: BTreeMap<String, String> = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| backend(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(backend(e)),
        };
        let mut changed = false;
        for (name, make) in [
            (
                JWT_SECRET,
                postiz_core::crypto::random_token as fn(usize) -> String,
            ),
            (ENCRYPTION_KEY, |_| postiz_core::crypto::new_key_base64()),
        ] {
            if std::env::var(name).is_err() && !file.contains_key(name) {
                file.insert(name.to_string(), make(48));
                changed = true;
            }
        }
        if changed {
            std::fs::create_dir_all(data_dir).map_err(backend)?;
            let bytes = serde_json::to_vec_pretty(&file).map_err(backend)?;
            write_private(&path, &bytes)?;
            tracing::info!(path = %path.display(), "generated development secrets");
        }
        Ok(Self { file })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> StorageResult<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(backend)?;
    f.write_all(bytes).map_err(backend)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> StorageResult<()> {
    std::fs::write(path, bytes).map_err(backend)
}

#[async_trait]
impl Secrets for LocalSecrets {
    async fn get(&self, name: &str) -> StorageResult<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.file.get(name).cloned())
            .ok_or_else(|| StorageError::Backend(format!("secret {name} is not set")))
    }
}
