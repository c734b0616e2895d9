//! The blocking index packed into chunks ([`BLOCK_CHUNKS`](super::tables::BLOCK_CHUNKS)): a
//! block's members (source, identifier, sketch), in that order, several to a value. With one
//! entry per member (schema 4's multimap, some 11–16 a record) the index was the store's
//! largest in entries: a fresh build's writer spent 7–9% of its CPU inserting them one by one,
//! and a change batch's lookups and writes each walked to a leaf of their own. Packed, a block
//! is written once by a build, read in one lookup, and its members' shared identifier prefixes
//! are stored once.
//!
//! A chunk is the value under the key (block, its first member), a block's first chunk under
//! (block, [`START`]): three quarters of the blocks have one member, and their keys stay short.
//! A chunk's bytes are its members in order, each `[source: shared prefix with the previous member's, suffix length, suffix]
//! [identifier: the same][u64 sketch, little-endian]`, numbers LEB128. Invariants: the chunks
//! of a block do not overlap and none is empty; a member's chunk is the last one keyed at or
//! before it. A chunk grows to [`CHUNK_BYTES`] before it is split, so adding or removing a
//! member of a large block (one over its limit, thousands of members) rewrites one small value.

use redb::ReadableTable;

use super::record_bytes::{Reader, number};
use super::{BlockMember, RecordKey, StoreError};

/// A chunk is split past this many bytes (~50 members): a block under its comparison limit is
/// read in one to five values, and a member added or removed rewrites at most this.
pub(super) const CHUNK_BYTES: usize = 1024;

/// A chunk shrunk below this is merged with the next chunk of its block, when both fit in one.
const MERGE_BELOW: usize = CHUNK_BYTES / 4;

/// A chunk's key: (block, its first member's source, identifier, sketch), or [`START`]'s for
/// the block's first chunk.
pub(super) type ChunkKey<'a> = (u64, &'a str, &'a str, u64);

/// The member part of the key of a block's first chunk: before every member, and short.
pub(super) const START: (&str, &str, u64) = ("", "", 0);

/// The table of chunks, in a write transaction.
pub(super) type Chunks<'t> = redb::Table<'t, (u64, &'static str, &'static str, u64), &'static [u8]>;

/// A member as the chunks order it.
pub(super) type Member = (String, String, u64);

/// A member borrowed: what is written (a build's members are written without being copied).
type MemberRef<'a> = (&'a str, &'a str, u64);

fn by_ref(member: &Member) -> MemberRef<'_> {
    (member.0.as_str(), member.1.as_str(), member.2)
}

/// `members` (in order) encoded as one chunk's bytes, into a buffer reserved for `size` bytes
/// (when known): a build writes a chunk per block (most of one member), whose size
/// [`write_members`] has measured; grown from empty, each chunk reallocated its bytes two to
/// five times (0.4% of a fresh build's instructions, BENCHMARKS.md, issue 17).
fn encode<'m>(members: impl IntoIterator<Item = (&'m str, &'m str, u64)>, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    let (mut source, mut identifier) = ("", "");
    for (next_source, next_identifier, sketch) in members {
        for (previous, next) in [(source, next_source), (identifier, next_identifier)] {
            let shared = shared_prefix(previous, next);
            number(&mut out, shared as u64);
            number(&mut out, (next.len() - shared) as u64);
            out.extend_from_slice(&next.as_bytes()[shared..]);
        }
        out.extend_from_slice(&sketch.to_le_bytes());
        (source, identifier) = (next_source, next_identifier);
    }
    out
}

/// The length of the common prefix of two strings, in bytes (it may end inside a character:
/// the decoder joins bytes before it checks them).
fn shared_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// The bytes one member adds to a chunk after `previous`, exactly (chunks are split by it).
fn encoded_len(previous: Option<MemberRef<'_>>, member: MemberRef<'_>) -> usize {
    let varint = |n: usize| (usize::BITS - (n | 1).leading_zeros()).div_ceil(7) as usize;
    let part = |previous: &str, next: &str| {
        let shared = shared_prefix(previous, next);
        varint(shared) + varint(next.len() - shared) + next.len() - shared
    };
    let (source, identifier) = previous.map_or(("", ""), |p| (p.0, p.1));
    part(source, member.0) + part(identifier, member.1) + 8
}

