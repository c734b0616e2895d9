//! Identifiers of a work in canonical form (NNT, DOI, HAL id, handle, URN, ISBN-13, ARK, URL),
//! recognised in every spelling repositories use: prefixes ("NNT: ", "doi:"), resolver URLs,
//! landing pages, HAL's "⟨NNT : …⟩" citations.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// Numéro national de thèse (France): "2018MONTT090".
    Nnt,
    /// Lowercase, without resolver: "10.1051/0004-6361:20021611".
    Doi,
    /// Without version: "tel-02955615".
    Hal,
    /// "1866/30688".
    Handle,
    /// "urn:nbn:de:…", scheme and namespace lowercase.
    Urn,
    /// ISBN-13 digits, no hyphens.
    Isbn,
    /// "ark:/12148/bpt6k…".
    Ark,
    /// Scheme and host lowercase, no fragment, no trailing slash.
    Url,
    Other,
}

/// A canonical identifier: two records carrying the same one describe the same work.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Identifier {
    pub kind: IdKind,
    pub value: String,
}

/// Why an identifier string was not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("invalid ISBN \"{0}\" (check digit)")]
    InvalidIsbn(String),
    #[error("invalid NNT \"{0}\"")]
    InvalidNnt(String),
    #[error("unrecognised identifier \"{0}\"")]
    Unrecognised(String),
}

impl Identifier {
    /// The identifier as a resolvable URI where a resolver exists (DOI, HAL, NNT, handle, ARK),
    /// `urn:isbn:` for ISBNs, else as it is.
    pub fn uri(&self) -> String {
        let v = &self.value;
        match self.kind {
            IdKind::Nnt => format!("https://theses.fr/{v}"),
            IdKind::Doi => format!("https://doi.org/{v}"),
            IdKind::Hal => format!("https://hal.science/{v}"),
            IdKind::Handle => format!("https://hdl.handle.net/{v}"),
            IdKind::Isbn => format!("urn:isbn:{v}"),
            IdKind::Ark => format!("https://n2t.net/{v}"),
            IdKind::Urn | IdKind::Url | IdKind::Other => v.clone(),
        }
    }

    fn new(kind: IdKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
        }
    }

    /// Recognises one identifier string. Strings that are not identifiers (citations, free text)
    /// are `Unrecognised`; an ISBN or NNT that fails its checks is an error of its own.
    pub fn parse(text: &str) -> Result<Identifier, IdentifierError> {
        let cleaned = super::text::clean_cow(text);
        let value = cleaned
            .trim()
            .trim_start_matches(['⟨', '<', '[', '('])
            .trim_end_matches(['⟩', '>', ']', ')', '.', ',', ';'])
            .trim();
        let unrecognised = || IdentifierError::Unrecognised(value.to_owned());
        if value.is_empty() {
            return Err(unrecognised());
        }
        let lower = value.to_ascii_lowercase();

        if let Some(rest) = strip_label(value, &lower, "nnt") {
            return nnt(rest).ok_or_else(|| IdentifierError::InvalidNnt(rest.to_owned()));
        }
        if let Some(doi) = doi(value, &lower) {
            return Ok(Identifier::new(IdKind::Doi, doi));
        }
        if let Some(rest) = strip_label(value, &lower, "isbn")
            .or_else(|| lower.starts_with("urn:isbn:").then(|| &value[9..]))
        {
            return isbn(rest).ok_or_else(|| IdentifierError::InvalidIsbn(rest.trim().to_owned()));
        }
        if let Some(rest) = lower
            .strip_prefix("hdl:")
            .or_else(|| lower.strip_prefix("info:hdl/"))
            .map(|r| &value[value.len() - r.len()..])
        {
            return handle(rest).ok_or_else(unrecognised);
        }
        if let Some(id) = hal_id(value) {
            return Ok(Identifier::new(IdKind::Hal, id));
        }
        if let Some(rest) = lower.strip_prefix("oai:hal:") {
            return hal_id(rest)
                .map(|id| Identifier::new(IdKind::Hal, id))
                .ok_or_else(unrecognised);
        }
        // An OAI identifier (Zenodo repeats it in dc:identifier) names a record, not the work.
        if lower.starts_with("oai:") {
            return Err(unrecognised());
        }
        if lower.contains(':')
            && let Some(index) = lower.find("ark:")
        {
            return ark(&value[index..]).ok_or_else(unrecognised);
        }
        if lower.starts_with("urn:") {
            return urn(value).ok_or_else(unrecognised);
        }
        if lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("www.")
        {
            return url_identifier(value).ok_or_else(unrecognised);
        }
        if let Some(nnt) = nnt(value) {
            return Ok(nnt);
        }
        if let Some(isbn) = bare_isbn(value) {
            return isbn;
        }
        // Short opaque tokens (local numbers, PPNs) are kept; sentences are not identifiers.
        if value.chars().count() <= 64 && value.split_whitespace().count() <= 2 {
            return Ok(Identifier::new(IdKind::Other, value));
        }
        Err(unrecognised())
    }
}

