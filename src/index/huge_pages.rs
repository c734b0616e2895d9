//! Transparent huge pages back on while a whole index is built. The command line turns them off
//! for the process (`main.rs`: short commands touched a few pages of each 2 MiB region the
//! kernel zeroed whole), but tantivy's indexing threads look terms up at random in a hash table
//! and a memory arena of a few hundred MiB: with 4 KiB pages nearly every lookup also missed the
//! TLB (a page walk, dearer in a virtual machine). With huge pages for the length of a build
//! beside the works or a rebuild, their CPU drops (BENCHMARKS.md, issue 17, index30); a change
//! batch's small index updates keep them off.

use std::sync::Mutex;

/// Builds holding huge pages on, and whether they were off before the first.
static HOLDERS: Mutex<(usize, bool)> = Mutex::new((0, false));

/// Huge pages on while held (the process's setting as it was once the last is dropped).
pub(super) struct HugePages(());

impl HugePages {
    pub(super) fn on() -> HugePages {
        let mut holders = HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        if holders.0 == 0 {
            holders.1 = set_off(false);
        }
        holders.0 += 1;
        HugePages(())
    }
}

impl Drop for HugePages {
    fn drop(&mut self) {
        let mut holders = HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        holders.0 = holders.0.saturating_sub(1);
        if holders.0 == 0 && holders.1 {
            set_off(true);
            holders.1 = false;
        }
    }
}

/// Sets the process's "huge pages off" to `off`; true when they were off and are now changed.
/// Best effort: a kernel without the setting indexes as before.
fn set_off(off: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{disable_transparent_huge_pages, transparent_huge_pages_are_disabled};
        if transparent_huge_pages_are_disabled().is_ok_and(|was| was != off) {
            return disable_transparent_huge_pages(off).is_ok();
        }
    }
    let _ = off;
    false
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use rustix::thread::{disable_transparent_huge_pages, transparent_huge_pages_are_disabled};

    /// Off for the process (as the command line sets it), on while any build holds them, off
    /// again after the last; left as found when they were on already.
    #[test]
    fn huge_pages_are_on_while_held_and_as_they_were_after() {
        let Ok(before) = transparent_huge_pages_are_disabled() else {
            return; // a kernel without the setting
        };
        if disable_transparent_huge_pages(true).is_err() {
            return;
        }
        let first = HugePages::on();
        let second = HugePages::on();
        assert_eq!(transparent_huge_pages_are_disabled().ok(), Some(false));
        drop(first);
        assert_eq!(transparent_huge_pages_are_disabled().ok(), Some(false));
        drop(second);
        assert_eq!(transparent_huge_pages_are_disabled().ok(), Some(true));
        let _ = disable_transparent_huge_pages(false);
        drop(HugePages::on());
        assert_eq!(transparent_huge_pages_are_disabled().ok(), Some(false));
        let _ = disable_transparent_huge_pages(before);
    }
}