/// A chunk's members, decoded; calls `each` on each until it says stop (`false`).
fn decode_each(bytes: &[u8], mut each: impl FnMut(Member) -> bool) -> Result<(), StoreError> {
    let mut reader = Reader(bytes);
    let mut source: Vec<u8> = Vec::new();
    let mut identifier: Vec<u8> = Vec::new();
    while !reader.0.is_empty() {
        for part in [&mut source, &mut identifier] {
            let shared = reader.number().map_err(|_| damaged())? as usize;
            let length = reader.number().map_err(|_| damaged())?;
            let suffix = reader.bytes(length).map_err(|_| damaged())?;
            if shared > part.len() {
                return Err(damaged());
            }
            part.truncate(shared);
            part.extend_from_slice(suffix);
        }
        let sketch = reader.bytes(8).map_err(|_| damaged())?;
        let mut word = [0u8; 8];
        word.copy_from_slice(sketch);
        let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).map_err(|_| damaged());
        if !each((text(&source)?, text(&identifier)?, u64::from_le_bytes(word))) {
            break;
        }
    }
    Ok(())
}

/// A chunk's members.
pub(super) fn decode(bytes: &[u8]) -> Result<Vec<Member>, StoreError> {
    let mut members = Vec::new();
    decode_each(bytes, |member| {
        members.push(member);
        true
    })?;
    Ok(members)
}

fn damaged() -> StoreError {
    StoreError::corrupt("block_chunks", "a chunk of the blocking index is damaged")
}

/// The members of `block`, `None` when there are more than `limit` (reading stops there).
pub(super) fn read(
    table: &impl ReadableTable<ChunkKey<'static>, &'static [u8]>,
    block: u64,
    limit: usize,
) -> Result<Option<Vec<BlockMember>>, StoreError> {
    let mut members = Vec::new();
    for chunk in table.range((block, START.0, START.1, START.2)..)? {
        let (key, value) = chunk?;
        if key.value().0 != block {
            break;
        }
        let mut over = false;
        decode_each(value.value(), |(source, identifier, sketch)| {
            members.push(BlockMember {
                record: RecordKey::new(source, identifier),
                sketch,
            });
            over = members.len() > limit;
            !over
        })?;
        if over {
            return Ok(None);
        }
    }
    Ok(Some(members))
}

/// A chunk as read: whether it starts its block (keyed [`START`]), and its members.
struct Chunk {
    starts: bool,
    members: Vec<Member>,
}