/// "NNT: X", "NNT : X", "nnt:X", "NNT X", "ISBN 978…": the rest after the label.
fn strip_label<'a>(value: &'a str, lower: &str, label: &str) -> Option<&'a str> {
    let rest = lower.strip_prefix(label)?;
    let rest = rest
        .strip_prefix("-13")
        .or_else(|| rest.strip_prefix("-10"))
        .unwrap_or(rest);
    let trimmed = rest.trim_start_matches([' ', ':', '=', '#']);
    if trimmed.len() == rest.len() && !rest.is_empty() {
        return None; // "isbnfoo": a word, not a label
    }
    Some(value[value.len() - trimmed.len()..].trim())
}

/// A national thesis number: four-digit year, four-character establishment code, four-character
/// sequence ("2018MONTT090", "2004PA066509", "2015TOU20116").
fn nnt(text: &str) -> Option<Identifier> {
    let candidate = text.trim().to_ascii_uppercase();
    let bytes = candidate.as_bytes();
    let year_ok = bytes.len() == 12
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && (1985..=2100).contains(&candidate[..4].parse::<u32>().ok()?);
    let rest_ok = bytes.len() == 12
        && bytes[4].is_ascii_alphabetic()
        && bytes[4..].iter().all(u8::is_ascii_alphanumeric);
    (year_ok && rest_ok).then(|| Identifier::new(IdKind::Nnt, candidate))
}

/// Finds "NNT : X" inside a longer text (HAL's `dc:source` citation ends with
/// "⟨NNT : 2018MONTT090⟩").
pub(crate) fn find_nnt_in_text(text: &str) -> Option<Identifier> {
    let upper = text.to_ascii_uppercase();
    let mut search = 0;
    while let Some(found) = upper[search..].find("NNT") {
        let start = search + found + 3;
        let rest = upper[start..].trim_start_matches([' ', ':', '\u{a0}']);
        let token: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if let Some(nnt) = nnt(&token) {
            return Some(nnt);
        }
        search = start;
    }
    None
}

/// HAL ids in "⟨hal-01234567⟩" citations of `dc:source`.
pub(crate) fn find_hal_in_text(text: &str) -> Option<Identifier> {
    text.split(['⟨', '⟩', ' ', '<', '>'])
        .find_map(hal_id)
        .map(|id| Identifier::new(IdKind::Hal, id))
}

