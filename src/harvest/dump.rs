//! Harvesting a dump: a folder of saved ListRecords responses, read in file-name order through
//! the same parser as a live harvest; the checkpoint's token is the next file to read.

use std::path::{Path, PathBuf};

use super::HarvestError;
use super::commit::{ReadyPage, parse_ready_page};
use super::state::{Harvest, Position, RunState};
use crate::oai::ErrorCode;

impl Harvest {
    /// Reads the dump's files from the checkpoint's on, each committed as a page.
    pub(super) async fn harvest_dump(
        &self,
        folder: &Path,
        state: &mut RunState,
    ) -> Result<(), HarvestError> {
        let files = dump_files(folder)?;
        self.begin(state, None, None).await?;
        let start_after = state
            .checkpoint
            .active
            .as_ref()
            .and_then(|a| a.token.clone());
        let start = match &start_after {
            Some(name) => files
                .iter()
                .position(|f| f.file_name().is_some_and(|n| n.to_string_lossy() == *name))
                .unwrap_or(0),
            None => 0,
        };
        // The next file is read and parsed while the current one is written.
        let mut next_parse = files.get(start).map(|file| read_dump_file(file.clone()));
        for index in start..files.len() {
            let Some(parse) = next_parse.take() else {
                break;
            };
            next_parse = files
                .get(index + 1)
                .map(|file| read_dump_file(file.clone()));
            let page = parse
                .await
                .map_err(|e| HarvestError::Setup(e.to_string()))??;
            if let Some(error) = page
                .page
                .errors
                .iter()
                .find(|e| e.code != ErrorCode::NoRecordsMatch)
            {
                return Err(HarvestError::Dump {
                    path: files[index].clone(),
                    message: error.to_string(),
                });
            }
            if let Some(size) = page.page.token.as_ref().and_then(|t| t.complete_list_size) {
                self.progress.set_total(size);
            }
            let position = Position {
                set_index: 0,
                token: files
                    .get(index + 1)
                    .and_then(|f| f.file_name())
                    .map(|n| n.to_string_lossy().into_owned()),
            };
            state.commit(page, position, &self.progress).await?;
        }
        Ok(())
    }
}

/// Reads, decodes and parses one dump file on a blocking thread.
fn read_dump_file(path: PathBuf) -> tokio::task::JoinHandle<Result<ReadyPage, HarvestError>> {
    tokio::task::spawn_blocking(move || {
        let failed = |message: String| HarvestError::Dump {
            path: path.clone(),
            message,
        };
        let size = std::fs::metadata(&path)
            .map_err(|e| failed(e.to_string()))?
            .len();
        if size > crate::xml::MAX_DOCUMENT_BYTES as u64 {
            return Err(failed(format!(
                "{size} bytes, more than the {} a page may have",
                crate::xml::MAX_DOCUMENT_BYTES
            )));
        }
        let bytes = std::fs::read(&path).map_err(|e| failed(e.to_string()))?;
        let decoded = crate::xml::decode(&bytes, None).map_err(|e| failed(e.to_string()))?;
        parse_ready_page(&decoded.text).map_err(|e| failed(e.to_string()))
    })
}

fn dump_files(folder: &Path) -> Result<Vec<PathBuf>, HarvestError> {
    let entries = std::fs::read_dir(folder).map_err(|error| HarvestError::Dump {
        path: folder.to_owned(),
        message: error.to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            name.ends_with(".xml") || name.ends_with(".xml.gz")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(HarvestError::Dump {
            path: folder.to_owned(),
            message: "no *.xml or *.xml.gz files".into(),
        });
    }
    Ok(files)
}
