//! The running server's control socket, `<data>/essor.sock`: how `essor backup` reaches a store
//! that `essor serve` holds (redb lets one process open the file). One JSON request line, one
//! JSON answer line; the socket is its owner's only (mode 0600).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

use crate::store::{BackupReport, Store};

/// A request line longer than this is refused (a path is much shorter).
const MAX_REQUEST_BYTES: u64 = 64 * 1024;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Request {
    /// Write a backup to this file (absolute: the server's working folder may differ).
    Backup { file: PathBuf },
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer {
    Backup(BackupReport),
    Error(String),
}

/// The listening socket; closed and its file removed on drop.
pub(super) struct ControlSocket {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on `path` (a leftover socket file is replaced: the caller holds the store, so no
/// other server uses it). Must be called within the runtime.
pub(super) fn listen(path: &Path, store: Arc<Store>) -> std::io::Result<ControlSocket> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    // One backup at a time: each holds a read snapshot and writes a whole file.
    let one_at_a_time = Arc::new(tokio::sync::Mutex::new(()));
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let store = store.clone();
            let one_at_a_time = one_at_a_time.clone();
            tokio::spawn(async move {
                if let Err(error) = answer(stream, store, one_at_a_time).await {
                    tracing::warn!(%error, "control socket: answer not sent");
                }
            });
        }
    });
    Ok(ControlSocket {
        path: path.to_owned(),
        task,
    })
}

async fn answer(
    stream: UnixStream,
    store: Arc<Store>,
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut line = String::new();
    tokio::io::BufReader::new(reader)
        .take(MAX_REQUEST_BYTES)
        .read_line(&mut line)
        .await?;
    let answer = match serde_json::from_str::<Request>(&line) {
        Ok(Request::Backup { file }) => {
            let _turn = one_at_a_time.lock().await;
            tracing::info!(file = %file.display(), "backup requested");
            match tokio::task::spawn_blocking(move || store.backup_to(&file)).await {
                Ok(Ok(report)) => {
                    tracing::info!(?report, "backup written");
                    Answer::Backup(report)
                }
                Ok(Err(error)) => Answer::Error(error.to_string()),
                Err(error) => Answer::Error(format!("the backup failed: {error}")),
            }
        }
        Err(error) => Answer::Error(format!("bad request: {error}")),
    };
    let mut text = serde_json::to_string(&answer).map_err(std::io::Error::other)?;
    text.push('\n');
    writer.write_all(text.as_bytes()).await?;
    writer.shutdown().await
}

/// Asks the server listening on `socket` for a backup to `file` (absolute), and waits for it.
pub(super) fn request_backup(socket: &Path, file: &Path) -> Result<BackupReport, String> {
    let mut stream = std::os::unix::net::UnixStream::connect(socket).map_err(|error| {
        format!(
            "cannot reach the running essor serve at {}: {error}",
            socket.display()
        )
    })?;
    let mut request = serde_json::to_string(&Request::Backup {
        file: file.to_owned(),
    })
    .map_err(|error| error.to_string())?;
    request.push('\n');
    stream
        .write_all(request.as_bytes())
        .map_err(|error| error.to_string())?;
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .map_err(|error| format!("no answer from essor serve: {error}"))?;
    match serde_json::from_str::<Answer>(&line) {
        Ok(Answer::Backup(report)) => Ok(report),
        Ok(Answer::Error(error)) => Err(error),
        Err(error) => Err(format!(
            "unreadable answer from essor serve ({error}): {line}"
        )),
    }
}
