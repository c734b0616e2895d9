//! The features and blocking keys as essor 065165d mined them, each from the record alone
//! (names folded and titles keyed again for each), kept to show that [`super::mine`] gives the
//! same rows and keys: stores hold both, and a block key that changed would no longer meet its
//! older entries.

use super::*;

pub(super) fn features_before(record: &Normalized) -> Features {
    let mut title_keys = Vec::new();
    let mut full_title_keys = Vec::new();
    let mut title_words = Vec::new();
    let mut title_numbers = Vec::new();
    let mut subtitle_numbers = Vec::new();
    let mut proper_nouns = Vec::new();
    let year = record.date.as_ref().map(|d| d.year);

    let texts: Vec<String> = record
        .titles
        .iter()
        .map(|title| comparable_title(&title.text))
        .collect();
    let edition = texts.iter().find_map(|text| edition_year(text, year?));
    for text in &texts {
        let key = without_volume_designations(&normalize::title_key(text));
        let full = normalize::fold(text);
        // The edition's year says no more than the date (and is compared as `edition`).
        let not_edition = |n: &String| Some(n) != edition.map(|e| e.to_string()).as_ref();
        let mut main: Vec<String> = numbers_in(&key).into_iter().filter(not_edition).collect();
        let mut numbers = numbers_with_context(&full);
        // A title a repository may have cut has lost the numbers of its end ("(2010-20" of
        // "(2010-2020)"), and may end with part of one: its last number is not compared,
        // and its others tell it apart only from titles that have numbers of their own
        // where it has them (as a subtitle's do). Volume numbers still count in full.
        let cut = may_be_cut(text);
        if cut && ends_with_digit(&full) {
            numbers.pop();
        }
        if cut {
            main.clear();
        }
        for (number, after_volume_word) in numbers {
            if !not_edition(&number) {
                continue;
            }
            if after_volume_word || main.contains(&number) {
                title_numbers.push(number);
            } else {
                subtitle_numbers.push(number);
            }
        }
        title_numbers.extend(main);
        let words = plain_words(&full);
        if !words.is_empty() && !title_words.contains(&words) {
            title_words.push(words);
            proper_nouns.push(sorted_set(proper_nouns_in(text)));
        }
        if !key.is_empty() && !title_keys.contains(&key) {
            title_keys.push(key);
        }
        if !full.is_empty() && !full_title_keys.contains(&full) {
            full_title_keys.push(full);
        }
    }
    // Folding reserves room for the unfolded text: give it back (they are kept a long time).
    for text in title_keys
        .iter_mut()
        .chain(&mut full_title_keys)
        .chain(&mut title_words)
    {
        text.shrink_to_fit();
    }
    let authors = record
        .authors
        .iter()
        .filter_map(author_key_before)
        .collect();
    Features {
        title_keys,
        full_title_keys,
        authors,
        year: record.date.as_ref().map(|d| d.year),
        // Only doctoral theses get an NNT: theses.fr's "Electronic Thesis or Dissertation"
        // says no more.
        degree: if record.degree_type == DegreeType::Other
            && record
                .identifiers
                .iter()
                .any(|i| i.kind == normalize::IdKind::Nnt)
        {
            DegreeType::DoctoralThesis
        } else {
            record.degree_type
        },
        title_numbers: sorted_set(title_numbers),
        subtitle_numbers: sorted_set(subtitle_numbers),
        edition,
        strong_ids: sorted_set(strong_ids(record)),
        title_words,
        book: record.degree_type == DegreeType::Other
            && record
                .identifiers
                .iter()
                .any(|i| i.kind == normalize::IdKind::Isbn),
        proper_nouns,
    }
}

fn author_key_before(person: &normalize::Person) -> Option<AuthorKey> {
    let compact: String = normalize::fold(&person.family)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if compact.is_empty() {
        return None;
    }
    let key = normalize::name_key(person);
    let without_particles = key.split(' ').next().unwrap_or_default().to_owned();
    let mut families = vec![compact];
    if !without_particles.is_empty() && !families.contains(&without_particles) {
        families.push(without_particles);
    }
    let initial = person
        .given
        .as_deref()
        .map(normalize::fold)
        .and_then(|given| given.chars().find(|c| c.is_alphanumeric()));
    let letters = name_letters_before(person).map_or(0, |letters| {
        xxhash_rust::xxh3::xxh3_64(letters.as_bytes()).max(1)
    });
    Some(AuthorKey {
        families,
        initial,
        letters,
        given: person.given.as_deref().map_or(0, pack_given_before),
    })
}