/// DOIs behind every prefix and resolver, lowercased (DOIs are case-insensitive) and
/// percent-decoded.
fn doi(value: &str, lower: &str) -> Option<String> {
    const PREFIXES: &[&str] = &[
        "info:eu-repo/semantics/altidentifier/doi/",
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "https://www.doi.org/",
        "doi.org/",
        "dx.doi.org/",
        "info:doi/",
        "doi:",
        "doi :",
        "doi ",
    ];
    let rest = PREFIXES
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .map(|r| &value[value.len() - r.len()..])
        .unwrap_or(value)
        .trim();
    if !rest.starts_with("10.") {
        return None;
    }
    let decoded = percent_decode(rest).to_lowercase();
    let (prefix, suffix) = decoded.split_once('/')?;
    let registrant = prefix.strip_prefix("10.")?;
    let valid = registrant.len() >= 4
        && registrant
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !suffix.is_empty()
        && !suffix.contains(char::is_whitespace);
    valid.then_some(decoded)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[index + 1..index + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// "tel-02955615", "hal-01234567v2", "halshs-00123456", "dumas-00123456": the HAL id without
/// its version.
fn hal_id(text: &str) -> Option<String> {
    // Checked on the bytes first: most strings tested here are not HAL ids, and are not copied.
    let text = text.trim();
    let (prefix, number) = text.rsplit_once('-')?;
    let number = match number.find(['v', 'V']) {
        Some(v) if v + 1 < number.len() && number[v + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            &number[..v]
        }
        _ => number,
    };
    if number.len() != 8 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix_ok = !prefix.is_empty()
        && prefix.len() <= 24
        && prefix.starts_with(|c: char| c.is_ascii_alphabetic())
        && prefix
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    prefix_ok.then(|| format!("{}-{number}", prefix.to_ascii_lowercase()))
}

/// "1866/30688", "20.500.12345/678": a handle prefix, a slash, a local name.
fn handle(text: &str) -> Option<Identifier> {
    let text = text.trim().split(['?', '#']).next()?.trim_end_matches('/');
    let (prefix, local) = text.split_once('/')?;
    let prefix_ok = !prefix.is_empty()
        && prefix
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !prefix.starts_with("10.");
    (prefix_ok && !local.is_empty() && !local.contains(char::is_whitespace))
        .then(|| Identifier::new(IdKind::Handle, text))
}

/// "ark:/12148/bpt6k…" (also the newer "ark:12148/…" and behind any resolver).
fn ark(text: &str) -> Option<Identifier> {
    let rest = text.get(4..)?.trim_start_matches('/');
    let rest = rest.split(['?', '#']).next()?.trim_end_matches('/');
    let (naan, name) = rest.split_once('/')?;
    (!naan.is_empty() && naan.bytes().all(|b| b.is_ascii_alphanumeric()) && !name.is_empty())
        .then(|| Identifier::new(IdKind::Ark, format!("ark:/{naan}/{name}")))
}

/// URNs, "urn:nbn:de:…" with scheme and namespace lowercase (the namespace-specific part keeps
/// its case: URN:NBN resolvers treat it as written).
fn urn(text: &str) -> Option<Identifier> {
    let mut parts = text.splitn(3, ':');
    let (_, namespace, rest) = (parts.next()?, parts.next()?, parts.next()?);
    if namespace.is_empty() || rest.is_empty() || rest.contains(char::is_whitespace) {
        return None;
    }
    let namespace = namespace.to_ascii_lowercase();
    if namespace == "nbn" {
        // urn:nbn:<country>:…: the country code is case-insensitive too.
        let (country, local) = rest.split_once(':').unwrap_or((rest, ""));
        let local = if local.is_empty() {
            String::new()
        } else {
            format!(":{local}")
        };
        return Some(Identifier::new(
            IdKind::Urn,
            format!("urn:nbn:{}{local}", country.to_ascii_lowercase()),
        ));
    }
    Some(Identifier::new(
        IdKind::Urn,
        format!("urn:{namespace}:{rest}"),
    ))
}

/// An ISBN after its label: 10 or 13 digits (hyphens and spaces allowed), check digit verified,
/// ISBN-10 converted to ISBN-13.
fn isbn(text: &str) -> Option<Identifier> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | 'x' | 'X'))
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let isbn13 = match digits.len() {
        10 => isbn10_to_13(&digits)?,
        13 if digits.bytes().all(|b| b.is_ascii_digit()) => digits,
        _ => return None,
    };
    (isbn13_check(&isbn13[..12])? == isbn13.as_bytes()[12] - b'0')
        .then(|| Identifier::new(IdKind::Isbn, isbn13))
}

