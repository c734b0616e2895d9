//! Saved answers of API and feed sources (`path` beside their URL): a file, or a folder of
//! pages read in file-name order, read instead of the network through the same mapping and
//! commit path. What the offline samples and replays of a recorded harvest use.

use std::path::{Path, PathBuf};

use super::HarvestError;

/// The files of `path`: itself, or the files of the folder in name order (hidden ones and
/// READMEs left out).
pub(super) async fn saved_files(path: &Path) -> Result<Vec<PathBuf>, HarvestError> {
    let error = |e: std::io::Error| HarvestError::File {
        location: path.display().to_string(),
        message: e.to_string(),
    };
    if !tokio::fs::metadata(path).await.map_err(error)?.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    let mut entries = tokio::fs::read_dir(path).await.map_err(error)?;
    while let Some(entry) = entries.next_entry().await.map_err(error)? {
        let file = entry.path();
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if file.is_file() && !name.starts_with('.') && !name.starts_with("readme") {
            files.push(file);
        }
    }
    files.sort();
    Ok(files)
}

/// The bytes of one saved file.
pub(super) async fn read_saved(file: &Path) -> Result<Vec<u8>, HarvestError> {
    tokio::fs::read(file).await.map_err(|e| HarvestError::File {
        location: file.display().to_string(),
        message: e.to_string(),
    })
}
