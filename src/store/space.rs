//! Free disk space kept beside the store: the harvest stops with a clear error before the disk
//! is full, rather than let redb meet a failed write (after which its handle refuses every read
//! and write until the file is reopened, so the server could no longer answer).

use std::sync::OnceLock;

use super::{Store, StoreError};

/// The reserve when `ESSOR_MIN_FREE_MIB` does not set one.
const DEFAULT_RESERVE_MIB: u64 = 256;
const MIB: u64 = 1024 * 1024;

/// Who is writing: the harvest stops at the whole reserve; the works stage may use half of it,
/// so that what was harvested still becomes works; the index (tantivy) has the rest.
#[derive(Clone, Copy)]
pub(super) enum Writer {
    Harvest,
    Works,
}

/// `ESSOR_MIN_FREE_MIB` (MiB), read once.
fn reserve_bytes() -> u64 {
    static RESERVE: OnceLock<u64> = OnceLock::new();
    *RESERVE.get_or_init(|| {
        std::env::var("ESSOR_MIN_FREE_MIB")
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .unwrap_or(DEFAULT_RESERVE_MIB)
            .saturating_mul(MIB)
    })
}

impl Store {
    /// Refuses a write when the store's filesystem has less free space than `writer` must
    /// leave. A filesystem whose free space cannot be read is not refused.
    pub(super) fn ensure_space(&self, writer: Writer) -> Result<(), StoreError> {
        let reserve = match writer {
            Writer::Harvest => reserve_bytes(),
            Writer::Works => reserve_bytes() / 2,
        };
        let folder = self.path.parent().unwrap_or(&self.path);
        match fs4::available_space(folder) {
            Ok(free) if free < reserve => Err(StoreError::DiskFull {
                path: self.path.clone(),
                free_mib: free / MIB,
                reserve_mib: reserve / MIB,
            }),
            _ => Ok(()),
        }
    }
}