/// The key of the chunk of `block` that starts it, or else starts with `first`.
fn key_of(block: u64, starts: bool, first: MemberRef<'_>) -> ChunkKey<'_> {
    if starts {
        (block, START.0, START.1, START.2)
    } else {
        (block, first.0, first.1, first.2)
    }
}

/// The chunk that holds (or would hold) `member` of `block`: the last one keyed at or before
/// it (the block's first chunk, keyed [`START`], is at or before every member).
fn chunk_at(
    table: &Chunks<'_>,
    block: u64,
    member: (&str, &str, u64),
) -> Result<Option<Chunk>, StoreError> {
    let found = table
        .range((block, START.0, START.1, START.2)..=(block, member.0, member.1, member.2))?
        .next_back();
    let Some(chunk) = found else {
        return Ok(None);
    };
    let (key, value) = chunk?;
    let (_, source, identifier, sketch) = key.value();
    Ok(Some(Chunk {
        starts: (source, identifier, sketch) == START,
        members: decode(value.value())?,
    }))
}

/// The members of the chunk of `block` after the one under `key`.
fn chunk_after(table: &Chunks<'_>, key: ChunkKey<'_>) -> Result<Option<Vec<Member>>, StoreError> {
    let Some(chunk) = table.range(key..)?.nth(1) else {
        return Ok(None);
    };
    let (next, value) = chunk?;
    if next.value().0 != key.0 {
        return Ok(None);
    }
    Ok(Some(decode(value.value())?))
}

/// Writes a new block's `members` (in order) as chunks: see [`write_members`].
pub(super) fn write(
    table: &mut Chunks<'_>,
    block: u64,
    members: &[(&str, &str, u64)],
) -> Result<u64, StoreError> {
    write_members(table, block, true, members)
}

/// Writes `members` (in order, all of `block` between their neighbours' chunks) as chunks of
/// about equal size, none past [`CHUNK_BYTES`] unless one member is: the first under [`START`]
/// when they `start` the block, else under its first member, the others under theirs. A chunk
/// already under the first one's key is replaced. Gives the number of chunks.
fn write_members(
    table: &mut Chunks<'_>,
    block: u64,
    starts: bool,
    members: &[MemberRef<'_>],
) -> Result<u64, StoreError> {
    let sizes: Vec<usize> = (0..members.len())
        .map(|at| encoded_len(at.checked_sub(1).map(|p| members[p]), members[at]))
        .collect();
    let total: usize = sizes.iter().sum();
    let target = total.div_ceil(total.div_ceil(CHUNK_BYTES).max(1));
    let mut chunks = 0;
    let mut start = 0;
    while start < members.len() {
        // The first member of a chunk is written whole: its size is measured again.
        let mut size = encoded_len(None, members[start]);
        let mut end = start + 1;
        while end < members.len() && size + sizes[end] <= target.max(size) {
            size += sizes[end];
            end += 1;
        }
        let chunk = &members[start..end];
        let bytes = encode(chunk.iter().copied(), size);
        debug_assert_eq!(bytes.len(), size, "sizes are exact");
        let key = key_of(block, starts && start == 0, chunk[0]);
        table.insert(key, bytes.as_slice())?;
        chunks += 1;
        start = end;
    }
    Ok(chunks)
}

/// Adds `member` to `block` (nothing if it is there already): its chunk is rewritten, split
/// when it outgrows [`CHUNK_BYTES`].
pub(super) fn insert(
    table: &mut Chunks<'_>,
    block: u64,
    member: (&str, &str, u64),
) -> Result<(), StoreError> {
    let owned: Member = (member.0.to_owned(), member.1.to_owned(), member.2);
    let Chunk {
        starts,
        mut members,
    } = chunk_at(table, block, member)?.unwrap_or(Chunk {
        starts: true,
        members: Vec::new(),
    });
    match members.binary_search(&owned) {
        Ok(_) => return Ok(()),
        Err(at) => members.insert(at, owned),
    }
    write_members(table, block, starts, &borrowed(&members))?;
    Ok(())
}

/// Removes `member` from `block` (nothing if it is not there): its chunk is rewritten (under
/// its new first member if that was the one removed and the chunk does not start the block),
/// merged with the next when both fit in one, removed when empty.
pub(super) fn remove(
    table: &mut Chunks<'_>,
    block: u64,
    member: (&str, &str, u64),
) -> Result<(), StoreError> {
    let Some(Chunk {
        starts,
        mut members,
    }) = chunk_at(table, block, member)?
    else {
        return Ok(());
    };
    let owned: Member = (member.0.to_owned(), member.1.to_owned(), member.2);
    let Ok(at) = members.binary_search(&owned) else {
        return Ok(());
    };
    let first = members[0].clone();
    members.remove(at);
    let next = if encode_size(&members) < MERGE_BELOW {
        chunk_after(table, key_of(block, starts, by_ref(&first)))?
    } else {
        None
    };
    if (at == 0 && !starts) || members.is_empty() {
        table.remove(key_of(block, starts, by_ref(&first)))?;
    }
    if let Some(next) = next
        && encode_size(&members) + encode_size(&next) <= CHUNK_BYTES
    {
        table.remove(key_of(block, false, by_ref(&next[0])))?;
        members.extend(next);
    }
    write_members(table, block, starts, &borrowed(&members))?;
    Ok(())
}

fn encode_size(members: &[Member]) -> usize {
    (0..members.len())
        .map(|at| {
            encoded_len(
                at.checked_sub(1).map(|p| by_ref(&members[p])),
                by_ref(&members[at]),
            )
        })
        .sum()
}

fn borrowed(members: &[Member]) -> Vec<MemberRef<'_>> {
    members.iter().map(by_ref).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::tables::BLOCK_CHUNKS;
    use redb::ReadableDatabase;

    fn member(n: usize) -> Member {
        (
            "hal".to_owned(),
            format!("oai:HAL:tel-{n:08}"),
            n as u64 * 7,
        )
    }

    fn start_member() -> Member {
        (START.0.to_owned(), START.1.to_owned(), START.2)
    }

    /// Every chunk of `block`: its key's member and its members.
    fn chunks(store: &Store, block: u64) -> Vec<(Member, Vec<Member>)> {
        let tx = store.db.begin_read().unwrap();
        let table = tx.open_table(BLOCK_CHUNKS).unwrap();
        let range = table.range((block, "", "", 0)..).unwrap();
        range
            .map(|c| c.unwrap())
            .take_while(|(k, _)| k.value().0 == block)
            .map(|(k, v)| {
                let (_, s, i, sketch) = k.value();
                (
                    (s.to_owned(), i.to_owned(), sketch),
                    decode(v.value()).unwrap(),
                )
            })
            .collect()
    }

    fn edit(store: &Store, change: impl FnOnce(&mut Chunks<'_>)) {
        let tx = store.db.begin_write().unwrap();
        change(&mut tx.open_table(BLOCK_CHUNKS).unwrap());
        tx.commit().unwrap();
    }

    /// Checks the invariants and gives the block's members.
    fn members(store: &Store, block: u64) -> Vec<Member> {
        let mut all: Vec<Member> = Vec::new();
        for (key, chunk) in chunks(store, block) {
            assert!(!chunk.is_empty(), "no empty chunk");
            if all.is_empty() {
                assert_eq!(key, start_member(), "the first chunk keyed at the start");
            } else {
                assert_eq!(key, chunk[0], "keyed by its first member");
            }
            assert!(chunk.windows(2).all(|w| w[0] < w[1]), "in order");
            assert!(all.last().is_none_or(|last| *last < chunk[0]), "no overlap");
            all.extend(chunk);
        }
        all
    }

    #[test]
    fn a_chunk_round_trips_with_shared_prefixes_and_any_text() {
        let members: Vec<Member> = vec![
            ("a".into(), "".into(), 0),
            ("a".into(), "oai:x:é1".into(), u64::MAX),
            ("a".into(), "oai:x:é2".into(), 3),
            ("ab".into(), "oai:x:ê".into(), 4),
            ("b".into(), "z".into(), 5),
        ];
        let bytes = encode(members.iter().map(by_ref), 0);
        assert_eq!(decode(&bytes).unwrap(), members);
        assert_eq!(encode_size(&members), bytes.len(), "sizes are exact");
        assert!(decode(&bytes[..bytes.len() - 1]).is_err(), "cut short");
    }

    #[test]
    fn chunks_split_as_a_block_grows_and_a_lookup_stops_at_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let all: Vec<Member> = (0..500).map(member).collect();
        // Out of order: inserts before the first chunk, inside and after.
        edit(&store, |table| {
            for n in (0..500).rev().step_by(2).chain((0..500).step_by(2)) {
                insert(table, 9, by_ref(&all[n])).unwrap();
            }
            insert(table, 9, by_ref(&all[3])).unwrap(); // twice: once
            insert(table, 8, by_ref(&all[1])).unwrap(); // another block
        });
        assert_eq!(members(&store, 9), all);
        let found = chunks(&store, 9);
        assert!(
            found.len() >= 500 * 20 / CHUNK_BYTES,
            "{} chunks",
            found.len()
        );
        for (_, chunk) in &found {
            assert!(encode_size(chunk) <= CHUNK_BYTES);
        }
        let tx = store.db.begin_read().unwrap();
        let table = tx.open_table(BLOCK_CHUNKS).unwrap();
        let read9 = read(&table, 9, 500).unwrap().unwrap();
        assert_eq!(read9.len(), 500);
        assert_eq!(
            read9[17].record,
            RecordKey::new("hal", "oai:HAL:tel-00000017")
        );
        assert_eq!(read9[17].sketch, 17 * 7);
        assert_eq!(read(&table, 9, 499).unwrap(), None, "over the limit");
        assert_eq!(read(&table, 8, 1).unwrap().unwrap().len(), 1);
        assert_eq!(read(&table, 7, 1).unwrap(), Some(vec![]));
    }

    #[test]
    fn removing_members_rekeys_merges_and_empties_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let all: Vec<Member> = (0..300).map(member).collect();
        let borrowed_all: Vec<_> = all.iter().map(by_ref).collect();
        edit(&store, |table| {
            write(table, 4, &borrowed_all).unwrap();
            write(table, 5, &borrowed_all[..1]).unwrap();
        });
        let before = chunks(&store, 4).len();
        assert!(before > 3);
        // One member out of a big block: its chunk alone is rewritten.
        edit(&store, |table| remove(table, 4, by_ref(&all[100])).unwrap());
        let mut expected = all.clone();
        expected.remove(100);
        assert_eq!(members(&store, 4), expected);
        assert_eq!(chunks(&store, 4).len(), before);
        // A chunk's first member: the chunk moves to its next one's key.
        let second = chunks(&store, 4)[1].0.clone();
        edit(&store, |table| remove(table, 4, by_ref(&second)).unwrap());
        expected.retain(|m| *m != second);
        assert_eq!(members(&store, 4), expected);
        // Not there: nothing changes.
        edit(&store, |table| {
            remove(table, 4, ("hal", "oai:HAL:none", 0)).unwrap();
            remove(table, 4, (all[5].0.as_str(), all[5].1.as_str(), 1)).unwrap();
        });
        assert_eq!(members(&store, 4), expected);
        // Emptied from the front: small chunks merge on the way, none is left empty.
        edit(&store, |table| {
            for m in &all[..250] {
                remove(table, 4, by_ref(m)).unwrap();
            }
        });
        assert_eq!(members(&store, 4), all[250..].to_vec());
        assert!(chunks(&store, 4).len() < before);
        edit(&store, |table| {
            for m in &all[250..] {
                remove(table, 4, by_ref(m)).unwrap();
            }
        });
        assert!(
            chunks(&store, 4).is_empty(),
            "an emptied block has no chunk"
        );
        assert_eq!(members(&store, 5), all[..1].to_vec(), "the next block kept");
    }
}
