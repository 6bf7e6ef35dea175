//! Backups of a local installation: `postiz-server backup <file>` writes one tar archive of
//! the store (a consistent snapshot, taken while the server runs), the blobs and the local
//! secrets; `postiz-server restore <file>` unpacks it into an empty `DATA_DIR`.
//!
//! A running server owns its database file, so it takes the snapshot itself: the command
//! asks it over `DATA_DIR/control.sock` (a Unix socket only the data folder's owner can
//! reach). With no server running, the command opens the store directly.

use postiz_core::{Clock, SystemClock};
use postiz_storage::embedded::{CopyReport, EmbeddedStore};
use postiz_storage::schema::queues;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The archive's format version.
const FORMAT: u32 = 1;
/// The store's file in `DATA_DIR`.
pub const STORE_FILE: &str = "postiz.redb";
/// The control socket in `DATA_DIR`.
pub const CONTROL_SOCKET: &str = "control.sock";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What an archive holds (`manifest.json` in it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The archive's format.
    pub format: u32,
    /// When the snapshot was taken (RFC 3339).
    pub created_at: String,
    /// The store's content.
    pub store: CopyReport,
    /// Blob files.
    pub blobs: u64,
}

/// Writes an archive of `store` (open, possibly in use) and of `data_dir`'s blobs and
/// secrets to `out`, through a temporary file renamed at the end.
pub async fn write_archive(
    store: &EmbeddedStore,
    data_dir: &Path,
    out: &Path,
) -> Result<Manifest, Error> {
    let work = tempfile::Builder::new()
        .prefix(".postiz-backup-")
        .tempdir_in(parent_of(out))?;
    let snapshot = work.path().join(STORE_FILE);
    // The store first: blobs are written before the rows that name them and never changed,
    // so every blob the snapshot names is in the folder copied after it.
    let report = store.copy_to(&snapshot).await?;
    let data_dir = data_dir.to_path_buf();
    let out = out.to_path_buf();
    let created_at = SystemClock.now().to_rfc3339();
    tokio::task::spawn_blocking(move || -> Result<Manifest, Error> {
        let blobs = data_dir.join("blobs");
        let manifest = Manifest {
            format: FORMAT,
            created_at,
            store: report,
            blobs: count_files(&blobs),
        };
        let partial = work.path().join("archive.tar");
        let mut tar = tar::Builder::new(std::fs::File::create(&partial)?);
        tar.append_path_with_name(&snapshot, STORE_FILE)?;
        let secrets = data_dir.join("secrets.json");
        if secrets.exists() {
            tar.append_path_with_name(&secrets, "secrets.json")?;
        }
        if blobs.is_dir() {
            tar.append_dir_all("blobs", &blobs)?;
        }
        let text = serde_json::to_vec_pretty(&manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, "manifest.json", text.as_slice())?;
        tar.into_inner()?.sync_all()?;
        std::fs::rename(&partial, &out)?;
        Ok(manifest)
    })
    .await?
}

/// Unpacks the archive `file` into `data_dir`, which must hold no store yet.
pub fn restore(file: &Path, data_dir: &Path) -> Result<Manifest, Error> {
    if data_dir.join(STORE_FILE).exists() {
        return Err(format!(
            "{} already holds a store: restore into an empty DATA_DIR",
            data_dir.display()
        )
        .into());
    }
    std::fs::create_dir_all(data_dir)?;
    let mut archive = tar::Archive::new(std::fs::File::open(file)?);
    let mut manifest = None;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        if path == Path::new("manifest.json") {
            let mut text = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut text)?;
            manifest = Some(serde_json::from_slice::<Manifest>(&text)?);
            continue;
        }
        // `unpack_in` refuses paths leaving the folder.
        if !entry.unpack_in(data_dir)? {
            return Err(format!("the archive holds an unsafe path {}", path.display()).into());
        }
    }
    let manifest = manifest.ok_or("not a postiz-server backup: no manifest.json")?;
    if manifest.format != FORMAT {
        return Err(format!("backup format {} is not supported", manifest.format).into());
    }
    if !data_dir.join(STORE_FILE).exists() {
        return Err("the archive holds no store".into());
    }
    Ok(manifest)
}

/// `postiz-server backup <file>`: asks the running server over its control socket, else
/// opens the store itself.
pub async fn backup_command(data_dir: &Path, out: &Path) -> Result<Manifest, Error> {
    let out = std::path::absolute(out)?;
    let socket = data_dir.join(CONTROL_SOCKET);
    if let Ok(stream) = tokio::net::UnixStream::connect(&socket).await {
        let (read, mut write) = stream.into_split();
        write
            .write_all(format!("backup {}\n", out.display()).as_bytes())
            .await?;
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await?;
        return match line.trim_end().split_once(' ') {
            Some(("ok", manifest)) => Ok(serde_json::from_str(manifest)?),
            Some(("error", why)) => Err(why.to_string().into()),
            _ => Err(format!("unexpected answer from the server: {line:?}").into()),
        };
    }
    let store = EmbeddedStore::open(
        &data_dir.join(STORE_FILE),
        Arc::new(SystemClock),
        queues(),
    )
    .map_err(|e| format!("could not open the store (is postiz-server running without its control socket?): {e}"))?;
    write_archive(&store, data_dir, &out).await
}

/// Serves backup requests on `DATA_DIR/control.sock` for as long as the server runs.
pub async fn serve_control(store: EmbeddedStore, data_dir: PathBuf) -> Result<(), Error> {
    let socket = data_dir.join(CONTROL_SOCKET);
    let _ = std::fs::remove_file(&socket);
    let listener = tokio::net::UnixListener::bind(&socket)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    loop {
        let (stream, _) = listener.accept().await?;
        let (store, data_dir) = (store.clone(), data_dir.clone());
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            if BufReader::new(read).read_line(&mut line).await.is_err() {
                return;
            }
            let answer = match line.trim_end().split_once(' ') {
                Some(("backup", path)) => {
                    match write_archive(&store, &data_dir, Path::new(path)).await {
                        Ok(m) => {
                            tracing::info!(file = %path, items = m.store.items, blobs = m.blobs, "backup written");
                            format!("ok {}", serde_json::to_string(&m).unwrap_or_default())
                        }
                        Err(e) => format!("error {e}"),
                    }
                }
                _ => "error unknown command".to_string(),
            };
            let _ = write.write_all(format!("{answer}\n").as_bytes()).await;
        });
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn count_files(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(_) => 1,
            Err(_) => 0,
        })
        .sum()
}
