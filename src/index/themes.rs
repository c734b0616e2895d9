//! The works' themes, kept beside the index's documents instead of in them: a new theme in the
//! thesaurus changes every work's themes and nothing else, and with the themes in the documents
//! `essor works rebuild` indexed every work's texts again for it (~42% of its CPU at 1 M works).
//! The store files each live work under its themes (`theme:<id>` sets of its feed entry); the
//! index takes that as plain data (`Store::work_themes`), keeps a work id → themes map in
//! memory, and brings it up to date with the works each update follows. The theme filter, the
//! themed works and the theme facet read, per segment, each document's themes from that map by
//! its id (made once per segment and map generation).
//!
//! A work's themes are kept as the index of its combination of themes: the works fall into a
//! few hundred combinations, so a segment's themes are one `u32` a document.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentReader};

use super::bits::Bits;
use super::columns::{Columns, live_once};
use super::schema::names;

/// The combination of no theme.
const NONE: u32 = 0;

/// Every live work's themes (see the module's documentation).
#[derive(Default)]
struct ThemeMap {
    /// Bumped at every change: a segment's themes are made again after one.
    generation: u64,
    /// False until loaded from the store: searches then see no themes.
    loaded: bool,
    /// Theme ids by number.
    names: Vec<String>,
    numbers: HashMap<String, u32>,
    /// Combinations of theme numbers, sorted; the first is none.
    combos: Vec<Box<[u32]>>,
    combo_of: HashMap<Box<[u32]>, u32>,
    /// Work id → its combination; works without a theme are left out.
    by_work: HashMap<Box<str>, u32>,
}

impl ThemeMap {
    fn combo(&mut self, themes: &[String]) -> u32 {
        let mut numbers: Vec<u32> = Vec::with_capacity(themes.len());
        for theme in themes {
            let next = self.names.len() as u32;
            let number = *self.numbers.entry(theme.clone()).or_insert(next);
            if number == next {
                self.names.push(theme.clone());
            }
            numbers.push(number);
        }
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.is_empty() {
            return NONE;
        }
        if let Some(&combo) = self.combo_of.get(numbers.as_slice()) {
            return combo;
        }
        let combo = self.combos.len() as u32;
        let numbers: Box<[u32]> = numbers.into();
        self.combos.push(numbers.clone());
        self.combo_of.insert(numbers, combo);
        combo
    }

    /// Sets a work's themes (none: the work is left out); true when they changed.
    fn set(&mut self, id: &str, themes: &[String]) -> bool {
        let combo = self.combo(themes);
        let before = match combo {
            NONE => self.by_work.remove(id),
            _ => self.by_work.insert(id.into(), combo),
        };
        before.unwrap_or(NONE) != combo
    }
}

/// The map and each searched segment's themes made from it.
#[derive(Default)]
pub struct Themes {
    map: RwLock<ThemeMap>,
    segments: Mutex<Segments>,
}

#[derive(Default)]
struct Segments {
    by_segment: HashMap<SegmentId, Arc<SegmentThemes>>,
    /// The searcher generation they were last pruned for.
    generation: Option<u64>,
}

/// One segment's documents' themes, as the map was at one generation.
pub struct SegmentThemes {
    generation: u64,
    /// Each document's combination of themes ([`NONE`] without one, or not found).
    docs: Vec<u32>,
    /// The map's combinations and theme ids at that generation (a few hundred).
    combos: Vec<Box<[u32]>>,
    names: Vec<String>,
    /// The documents of a theme (`None`: of any theme), made at first use.
    sets: Mutex<HashMap<Option<u32>, Arc<Bits>>>,
}

impl Themes {
    /// Whether the map was loaded from the store.
    pub fn is_loaded(&self) -> bool {
        self.map.read().map(|map| map.loaded).unwrap_or(false)
    }

    /// Replaces the map with every work's themes (`Store::work_themes`).
    pub fn load(&self, works: Vec<(String, Vec<String>)>) {
        let mut map = ThemeMap {
            loaded: true,
            combos: vec![Box::default()],
            ..ThemeMap::default()
        };
        map.by_work.reserve(works.len());
        for (id, themes) in works {
            map.set(&id, &themes);
        }
        if let Ok(mut kept) = self.map.write() {
            map.generation = kept.generation + 1;
            *kept = map;
        }
    }