/// A bare string shaped like an ISBN (978/979 prefix for 13 digits; hyphenated 10 digits).
fn bare_isbn(value: &str) -> Option<Result<Identifier, IdentifierError>> {
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | 'X' | 'x'))
    {
        return None;
    }
    let digits: String = value.chars().filter(|c| *c != '-').collect();
    let shaped = (digits.len() == 13 && (digits.starts_with("978") || digits.starts_with("979")))
        || (digits.len() == 10 && value.contains('-'));
    shaped.then(|| isbn(value).ok_or_else(|| IdentifierError::InvalidIsbn(value.to_owned())))
}

fn isbn10_to_13(isbn10: &str) -> Option<String> {
    let bytes = isbn10.as_bytes();
    if !bytes[..9].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let value = if *b == b'X' { 10 } else { u32::from(b - b'0') };
            value * (10 - i as u32)
        })
        .sum();
    let last_ok = bytes[9].is_ascii_digit() || bytes[9] == b'X';
    if !last_ok || !sum.is_multiple_of(11) {
        return None;
    }
    let stem = format!("978{}", &isbn10[..9]);
    let check = isbn13_check(&stem)?;
    Some(format!("{stem}{check}"))
}

fn isbn13_check(twelve: &str) -> Option<u8> {
    if twelve.len() != 12 || !twelve.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = twelve
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// A URL as an identifier: the typed identifier it reveals when it points to a resolver or a
/// landing page we know (doi.org, hdl.handle.net, HAL portals, theses.fr, ARK and URN
/// resolvers, DSpace `/handle/` pages), else the normalised URL.
fn url_identifier(text: &str) -> Option<Identifier> {
    let lower = text.to_ascii_lowercase();
    // Typed identifiers are read from the URL's text; only other URLs need a full parse.
    let after_scheme = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let host_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let host = after_scheme[..host_end]
        .rsplit('@')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    let path_start = text.len() - after_scheme.len() + host_end;
    let path = text[path_start..].split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();

    if host == "hdl.handle.net" {
        return handle(path.trim_start_matches('/'));
    }
    // A ":" in the path is rare: the substring searches only run then.
    if path.contains(':') {
        if let Some(index) = path.find("/ark:") {
            return ark(&path[index + 1..]);
        }
        if let Some(urn_start) = path.to_ascii_lowercase().find("urn:") {
            return urn(&path[urn_start..]);
        }
    }
    let hal_host =
        host.contains("hal") || host.contains("archives-ouvertes") || host.contains("ccsd");
    if hal_host && let Some(id) = segments.first().and_then(|s| hal_id(s)) {
        return Some(Identifier::new(IdKind::Hal, id));
    }
    if (host == "theses.fr" || host.ends_with(".theses.fr"))
        && let Some(nnt) = segments.iter().rev().find_map(|s| nnt(s))
    {
        return Some(nnt);
    }
    if let Some(position) = segments.iter().position(|s| *s == "handle")
        && segments.len() >= position + 3
        && let Some(handle) = handle(&segments[position + 1..position + 3].join("/"))
    {
        return Some(handle);
    }
    let with_scheme = if lower.starts_with("www.") {
        format!("http://{text}")
    } else {
        text.to_owned()
    };
    let mut url = url::Url::parse(&with_scheme).ok()?;
    url.host_str()?;
    url.set_fragment(None);
    let mut normalised = url.to_string();
    if normalised.ends_with('/') && url.query().is_none() {
        normalised.pop();
    }
    Some(Identifier::new(IdKind::Url, normalised))
}

#[cfg(test)]
mod tests;
