//! The layout pieces both kinds of stored feed rows share (`stored.rs`'s records with holes,
//! `gzip.rs`'s precompressed pieces): the kinds of hole filled at serving time, a reader of
//! their little-endian numbers and slices, and what a row that cannot be read back is.

/// A hole for the work's OAI identifier.
pub(super) const HOLE_ITEM: u8 = 1;
/// A hole for a source's base URL.
pub(super) const HOLE_BASE_URL: u8 = 2;

/// A stored row that cannot be read back (a damaged row): the page renders the work instead, or
/// a gzip page is written plain (`gzip.rs`).
#[derive(Debug)]
pub struct Damaged;

/// Reads the rows' little-endian numbers and slices.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], Damaged> {
        if self.0.len() < n {
            return Err(Damaged);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub(super) fn u8(&mut self) -> Result<u8, Damaged> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn u16(&mut self) -> Result<u16, Damaged> {
        let bytes = self.take(2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    pub(super) fn u32(&mut self) -> Result<u32, Damaged> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}
