//! What the unit tests share: where the shared fixtures are (real OAI-PMH responses, schemas).

use std::path::{Path, PathBuf};

/// `$ESSOR_FIXTURES` (tests/run.sh sets it), or `../shared/fixtures` beside the project.
pub(crate) fn fixtures_dir() -> PathBuf {
    match std::env::var_os("ESSOR_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    }
}