    /// Sets the themes of the works given (no theme: left out). Nothing before a load: the
    /// load reads them all.
    pub fn apply<'a>(&self, works: impl IntoIterator<Item = (&'a str, Vec<String>)>) {
        let Ok(mut map) = self.map.write() else {
            return;
        };
        if !map.loaded {
            return;
        }
        let mut changed = false;
        for (id, themes) in works {
            changed |= map.set(id, &themes);
        }
        if changed {
            map.generation += 1;
        }
    }

    /// Forgets the segments `searcher` no longer holds (once per searcher generation).
    pub fn keep_only(&self, searcher: &Searcher) {
        let Ok(mut segments) = self.segments.lock() else {
            return;
        };
        let Some(live) = live_once(&mut segments.generation, searcher) else {
            return;
        };
        segments
            .by_segment
            .retain(|segment, _| live.contains(segment));
    }

    /// The themes of a segment's documents, as the map is now.
    pub fn segment(
        &self,
        reader: &SegmentReader,
        columns: &Columns,
    ) -> tantivy::Result<Arc<SegmentThemes>> {
        let key = reader.segment_id();
        let generation = self.map.read().map(|map| map.generation).unwrap_or(0);
        if let Ok(segments) = self.segments.lock()
            && let Some(kept) = segments.by_segment.get(&key)
            && kept.generation == generation
        {
            return Ok(kept.clone());
        }
        let mut docs = vec![NONE; reader.max_doc() as usize];
        let made = {
            let map = self
                .map
                .read()
                .map_err(|_| tantivy::TantivyError::InternalError("themes map poisoned".into()))?;
            if let Some(ids) = columns.str(reader, names::ID)? {
                // Each id once (by ordinal), then each document by its id's ordinal.
                let by_ord = columns.each_term(key, names::ID, &ids, |id| {
                    std::str::from_utf8(id)
                        .ok()
                        .and_then(|id| map.by_work.get(id).copied())
                        .unwrap_or(NONE)
                })?;
                let ords = ids.ords();
                for (doc, combo) in docs.iter_mut().enumerate() {
                    if let Some(ord) = ords.first(doc as DocId) {
                        *combo = by_ord.get(ord as usize).copied().unwrap_or(NONE);
                    }
                }
            }
            SegmentThemes {
                generation: map.generation,
                docs,
                combos: map.combos.clone(),
                names: map.names.clone(),
                sets: Mutex::default(),
            }
        };
        let made = Arc::new(made);
        if let Ok(mut segments) = self.segments.lock() {
            segments.by_segment.insert(key, made.clone());
        }
        Ok(made)
    }
}

impl SegmentThemes {
    /// The documents of `theme` (`None`: of any theme); no document for an unknown theme.
    pub fn set(&self, theme: Option<&str>) -> Arc<Bits> {
        let number = match theme {
            None => None,
            Some(theme) => match self.names.iter().position(|name| name == theme) {
                Some(number) => Some(number as u32),
                None => return Arc::new(Bits::default()),
            },
        };
        if let Ok(sets) = self.sets.lock()
            && let Some(set) = sets.get(&number)
        {
            return set.clone();
        }
        let holds: Vec<bool> = self
            .combos
            .iter()
            .map(|combo| match number {
                None => !combo.is_empty(),
                Some(number) => combo.contains(&number),
            })
            .collect();
        let set = Arc::new(Bits::from_docs(self.docs.len() as DocId, |doc| {
            holds
                .get(self.docs[doc as usize] as usize)
                .copied()
                .unwrap_or(false)
        }));
        if let Ok(mut sets) = self.sets.lock() {
            sets.insert(number, set.clone());
        }
        set
    }

    /// The document's combination of themes, for [`SegmentThemes::named`].
    pub fn combo(&self, doc: DocId) -> usize {
        self.docs.get(doc as usize).copied().unwrap_or(NONE) as usize
    }

    /// Combinations this segment can hold (counts are kept by combination).
    pub fn combos(&self) -> usize {
        self.combos.len()
    }

    /// Counts by combination made counts by theme id.
    pub fn named(&self, by_combo: &[f64]) -> HashMap<String, f64> {
        let mut counts: HashMap<String, f64> = HashMap::new();
        for (combo, &count) in self.combos.iter().zip(by_combo) {
            if count <= 0.0 {
                continue;
            }
            for &number in combo.iter() {
                if let Some(name) = self.names.get(number as usize) {
                    *counts.entry(name.clone()).or_default() += count;
                }
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn themes(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn works_share_combinations_and_a_change_bumps_the_generation() {
        let kept = Themes::default();
        kept.apply([("w1", themes(&["a"]))]);
        assert!(!kept.is_loaded(), "nothing is applied before a load");
        kept.load(vec![
            ("w1".into(), themes(&["b", "a"])),
            ("w2".into(), themes(&["a", "b"])),
            ("w3".into(), themes(&["c"])),
        ]);
        let map = kept.map.read().expect("map");
        assert_eq!(map.by_work["w1"], map.by_work["w2"]);
        assert_eq!(map.combos.len(), 3, "none, a+b, c");
        let generation = map.generation;
        drop(map);
        kept.apply([("w1", themes(&["b", "a"]))]);
        assert_eq!(kept.map.read().expect("map").generation, generation);
        kept.apply([("w3", Vec::new()), ("w4", themes(&["c"]))]);
        let map = kept.map.read().expect("map");
        assert_eq!(map.generation, generation + 1);
        assert!(!map.by_work.contains_key("w3"));
        assert_eq!(map.by_work.get("w4").copied(), Some(2));
    }
}