fn name_letters_before(person: &normalize::Person) -> Option<String> {
    let mut letters: Vec<char> = normalize::fold(&person.family)
        .chars()
        .chain(
            person
                .given
                .as_deref()
                .map(normalize::fold)
                .unwrap_or_default()
                .chars(),
        )
        .filter(|c| c.is_alphabetic())
        .collect();
    if letters.len() < 6 {
        return None;
    }
    letters.sort_unstable();
    Some(letters.into_iter().collect())
}

pub(super) fn blocking_keys_before(record: &Normalized) -> Vec<String> {
    let mut keys: Vec<String> = strong_ids(record)
        .into_iter()
        .map(|id| format!("i:{id}"))
        .collect();
    let families: Vec<String> = record
        .authors
        .iter()
        .flat_map(|author| {
            let folded = normalize::fold(&author.family);
            let compact: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
            let without_particles = normalize::name_key(author)
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned();
            [compact, without_particles]
        })
        .filter(|family| !family.is_empty())
        .map(|family| {
            // Letters sorted: a transposition typo ("Cœrudevey") leaves the key unchanged.
            let mut letters: Vec<char> = family.chars().collect();
            letters.sort_unstable();
            letters.into_iter().collect::<String>()
        })
        .collect();
    // The whole name's letters (`n:`): a name in another order or script has no family name
    // in common with its other forms.
    for author in &record.authors {
        if let Some(letters) = name_letters_before(author) {
            keys.push(format!("n:{letters}"));
        }
    }
    let year = record.date.as_ref().map(|d| d.year);
    // Studies (and records of unknown type, which may be studies) match on title and year alone.
    let study_like = matches!(
        record.degree_type,
        DegreeType::ReportStudy | DegreeType::Other
    );
    for title in &record.titles {
        let key = normalize::title_key(&comparable_title(&title.text));
        let words: Vec<&str> = key
            .split(' ')
            .filter(|w| !w.is_empty() && !super::super::keys::STOPWORDS.contains(w))
            .collect();
        if words.is_empty() {
            continue;
        }
        let head = words.iter().take(3).copied().collect::<Vec<_>>().join(" ");
        let tail = words
            .iter()
            .rev()
            .take(3)
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        for broad in [format!("t:{head}"), format!("e:{tail}")] {
            for family in &families {
                keys.push(format!("{broad}|{family}"));
            }
            if study_like && let Some(year) = year {
                keys.push(format!("{broad}|{year}"));
            }
            keys.push(broad);
        }
        keys.push(format!("t:{head}|f:{}", words.join(" ")));
    }
    if matches!(
        record.degree_type,
        DegreeType::DoctoralThesis | DegreeType::Hdr
    ) {
        for author in &record.authors {
            let family = normalize::fold(&author.family);
            if family.is_empty() {
                continue;
            }
            let initial = author
                .given
                .as_deref()
                .map(normalize::fold)
                .and_then(|given| given.chars().find(|c| c.is_alphanumeric()));
            // Years one apart on each side: two records at most two years apart share one.
            if let (Some(initial), Some(year)) = (initial, year) {
                for around in year - 1..=year + 1 {
                    keys.push(format!("a:{family}|{initial}{around}"));
                }
            }
            keys.push(format!("a:{family}"));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

fn pack_given_before(given: &str) -> u64 {
    let folded = normalize::fold(given);
    let Some(first) = folded
        .split(|c: char| c.is_whitespace() || c == '-')
        .find(|w| !w.is_empty())
    else {
        return 0;
    };
    if first.contains('.') || first.chars().filter(char::is_ascii_lowercase).count() < 2 {
        return 0;
    }
    first
        .bytes()
        .filter(u8::is_ascii_lowercase)
        .take(GIVEN_LETTERS)
        .fold(0u64, |packed, b| packed << 5 | u64::from(b - b'a' + 1))
}
